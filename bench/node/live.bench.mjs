// Live mode (issue 13.5) in headless Debian Chromium on the test build: the bundled sample (480×270,
// 25 fps, looping) played live in the Upscale tab, at the whole frame and at a centred 128×128 LR
// region, with the shipped models (`vsr` and `vsr-restore`, 0.53 M parameters each, and the lighter
// `vsr-fast`, 0.27 M) and, for scale, the narrow
// test nets of ?testmodels. Per case: the side the engine chose (auto: measured on first use), the
// achieved fps against the clip's 25, the share of due frames dropped, the state resets, the time
// to the first frame (loading the net, the side's probe), and the last step's time (whole, and
// inside the engine). Each case plays PLAY_S seconds after its first frame (at least MIN_SHOWN
// frames, at most CAP_S), then stops; the engine must have no live session left.
// Then the state rule's measurement (live-policy.mjs, onnxruntime-node; LIVE_POLICY=0 skips it).
// Run by `npm run bench live` (bench/run.mjs imports run()); also `node bench/node/live.bench.mjs`.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { buildApp, launchBrowser, pipeConsole, startPreviewServer } from '../../e2e/lib/browser.mjs';
import { statePolicy } from './live-policy.mjs';

const PLAY_S = Number(process.env.LIVE_PLAY_S ?? 30);
const MIN_SHOWN = 6;
const CAP_S = 240;
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const CASES = [
  { models: 'shipped', model: 'vsr', region: 'whole' },
  { models: 'shipped', model: 'vsr', region: '128x128' },
  { models: 'shipped', model: 'vsr-fast', region: 'whole' },
  { models: 'shipped', model: 'vsr-fast', region: '128x128' },
  { models: 'shipped', model: 'vsr-restore', region: '128x128' },
  { models: 'test', model: 'vsr', region: 'whole' },
  { models: 'test', model: 'vsr', region: '128x128' },
];

const readStatus = (page) =>
  page.$eval('[data-testid=live-status]', (e) => {
    const n = (k) => Number(e.getAttribute(`data-${k}`));
    return { status: e.getAttribute('data-status'), shown: n('shown'), dropped: n('dropped'), fps: n('fps'), share: n('dropped-share'), resets: n('resets'), stepMs: n('step-ms'), engineMs: n('engine-ms'), fetchMs: n('fetch-ms'), side: e.getAttribute('data-side'), text: e.textContent ?? '' };
  });

async function openUpscale(page, url, models) {
  const q = models === 'test' ? '?testmodels&testhooks' : '?testhooks';
  await page.goto(`${url}/${q}#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.waitForSelector('[data-testid=live-toggle]:not([disabled])');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=upscale-model] option').length >= 2, null, { timeout: 60_000 });
}

async function measure(page, c) {
  await page.selectOption('[data-testid=upscale-model]', c.model);
  await page.selectOption('[data-testid=upscale-region]', c.region);
  const t0 = Date.now();
  await page.click('[data-testid=live-toggle]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=live-status]')?.getAttribute('data-shown') ?? 0) >= 1, null, { timeout: 900_000, polling: 50 });
  const firstS = (Date.now() - t0) / 1000;
  const tFirst = Date.now();
  let s = await readStatus(page);
  for (;;) {
    const played = (Date.now() - tFirst) / 1000;
    if ((played >= PLAY_S && s.shown >= MIN_SHOWN) || played >= CAP_S || s.status !== 'playing') break;
    await page.waitForTimeout(1000);
    s = await readStatus(page);
  }
  const playedS = (Date.now() - tFirst) / 1000;
  await page.click('[data-testid=live-toggle]');
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.getAttribute('data-status') === 'idle', null, { timeout: 600_000, polling: 50 });
  const open = await page.evaluate(() => window.__vqdsrTest.liveSessions());
  if (open !== 0) throw new Error(`${open} live session(s) still open after stop`);
  const canvas = await page.$eval('[data-testid=live-canvas]', (e) => `${e.width}x${e.height}`);
  const row = {
    models: c.models,
    model: c.model,
    region: c.region,
    output: canvas,
    side: s.side,
    fps: round(s.fps),
    clipFps: 25,
    shown: s.shown,
    dropped: s.dropped,
    droppedShare: round(s.share, 3),
    stateResets: s.resets,
    lastStepMs: Math.round(s.stepMs),
    lastEngineMs: Math.round(s.engineMs),
    lastFetchMs: Math.round(s.fetchMs),
    firstFrameS: round(firstS, 1),
    playedS: round(playedS, 1),
  };
  console.log(`live: ${c.models} ${c.model} ${c.region} on ${row.side}: ${row.fps} fps, ${Math.round(100 * row.droppedShare)}% dropped (${row.shown} shown in ${row.playedS} s)`);
  return row;
}

export async function run() {
  // Measure the code as it is: the preview server serves dist/, so build it first (a test build).
  await buildApp();
  const server = await startPreviewServer();
  const browser = await launchBrowser();
  const rows = [];
  try {
    for (const models of ['shipped', 'test']) {
      // A fresh profile per model set: each set's side is measured on its first use, as for a user.
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      pipeConsole(page, `live-${models}`);
      page.setDefaultTimeout(0);
      await openUpscale(page, server.url, models);
      for (const c of CASES.filter((x) => x.models === models)) rows.push(await measure(page, c));
      rows.push({ models, plans: (await page.textContent('[data-testid=stage-plans]').catch(() => '')).trim() || null });
      await ctx.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const policy = process.env.LIVE_POLICY === '0' ? { skipped: 'LIVE_POLICY=0' } : await statePolicy();
  return {
    name: 'live: achieved fps and dropped-frame share playing the sample ×4 live (whole frame, 128×128 LR region)',
    machine_note: `${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end; WebGPU here is whatever the adapter is (SwiftShader on a VM, where the app's auto choice runs the VSR net on the CPU)`,
    input: 'bundled sample 480×270, 25 fps, 75 frames, looping from frame 1',
    models_note: 'shipped: public/models (vsr and vsr-restore 0.53 M parameters, vsr-fast 0.27 M); test: e2e/fixtures/models (width 8, untrained: speed only)',
    playSeconds: PLAY_S,
    rows,
    statePolicy: policy,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
