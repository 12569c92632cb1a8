#!/usr/bin/env node
// Output size in the Upscale tab end to end on the production build (issue 14.2, 14.3): the
// "Output size" select names the size each choice makes for the clip and region; ×2 of a 32×32
// region of the sample saved as MP4 is 64×64 (ffprobe), "Enhance at 1×" of the whole 480×270
// sample is a 480×270 MP4 (the net ran on 120×68 and its 480×272 was resampled to the exact size);
// a still image at ×3 is a PNG of three times its size (and with 4 passes, the self-ensemble, the same
// size with other pixels); and a 3840×2160 image greys out the sizes
// over the limit (×4, ×3) and the boxes it already fills, each with its reason, keeping ×2 (the net
// then runs on a 1920×1080 copy) and enhance. Runs on the CPU path (?wasm) with the narrow test
// models (?testmodels): the WebGPU side of the same runs is checked against it in
// src/engine/output-size.gputest.ts.
import { mkdirSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';
import { downloadUpscale, runUpscale, setUpscaleRun } from './lib/upscale-form.mjs';
import { probeVideo } from './lib/ffprobe.mjs';

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();
const browser = await launchBrowser();

/** Runs the form as set; saves the result as `file` where the run has one (name null where not). */
async function runAndDownload(page, file) {
  const status = await runUpscale(page);
  if (!(await page.isVisible('[data-testid=upscale-result]'))) return { status, name: null };
  return { status, name: await downloadUpscale(page, file) };
}

const options = (page) => page.$$eval('[data-testid=upscale-size] option', (os) => os.map((o) => ({ value: o.value, text: o.textContent, disabled: o.disabled, title: o.title })));

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  pipeConsole(page, 'output-size');
  const t0 = Date.now();
  await page.goto(`${server.url}/?testmodels&wasm#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.waitForSelector('[data-testid=upscale-size]');

  console.log('the choices name their sizes for the 32×32 region');
  await setUpscaleRun(page, { from: 1, to: 2, region: '32x32', output: 'mp4', size: 'x2' });
  const small = await options(page);
  const text = Object.fromEntries(small.map((o) => [o.value, o.text]));
  check(small.map((o) => o.value).join() === 'x4,x3,x2,720p,1080p,1440p,2160p,enhance', `every output size offered: ${small.map((o) => o.value).join(', ')}`);
  check(/128×128$/.test(text.x4) && /96×96$/.test(text.x3) && /64×64$/.test(text.x2) && /fit 1080p.*1080×1080$/.test(text['1080p']) && /Enhance at 1×.*32×32$/.test(text.enhance),
    `labels give the output size: ${small.map((o) => o.text).join(' | ')}`);
  check(small.every((o) => !o.disabled), 'nothing greyed out for a 32×32 region');
  const hint = await page.textContent('[data-testid=upscale-size-hint]');
  check(/32×32 → 64×64: net ×4 to 128×128, Lanczos-3 to 64×64/.test(hint), `the hint says what ×2 does: "${hint.trim()}"`);

  console.log('×2 of frames 1–2, 32×32 region → MP4');
  const x2 = await runAndDownload(page, 'test-results/output-size-x2.mp4');
  const v = probeVideo('test-results/output-size-x2.mp4');
  check(x2.name === 'sample-x2.mp4' && v.codec_name === 'h264' && v.width === 64 && v.height === 64 && v.nb_read_frames === '2',
    `×2 saved as ${x2.name}: ${v.codec_name} ${v.width}×${v.height}, ${v.nb_read_frames} frames (want sample-x2.mp4, h264 64×64, 2 frames); "${x2.status.slice(0, 100)}"`);
  const shown = await page.$eval('[data-testid=upscale-canvas]', (c) => [c.width, c.height]);
  check(shown[0] === 64 && shown[1] === 64, `the output frame drawn is 64×64 (${shown.join('×')})`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s so far)`);

  console.log('Enhance at 1× of the whole 480×270 sample (frames 1–2) → MP4 of the same size');
  await setUpscaleRun(page, { from: 1, to: 2, region: 'whole', output: 'mp4', size: 'enhance' });
  const eh = await page.textContent('[data-testid=upscale-size-hint]');
  check(/480×270 → 480×270: Lanczos-3 to 120×68, net ×4 to 480×272, Lanczos-3 to 480×270/.test(eh), `the hint says what enhance does: "${eh.trim()}"`);
  const en = await runAndDownload(page, 'test-results/output-size-enhanced.mp4');
  const ve = probeVideo('test-results/output-size-enhanced.mp4');
  check(en.name === 'sample-enhanced.mp4' && ve.codec_name === 'h264' && ve.width === 480 && ve.height === 270 && ve.nb_read_frames === '2',
    `enhanced saved as ${en.name}: ${ve.codec_name} ${ve.width}×${ve.height}, ${ve.nb_read_frames} frames (want sample-enhanced.mp4, h264 480×270, 2 frames); "${en.status.slice(0, 100)}"`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s so far)`);

  console.log('still image at ×3 → one PNG three times its size');
  await page.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/frame-48x32.png');
  await page.waitForFunction(() => /frame-48x32\.png/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
  await setUpscaleRun(page, { region: 'whole', size: 'x3' });
  const still = await runAndDownload(page, 'test-results/output-size-still.png');
  const png = readFileSync('test-results/output-size-still.png');
  const [pw, ph] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  check(still.name === 'frame-48x32-x3.png' && pw === 144 && ph === 96, `still image saved as ${still.name}: ${pw}×${ph} PNG (want frame-48x32-x3.png, 144×96)`);

  console.log('the same image with 4 passes (self-ensemble): same size, other pixels');
  const passes = await page.$$eval('[data-testid=upscale-ensemble] option', (os) => os.map((o) => o.value));
  check(passes.join() === '1,2,4,8', `Passes offers ${passes.join(', ')} (want 1, 2, 4, 8)`);
  await setUpscaleRun(page, { ensemble: 4 });
  await runAndDownload(page, 'test-results/output-size-still-e4.png');
  const png4 = readFileSync('test-results/output-size-still-e4.png');
  const pixels = (file) => PNG.sync.read(readFileSync(file));
  const [a, b] = [pixels('test-results/output-size-still.png'), pixels('test-results/output-size-still-e4.png')];
  let differ = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differ++;
  check(png4.readUInt32BE(16) === 144 && png4.readUInt32BE(20) === 96 && differ > 0, `4 passes: ${png4.readUInt32BE(16)}×${png4.readUInt32BE(20)} PNG, ${differ} of ${a.data.length} values differ from 1 pass (want 144×96, > 0)`);
  await setUpscaleRun(page, { ensemble: 1 });

  console.log('a 3840×2160 image: sizes over the limit and boxes it fills are greyed out, with the reason');
  const big = path.join(tmpdir(), 'vqdsr-output-size-3840x2160.png');
  const mk = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=3840x2160:rate=1', '-frames:v', '1', '-y', big]);
  check(mk.status === 0, `made a 3840×2160 PNG with ffmpeg${mk.status ? `: ${mk.stderr}` : ''}`);
  await page.setInputFiles('[data-testid=file-input]', big);
  await page.waitForFunction(() => /3840x2160\.png/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=upscale-size] option[value=x4]')?.disabled === true, null, { timeout: 30_000 });
  const bigOpts = Object.fromEntries((await options(page)).map((o) => [o.value, o]));
  const enabled = Object.values(bigOpts).filter((o) => !o.disabled).map((o) => o.value);
  check(enabled.join() === 'x2,enhance', `only ×2 and enhance stay enabled: ${enabled.join(', ')}`);
  check(/15360×8640 output .*over the limit of 67 Mpx/.test(bigOpts.x4.title) && /11520×6480, over the limit/.test(bigOpts.x3.title) && /already fills the fit 2160p/.test(bigOpts['2160p'].title),
    `each greyed choice says why: ×4 "${bigOpts.x4.title.slice(0, 70)}…", 2160p "${bigOpts['2160p'].title.slice(0, 60)}…"`);
  // The choice held over from the still (×3) is now refused with the reason, before any work.
  const refused = await page.textContent('[data-testid=upscale-size-hint]');
  check(/Not available: ×3 of a 3840×2160 input is 11520×6480, over the limit/.test(refused), `the chosen ×3 is refused in words: "${refused.trim().slice(0, 100)}"`);
  const err = await runUpscale(page, {}, 60_000);
  check(/Cannot upscale: ×3 of a 3840×2160 input is 11520×6480, over the limit.*choose an output size this input can have: ×2, Enhance at 1×/.test(err), `starting it anyway is refused with the choices that work: "${err.trim().slice(0, 160)}"`);
  await setUpscaleRun(page, { size: 'x2' });
  const x2hint = await page.textContent('[data-testid=upscale-size-hint]');
  check(/3840×2160 → 7680×4320: Lanczos-3 to 1920×1080, net ×4 to 7680×4320/.test(x2hint), `×2 of it runs the net on a 1920×1080 copy: "${x2hint.trim()}"`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
