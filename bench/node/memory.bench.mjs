// Bounded memory on a long clip (issue 15.5): a 1,500-frame clip (the bundled sample looped 20×,
// scaled to 128×72 so the run takes minutes, not hours) upscaled ×4 to MP4, whole frame,
//  - in the app (production build, headless Chromium): RSS of every process the bench started
//    (browser, renderer, GPU and utility processes, workers live inside them) summed every 2 s;
//  - by `vqdsr upscale` (Node + its ffmpeg children), sampled the same way.
// Reported: RSS after the first 100 frames, the peak, and their ratio (the issue asks ≤ 1.3).
// Run by `npm run bench memory`; also `node bench/node/memory.bench.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp, launchBrowser, startPreviewServer } from '../../e2e/lib/browser.mjs';

const FRAMES = 1500;
const FIRST = 100;
const PAGE = 4096;

/** pid → ppid for every process, from /proc. */
function parents() {
  const m = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      m.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  return m;
}

/** Summed RSS (MiB) of `root`'s descendants (and root itself when `self`). */
function treeRssMiB(root, self = false) {
  const pp = parents();
  const inTree = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 64; p = pp.get(p) ?? 0, n++) if (p === root) return self || pid !== root;
    return false;
  };
  let pages = 0;
  for (const pid of pp.keys()) {
    if (!inTree(pid)) continue;
    try {
      pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      /* gone */
    }
  }
  return (pages * PAGE) / 2 ** 20;
}

function summary(samples, firstAt) {
  const after = samples.filter((s) => s.frames >= firstAt);
  const base = after[0]?.rssMiB ?? NaN;
  const peak = Math.max(...samples.map((s) => s.rssMiB));
  return { rssAfterFirstFramesMiB: Math.round(base), peakMiB: Math.round(peak), peakOverAfterFirst: Math.round((peak / base) * 1000) / 1000, samples: samples.length };
}

export async function run() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'memory-bench-'));
  const clip = path.join(tmp, 'long-128x72.mp4');
  const mk = spawnSync('ffmpeg', ['-v', 'error', '-stream_loop', '19', '-i', 'public/samples/sample.mp4', '-vf', 'scale=128:72', '-frames:v', String(FRAMES), '-c:v', 'libx264', '-crf', '23', '-pix_fmt', 'yuv420p', clip]);
  if (mk.status !== 0) throw new Error(`could not make the long clip: ${mk.stderr}`);
  await buildApp();
  const server = await startPreviewServer();
  const browser = await launchBrowser();
  const app = [];
  let appS = 0;
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    page.setDefaultTimeout(0);
    await page.goto(`${server.url}/#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`);
    await page.setInputFiles('[data-testid=file-input]', clip);
    await page.waitForFunction(() => /long-128x72/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.waitForSelector('[data-testid=upscale-start]');
    await page.fill('[data-testid=upscale-from]', '1');
    await page.fill('[data-testid=upscale-to]', String(FRAMES));
    await page.selectOption('[data-testid=upscale-region]', 'whole');
    await page.selectOption('[data-testid=upscale-output]', 'mp4');
    const t0 = Date.now();
    await page.click('[data-testid=upscale-start]');
    for (;;) {
      const st = await page.evaluate(() => ({
        status: document.querySelector('[data-testid=upscale-status]')?.getAttribute('data-status'),
        done: Number(document.querySelector('[data-testid=upscale-progress]')?.getAttribute('data-done') ?? 0),
      }));
      app.push({ t: Math.round((Date.now() - t0) / 1000), frames: st.done, rssMiB: Math.round(treeRssMiB(process.pid)) });
      if (['done', 'error', 'cancelled'].includes(st.status) && (await page.$('[data-testid=upscale-result]'))) break;
      if (st.status === 'error') throw new Error(`the app's run failed: ${await page.textContent('[data-testid=upscale-status]')}`);
      await page.waitForTimeout(2000);
    }
    appS = (Date.now() - t0) / 1000;
  } finally {
    await browser.close();
    await server.close();
  }

  const cli = [];
  const c0 = Date.now();
  const child = spawn(process.execPath, ['bin/vqdsr.mjs', 'upscale', clip, path.join(tmp, 'cli.mp4'), '--quiet'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  let code = null;
  void exited.then((c) => (code = c));
  while (code === null) {
    // The CLI prints no frame count with --quiet: time stands in for progress (frames ≈ t × fps at the end).
    cli.push({ t: (Date.now() - c0) / 1000, rssMiB: Math.round(treeRssMiB(child.pid, true)) });
    await new Promise((r) => setTimeout(r, 2000));
  }
  const cliS = (Date.now() - c0) / 1000;
  rmSync(tmp, { recursive: true, force: true });
  if (code !== 0) throw new Error(`vqdsr upscale exited ${code}`);
  const cliFps = FRAMES / cliS;
  for (const s of cli) s.frames = Math.round(s.t * cliFps);
  return {
    name: `memory: ${FRAMES}-frame clip ×4 to MP4, RSS sampled every 2 s (app: every process of the browser; CLI: node + ffmpeg)`,
    clip: `bundled sample looped 20×, 128×72, ${FRAMES} frames → 512×288 H.264`,
    app: { seconds: Math.round(appS), ...summary(app, FIRST), trace: app },
    cli: { seconds: Math.round(cliS), ...summary(cli, FIRST), trace: cli.map((s) => ({ ...s, t: Math.round(s.t) })) },
    target: 'peak ≤ 1.3 × the RSS after the first 100 frames',
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
