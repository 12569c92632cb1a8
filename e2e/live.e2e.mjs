#!/usr/bin/env node
// Live mode end to end on the test build (?testmodels: the narrow nets; the side is the app's own
// choice): in the Upscale tab, play the bundled sample live at a centred 64×64 LR region — the
// ×4 frames appear on the live canvas and the fps / dropped read-out keeps updating — stop with
// Space, check the engine session was released (?testhooks: no live session left open) and that
// nothing more is drawn; start again, change the region while playing (playback restarts at the
// new size, still one session), stop with Esc; then an ordinary Upscale run still works, with no
// error on the page.
import { mkdirSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();
const browser = await launchBrowser();

const status = (page) =>
  page.$eval('[data-testid=live-status]', (e) => ({
    status: e.getAttribute('data-status'),
    shown: Number(e.getAttribute('data-shown')),
    dropped: Number(e.getAttribute('data-dropped')),
    fps: Number(e.getAttribute('data-fps')),
    share: Number(e.getAttribute('data-dropped-share')),
    side: e.getAttribute('data-side'),
    stepMs: Number(e.getAttribute('data-step-ms')),
    engineMs: Number(e.getAttribute('data-engine-ms')),
    fetchMs: e.getAttribute('data-fetch-ms') ? Number(e.getAttribute('data-fetch-ms')) : NaN,
    text: e.textContent ?? '',
  }));
const waitShown = (page, n, timeout) =>
  page.waitForFunction((k) => Number(document.querySelector('[data-testid=live-status]')?.getAttribute('data-shown') ?? 0) >= k && document.querySelector('[data-testid=live-status]')?.getAttribute('data-status') === 'playing', n, { timeout, polling: 50 });
const waitStatus = (page, s, timeout = 60_000) => page.waitForFunction((want) => document.querySelector('[data-testid=live-status]')?.getAttribute('data-status') === want, s, { timeout, polling: 50 });
const sessions = (page) => page.evaluate(() => window.__vqdsrTest.liveSessions());

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pipeConsole(page, 'live');
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const t0 = Date.now();
  await page.goto(`${server.url}/?testmodels&testhooks#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.waitForSelector('[data-testid=live-toggle]:not([disabled])');
  await page.selectOption('[data-testid=upscale-region]', '64x64');

  console.log('play live: frames appear, the read-out updates');
  await page.click('[data-testid=live-toggle]');
  // The first frame includes loading the net and (auto) timing both sides once.
  await waitShown(page, 3, 240_000);
  const a = await status(page);
  const shown = await canvasStats(page, '[data-testid=live-canvas]');
  check(shown.width === 256 && shown.height === 256 && shown.std > 5, `the ×4 frame of the 64×64 region is drawn: ${shown.width}×${shown.height}, std ${shown.std.toFixed(1)}`);
  check(['webgpu', 'wasm'].includes(a.side) && new RegExp(a.side === 'webgpu' ? 'WebGPU' : 'CPU \\(wasm\\)').test(a.text), `the engine's side is shown: ${a.side} ("${a.text.trim().slice(0, 140)}")`);
  check(a.fps > 0 && /fps of 25\.0/.test(a.text) && /\d+% dropped/.test(a.text), `achieved fps against the clip's 25 and the dropped share: ${a.fps.toFixed(2)} fps, ${(100 * a.share).toFixed(0)}% dropped`);
  await waitShown(page, a.shown + 3, 120_000);
  const b = await status(page);
  const later = await canvasStats(page, '[data-testid=live-canvas]');
  check(b.shown >= a.shown + 3 && b.text !== a.text, `the read-out keeps updating: ${a.shown} → ${b.shown} frames shown ("${b.text.trim().slice(0, 80)}")`);
  check(b.stepMs > 0 && b.engineMs > 0 && b.engineMs <= b.stepMs + 1, `step times shown: ${b.stepMs} ms a step, ${b.engineMs} ms of it in the engine`);
  check(b.fetchMs >= 0 && b.fetchMs <= b.engineMs && /waiting for frames/.test(b.text), `frame wait shown: ${b.fetchMs} ms of the engine's ${b.engineMs} ms`);
  check(later.hash !== shown.hash, 'the live canvas shows new frames as the clip plays');
  check(b.shown + b.dropped >= b.shown && Math.abs(b.share - b.dropped / (b.shown + b.dropped)) < 1e-3, `dropped share = dropped / due: ${b.dropped} / ${b.shown + b.dropped} = ${b.share}`);

  console.log('Space stops: the engine session is released');
  await page.keyboard.press('Space');
  await waitStatus(page, 'idle');
  const stopped = await status(page);
  check((await sessions(page)) === 0, 'no live session left open in the engine after Stop');
  await page.waitForTimeout(1500);
  const after = await status(page);
  check(after.shown === stopped.shown && /Stopped/.test(after.text), `nothing more is drawn once stopped (${stopped.shown} frames, "${after.text.trim().slice(0, 40)}")`);
  check((await page.textContent('[data-testid=live-toggle]')).includes('Play live'), 'the button offers to play again');

  console.log('start again (Space), change the region while playing, stop with Esc');
  await page.keyboard.press('Space');
  await waitShown(page, 2, 120_000);
  const again = await status(page);
  check(again.shown >= 2 && again.shown < stopped.shown + 2, `a new start plays from fresh counts: ${again.shown} frames shown`);
  await page.selectOption('[data-testid=upscale-region]', '32x32');
  await page.waitForFunction(() => document.querySelector('[data-testid=live-canvas]')?.width === 128 && document.querySelector('[data-testid=live-status]')?.getAttribute('data-status') === 'playing', null, { timeout: 120_000, polling: 50 });
  await waitShown(page, 2, 120_000);
  check((await sessions(page)) === 1, 'a new region restarts playback at its size (128×128) with one session open');
  // Focus off the select, so Esc goes to the page (a click at a fixed spot depends on the page's height).
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  await page.keyboard.press('Escape');
  await waitStatus(page, 'idle');
  check((await sessions(page)) === 0, 'Esc stops and releases the session');
  await page.screenshot({ path: 'test-results/live.png' });
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s so far)`);

  console.log('an ordinary Upscale run afterwards');
  const st = await runUpscale(page, { from: 1, to: 2, output: 'none' });
  check(/Upscaled 2 frames/.test(st), `Upscale after live play: "${st.trim().slice(0, 100)}"`);
  const banner = await page.$('[data-testid=error]');
  check(!banner, `no error banner${banner ? `: ${await banner.textContent()}` : ''}`);
  check(pageErrors.length === 0, `no page errors${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
