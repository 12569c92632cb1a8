#!/usr/bin/env node
// App end to end, against the production build (vite preview): the sample opens and
// draws, a dropped clip decodes, a corrupt file gives a visible error and the app keeps
// working, and without WebGPU the app says it runs on the wasm fallback.
import { readFileSync, mkdirSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, dropFile, exitWithTally } from './lib/assert.mjs';

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  pipeConsole(page, 'app');
  console.log('sample clip');
  const t0 = Date.now();
  await page.goto(`${server.url}/?testmodels`);
  await page.waitForFunction(() => /WebGPU|wasm/.test(document.querySelector('[data-testid=backend-status]')?.textContent ?? ''), null, { timeout: 90_000 });
  const status = await page.textContent('[data-testid=backend-status]');
  check(/WebGPU/.test(status), `status line names the WebGPU backend: "${status.trim()}"`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  const firstFrameS = (Date.now() - t0) / 1000;
  const s = await canvasStats(page, '[data-testid=frame-canvas]');
  check(s && s.width === 480 && s.height === 270, `sample frame drawn at 480×270 (got ${s?.width}×${s?.height}) after ${firstFrameS.toFixed(1)} s`);
  check(s && s.std > 10 && s.mean > 20 && s.mean < 235, `canvas is not blank: mean luma ${s?.mean.toFixed(1)}, std ${s?.std.toFixed(1)}`);
  await page.screenshot({ path: 'test-results/app-sample.png' });

  // Scrub: → moves to frame 2 and the picture changes (the sample pans).
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /frame 3 \//.test(document.querySelector('[data-testid=frame-label]')?.textContent ?? ''));
  await page.waitForTimeout(300);
  const s3 = await canvasStats(page, '[data-testid=frame-canvas]');
  check(s3.hash !== s.hash, 'frame 3 differs from frame 1 (scrubber decodes new frames)');

  console.log('dropped clip');
  await dropFile(page, 'clip-64x48.mp4', readFileSync('e2e/fixtures/clip-64x48.mp4'), 'video/mp4');
  await page.waitForFunction(() => /clip-64x48\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  const d = await canvasStats(page, '[data-testid=frame-canvas]');
  check(d.width === 64 && d.height === 48 && d.std > 5, `dropped clip decoded and drawn: ${d.width}×${d.height}, std ${d.std.toFixed(1)}`);
  const label = await page.textContent('[data-testid=source-name]');
  check(/8 frames/.test(label), `dropped clip has 8 frames: "${label}"`);

  console.log('corrupt file');
  const junk = Buffer.alloc(20000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  junk.write('ftypisom', 4); // looks like an MP4 at first glance, isn't one
  await dropFile(page, 'broken.mp4', junk, 'video/mp4');
  await page.waitForSelector('[data-testid=error]', { timeout: 60_000 });
  const err = await page.textContent('[data-testid=error]');
  check(/broken\.mp4/.test(err), `visible error names the file: "${err.trim().slice(0, 140)}"`);
  const still = await page.textContent('[data-testid=source-name]');
  check(/clip-64x48/.test(still), 'the previous clip stays open after the error');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /frame 2 \//.test(document.querySelector('[data-testid=frame-label]')?.textContent ?? ''));
  check(true, 'app keeps responding (scrubbed to frame 2 after the error)');
  await page.screenshot({ path: 'test-results/app-error.png' });
  await page.click('[data-testid=error] button');
  await page.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/frame-96x64.png');
  await page.waitForFunction(() => /frame-96x64\.png/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  const im = await canvasStats(page, '[data-testid=frame-canvas]');
  check(im.width === 96 && im.height === 64, `an image opens through the file picker after the error: ${im.width}×${im.height}`);
  // An interlaced clip (a DVD's kind): the user is told its frames come deinterlaced.
  await page.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/decoders/interlaced-64x48.mp4');
  await page.waitForFunction(() => /interlaced-64x48\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  const note = (await page.textContent('[data-testid=source-note]').catch(() => null))?.trim() ?? 'none';
  const ilLabel = (await page.textContent('[data-testid=frame-label]')).trim();
  check(note === '· deinterlaced' && /\/ 14\b/.test(ilLabel), `an interlaced clip says so: "${note}", ${ilLabel}`);
  // An anamorphic clip (a DVD's 16:9 in 4:3 storage; here 64×48 with 32:27 pixels): shown as a player
  // shows it, 128:81 wide, while the canvas keeps the stored 64×48 pixels.
  await page.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/decoders/anamorphic-64x48.mp4');
  await page.waitForFunction(() => /anamorphic-64x48\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.waitForFunction(() => (document.querySelector('[data-testid=frame-canvas]')?.width ?? 0) === 64, null, { timeout: 60_000 });
  const shape = (await page.textContent('[data-testid=pixel-shape]').catch(() => null))?.trim() ?? 'none';
  const shown = await page.$eval('[data-testid=frame-canvas]', (c) => ({ w: c.clientWidth, h: c.clientHeight, sw: c.width, sh: c.height }));
  check(shape === '· pixels 32:27' && shown.sw === 64 && shown.sh === 48 && Math.abs(shown.w / shown.h - 128 / 81) < 0.03,
    `an anamorphic clip is shown in its display shape: "${shape}", stored ${shown.sw}×${shown.sh}, shown ${shown.w}×${shown.h} (${(shown.w / shown.h).toFixed(3)}, 128:81 = ${(128 / 81).toFixed(3)})`);
  // A file opened at once, while the bundled sample is still loading, stays open: the last open
  // request wins (the sample used to finish later and replace it).
  console.log('a file opened before the sample has loaded');
  const early = await browser.newPage();
  pipeConsole(early, 'app-early');
  await early.goto(`${server.url}/?testmodels`);
  await early.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/frame-96x64.png');
  await early.waitForFunction(() => /frame-96x64\.png/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  await early.waitForFunction(() => !document.querySelector('[role=progressbar], .progress'), null, { timeout: 60_000 }).catch(() => undefined);
  await early.waitForTimeout(3000);
  const stillOpen = (await early.textContent('[data-testid=source-name]')).trim();
  check(/frame-96x64\.png/.test(stillOpen), `the user's file is still the source after the sample finished loading: "${stillOpen}"`);
  await early.close();
} finally {
  await browser.close();
}

console.log('wasm fallback');
const noGpu = await launchBrowser({ webgpu: false });
try {
  const page = await noGpu.newPage();
  pipeConsole(page, 'app-nogpu');
  await page.goto(`${server.url}/?testmodels`);
  await page.waitForFunction(() => /WebGPU ·|wasm/.test(document.querySelector('[data-testid=backend-status]')?.textContent ?? ''), null, { timeout: 90_000 });
  const status = await page.textContent('[data-testid=backend-status]');
  check(/wasm fallback/.test(status), `without WebGPU the status line says so: "${status.trim()}"`);
} finally {
  await noGpu.close();
  await server.close();
}
exitWithTally('app checks');
