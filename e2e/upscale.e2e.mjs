#!/usr/bin/env node
// Upscale tab end to end on the production build: each VSR model of the (test) manifest selected
// and run on one frame, its id in the share link; frames 1–3 of the sample (a centred 32×32 LR
// region: SwiftShader runs the net on the CPU, ~5–20 s a step even with the narrow test models of
// ?testmodels), watched while it runs (progress, the ×4 frame drawn), paused and resumed, saved as
// MP4 and downloaded; the file is decoded with Debian's ffprobe: 128×128 H.264, 3 frames. Then a longer run is cancelled
// after its first frames, and the frames finished so far are saved as a playable file; the degraded
// source shows PSNR/SSIM against the original; a still image gives one ×4 PNG.
import { mkdirSync, readFileSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, dropFile, exitWithTally } from './lib/assert.mjs';
import { downloadUpscale, runUpscale, startUpscale, upscaleEnded, upscaleFramesDone } from './lib/upscale-form.mjs';
import { probeVideo } from './lib/ffprobe.mjs';

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();
const browser = await launchBrowser();

const done = (page) => page.getAttribute('[data-testid=upscale-progress]', 'data-done').then(Number);

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  pipeConsole(page, 'upscale');
  const t0 = Date.now();
  // Straight to the Upscale tab (share-link state): the Degrade tab's preview need not run first.
  // ?webgpu: the pause and cancel checks need steps that take seconds (SwiftShader); auto would
  // move the narrow test net to wasm, where 40 frames can finish before the cancel click lands.
  await page.goto(`${server.url}/?testmodels&webgpu#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.waitForSelector('[data-testid=upscale-start]');

  console.log('the model is made ready before Start (loaded on the side a run will use)');
  await page.waitForSelector('[data-testid=upscale-ready][data-state=ready], [data-testid=upscale-ready][data-state=failed]', { timeout: 180_000 });
  const ready = (await page.textContent('[data-testid=upscale-ready]')).trim();
  // ?webgpu forces the GPU side: the prepared runner is the WebGPU one.
  check(/^vsr ready on the GPU \(WebGPU\) \(\d+\.\d s\)$/.test(ready), `Upscale tab prepared the default model: "${ready}"`);

  console.log('before a run the two empty panels say what will appear there');
  const hints = await page.$$eval('.frame-empty-hint', (els) => els.map((e) => e.textContent ?? ''));
  check(hints.length === 2 && /LR frame/.test(hints[0]) && /Press Upscale/.test(hints[1]) && /Play live/.test(hints[1]), `empty-panel hints: ${JSON.stringify(hints)}`);

  console.log('every VSR model of the manifest is offered, runs, and goes into the share link');
  const hashState = () => page.evaluate(() => JSON.parse(atob(location.hash.slice(4).replace(/-/g, '+').replace(/_/g, '/'))));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=upscale-model] option').length >= 2, null, { timeout: 60_000 });
  const models = await page.$$eval('[data-testid=upscale-model] option', (os) => os.map((o) => o.value));
  check(models.join() === 'vsr,vsr-restore', `model picker lists the test manifest's VSR models: ${models.join(', ')}`);
  for (const id of [...models].reverse()) {
    await page.selectOption('[data-testid=upscale-model]', id);
    const st = await runUpscale(page, { from: 1, to: 1, region: '32x32', output: 'none' });
    const out = await canvasStats(page, '[data-testid=upscale-canvas]');
    check(new RegExp(`Upscaled 1 frames with ${id} in`).test(st) && out.width === 128 && out.std > 5, `model ${id}: one 32×32 frame → ${out.width}×${out.height}: "${st.slice(0, 100)}"`);
    check((await page.$$('.frame-empty-hint')).length === 0, `model ${id}: the frames replace the empty-panel hints`);
    await page.waitForTimeout(400); // the hash is written 250 ms after a change
    const m = (await hashState()).m;
    check(id === 'vsr' ? m === undefined : m === id, `the share link carries the model: m = ${JSON.stringify(m)}`);
  }

  console.log('frames 1–3, 32×32 LR region → MP4');
  await startUpscale(page, { from: 1, to: 3, region: '32x32', output: 'mp4' });
  // Pause once the first frame is out; the count must hold still while paused.
  await upscaleFramesDone(page);
  const shown = await canvasStats(page, '[data-testid=upscale-canvas]');
  check(shown.width === 128 && shown.height === 128 && shown.std > 5, `the ×4 frame is drawn while the run goes on: ${shown.width}×${shown.height}, std ${shown.std.toFixed(1)}`);
  const label = await page.textContent('[data-testid=upscale-progress]');
  check(/Upscaled 1 \/ 3 frames|Upscaled [12] \/ 3 frames/.test(label), `progress names frames done: "${label.trim()}"`);
  if (await page.isVisible('[data-testid=upscale-pause]')) {
    await page.click('[data-testid=upscale-pause]');
    const atPause = await done(page);
    await page.waitForTimeout(3000);
    const later = await done(page);
    check(later <= atPause + 1, `paused: frames done stay at ${atPause}${later !== atPause ? ` (+1 in flight → ${later})` : ''} for 3 s`);
    await page.click('[data-testid=upscale-resume]');
  } else {
    check(true, 'run finished before it could be paused (fast machine)');
  }
  const status = await upscaleEnded(page);
  check(/Upscaled 3 frames/.test(status), `run done: "${status.slice(0, 160)}"`);
  const file = 'test-results/upscale.mp4';
  const name = await downloadUpscale(page, file);
  check(/-x4\.mp4$/.test(name), `download is named "${name}"`);
  const v = probeVideo(file);
  check(v.codec_name === 'h264' && v.width === 128 && v.height === 128 && v.nb_read_frames === '3', `saved MP4 decodes (ffprobe): ${v.codec_name} ${v.width}×${v.height}, ${v.nb_read_frames} frames (want h264 128×128 = 4 × 32, 3 frames)`);
  await page.screenshot({ path: 'test-results/upscale.png' });
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s so far)`);

  console.log('cancel mid-run keeps the finished frames');
  await startUpscale(page, { from: 1, to: 40, region: '32x32', output: 'mp4' });
  await upscaleFramesDone(page);
  await page.click('[data-testid=upscale-cancel]');
  const cancelled = await upscaleEnded(page);
  const m = /Cancelled after (\d+) of 40 frames/.exec(cancelled);
  const n = m ? Number(m[1]) : -1;
  check(n >= 1 && n < 40, `cancelled after ${n} of 40 frames: "${cancelled.slice(0, 120)}"`);
  const partial = await downloadUpscale(page, 'test-results/upscale-cancelled.mp4');
  check(partial === `sample-x4-partial-${n}-of-40.mp4`, `the partial file says so in its name: "${partial}"`);
  const v2 = probeVideo('test-results/upscale-cancelled.mp4');
  check(v2.width === 128 && Number(v2.nb_read_frames) === n, `the cancelled run's file plays: ${v2.width}×${v2.height}, ${v2.nb_read_frames} frames (= ${n} finished)`);

  console.log('source: the clip after the degradation pipeline (PSNR/SSIM against the original)');
  await dropFile(page, 'clip-64x48.mp4', readFileSync('e2e/fixtures/clip-64x48.mp4'), 'video/mp4');
  await page.waitForFunction(() => /clip-64x48/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.selectOption('[data-testid=upscale-source]', 'degraded');
  const degSt = await runUpscale(page, { from: 1, to: 3, region: 'whole', output: 'none' });
  check(/Upscaled 3 frames/.test(degSt), `the degraded source's run is done: "${degSt.slice(0, 120)}"`);
  const deg = await canvasStats(page, '[data-testid=upscale-canvas]');
  const metrics = await page.textContent('[data-testid=upscale-metrics]');
  const mm = /mean over (\d) frames?: PSNR ([\d.]+) dB, SSIM ([\d.]+)/.exec(metrics);
  check(deg.width === 64 && deg.height === 48, `LR 16×12 from the pipeline, ×4 = the original's 64×48 (got ${deg.width}×${deg.height})`);
  check(mm && Number(mm[1]) >= 1 && Number(mm[2]) > 10 && Number(mm[2]) < 60 && Number(mm[3]) > 0 && Number(mm[3]) <= 1, `PSNR/SSIM against the original shown: "${metrics.trim()}"`);
  await page.selectOption('[data-testid=upscale-source]', 'clip');

  console.log('still image → one ×4 PNG');
  await page.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/frame-48x32.png');
  await page.waitForFunction(() => /frame-48x32\.png/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  // A still image's run ends with its result alone (no status line) unless it fails.
  const stillSt = await runUpscale(page);
  check(await page.isVisible('[data-testid=upscale-result]'), `the still image's run has a result${stillSt ? `: "${stillSt.slice(0, 120)}"` : ''}`);
  const stillName = await downloadUpscale(page, 'test-results/upscale-still.png');
  const png = readFileSync('test-results/upscale-still.png');
  const [pw, ph] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  check(stillName === 'frame-48x32-x4.png' && pw === 192 && ph === 128, `still image saved as ${stillName}: ${pw}×${ph} PNG (want 192×128)`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
