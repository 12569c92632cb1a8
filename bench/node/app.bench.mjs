// The app end to end in headless Debian Chromium (production build), against the CLI on the same
// frames (issue 13's targets):
//  - Degrade tab: a slider change → the new LR preview, median ms over several changes of the blur
//    σ (every stage re-runs), without and with the codec stage; the side the engine chose;
//  - Upscale tab: the bundled sample ×4, whole frame, FRAMES frames → MP4, click to file, in frames
//    per second, beside `vqdsr upscale` (onnxruntime-node, all cores) on the same frames → MP4.
// Run by `npm run bench app` (bench/run.mjs imports run()); also `node bench/node/app.bench.mjs`.
// The backend choice is the app's own (auto, measured on first use, fresh browser profile).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp, launchBrowser, startPreviewServer } from '../../e2e/lib/browser.mjs';

const FRAMES = 8;
const SLIDER_CHANGES = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function degradeLatency(page, codec) {
  const base = await page.evaluate(() => window.__vqdsrTest.getParams());
  const ms = [];
  // The first change warms the new configuration (codec on/off); it is not counted.
  for (let i = 0; i <= SLIDER_CHANGES; i++) {
    const p = structuredClone(base);
    p.blur.sigmaX = p.blur.sigmaY = 0.6 + 0.15 * i + (codec ? 0.05 : 0);
    if (!codec) p.compress.codec = 'none';
    const before = await page.textContent('[data-testid=stage-times]');
    const t0 = Date.now();
    await page.evaluate((q) => window.__vqdsrTest.setParams(q), p);
    await page.waitForFunction(
      (prev) => {
        const c = document.querySelector('[data-testid=lr-canvas]');
        const t = document.querySelector('[data-testid=stage-times]')?.textContent;
        return c && !/updating/.test(c.parentElement?.textContent ?? '') && t && t !== prev;
      },
      before,
      { timeout: 600_000, polling: 10 },
    );
    if (i > 0) ms.push(Date.now() - t0);
  }
  return { medianMs: median(ms), ms };
}

export async function run() {
  // Measure the code as it is: the preview server serves dist/, so build it first.
  await buildApp();
  const server = await startPreviewServer();
  const browser = await launchBrowser();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'app-bench-'));
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(0);
    await page.goto(`${server.url}/?testhooks`);
    await page.waitForFunction(() => (document.querySelector('[data-testid=stage-times]')?.textContent ?? '').length > 0, null, { timeout: 600_000 });
    const noCodec = await degradeLatency(page, false);
    const withCodec = await degradeLatency(page, true);
    const degradePlan = (await page.textContent('[data-testid=stage-plans]').catch(() => '')).trim();

    const hash = Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url');
    await page.goto(`${server.url}/?testhooks#v1.${hash}`);
    await page.waitForSelector('[data-testid=upscale-start]');
    // The UI's range is 1-based and inclusive: frames 1…FRAMES are indices 0…FRAMES−1.
    await page.fill('[data-testid=upscale-from]', '1');
    await page.fill('[data-testid=upscale-to]', String(FRAMES));
    await page.selectOption('[data-testid=upscale-region]', 'whole');
    await page.selectOption('[data-testid=upscale-output]', 'mp4');
    // Twice: the first run loads the net and (auto backend) probes both sides once; the second is
    // what every later run of the session costs.
    const runs = [];
    for (const label of ['first', 'second']) {
      const t0 = Date.now();
      await page.click('[data-testid=upscale-start]');
      // Leaves 'done' first (a second run starts from the first's finished state), then reaches it again.
      await page.waitForFunction(() => document.querySelector('[data-testid=upscale-status]')?.getAttribute('data-status') !== 'done', null, { timeout: 60_000, polling: 20 });
      await page.waitForFunction(() => document.querySelector('[data-testid=upscale-status]')?.getAttribute('data-status') === 'done' && document.querySelector('[data-testid=upscale-result]'), null, { timeout: 3_600_000 });
      const s = (Date.now() - t0) / 1000;
      const status = (await page.textContent('[data-testid=upscale-status]')).trim();
      const done = Number(/Upscaled (\d+) frames/.exec(status)?.[1] ?? NaN);
      if (done !== FRAMES) throw new Error(`the app upscaled ${done} frames, not ${FRAMES}: "${status}"`);
      runs.push({ run: label, seconds: round(s), fps: round(FRAMES / s, 3), status });
    }
    const plans = (await page.textContent('[data-testid=stage-plans]').catch(() => '')).trim();

    const out = path.join(tmp, 'cli.mp4');
    const c0 = Date.now();
    const r = spawnSync(process.execPath, ['bin/vqdsr.mjs', 'upscale', 'public/samples/sample.mp4', out, '--frames', `0:${FRAMES}`, '--quiet'], { encoding: 'utf8' });
    const cliS = (Date.now() - c0) / 1000;
    if (r.status !== 0) throw new Error(`vqdsr upscale failed: ${r.stderr}`);
    return {
      name: 'app: degrade preview latency and ×4 upscale end to end in Chromium vs the CLI',
      machine_note: `${os.cpus().length} cores; WebGPU in this Chromium is whatever the adapter is (SwiftShader on a VM)`,
      degrade: {
        input: 'bundled sample 480×270, default params (VQD on), blur σ changed each time',
        plan: degradePlan,
        noCodecMedianMs: noCodec.medianMs,
        withCodecMedianMs: withCodec.medianMs,
        noCodecMs: noCodec.ms,
        withCodecMs: withCodec.ms,
      },
      upscale: {
        input: `bundled sample 480×270 → 1920×1080, frames 0–${FRAMES - 1}, MP4`,
        plans,
        app: runs,
        cliSeconds: round(cliS),
        cliFps: round(FRAMES / cliS, 3),
        cliBytes: statSync(out).size,
        appOverCli: { first: round(cliS / runs[0].seconds, 3), second: round(cliS / runs[1].seconds, 3) },
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
