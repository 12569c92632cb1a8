#!/usr/bin/env node
// Degrade and Explore tabs end to end on the production build (narrow test models):
// the LR frame appears, a slider changes it, the random button redraws it, the explorer
// fills a small level grid with PSNRs and exports a PNG; without WebGPU the CPU path
// draws the same kind of LR frame.
import { mkdirSync, readFileSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, dropFile, explorerPsnrs, waitCanvasHash, exitWithTally } from './lib/assert.mjs';

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();

async function waitLr(page, prevHash, timeout = 240_000) {
  await page.waitForFunction(
    (prev) => {
      const c = document.querySelector('[data-testid=lr-canvas]');
      const label = c?.parentElement?.textContent ?? '';
      if (!c || c.width < 8 || /updating/.test(label)) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let h = 2166136261;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
      return h !== prev && d.some((v, i) => i % 4 !== 3 && v > 0);
    },
    prevHash ?? -1,
    { timeout, polling: 250 },
  );
  return canvasStats(page, '[data-testid=lr-canvas]');
}

async function scenario(webgpu) {
  const browser = await launchBrowser({ webgpu });
  const tag = webgpu ? 'webgpu' : 'wasm';
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    pipeConsole(page, `degrade-${tag}`);
    // ?webgpu: this scenario is about the GPU chain, which auto might move to the CPU on SwiftShader.
    await page.goto(`${server.url}/?testmodels${webgpu ? '&webgpu' : ''}`);
    await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
    // SwiftShader runs the whole chain on the CPU: work on the 64×48 fixture clip, not the 480×270 sample.
    await dropFile(page, 'clip-64x48.mp4', readFileSync('e2e/fixtures/clip-64x48.mp4'), 'video/mp4');
    await page.waitForFunction(() => /clip-64x48/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
    await page.keyboard.press('ArrowRight'); // frame 2: the codec window reaches both sides
    console.log(`degrade tab (${tag})`);
    const t0 = Date.now();
    const lr = await waitLr(page);
    check(lr.width === 16 && lr.height === 12, `LR frame is 64×48 / 4 = 16×12 (got ${lr.width}×${lr.height}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    check(lr.std > 5, `LR frame is not blank (std ${lr.std.toFixed(1)})`);
    const times = await page.textContent('[data-testid=stage-times]');
    check(new RegExp(webgpu ? '^GPU' : '^CPU').test(times.trim()), `stage times name the path: "${times.trim().slice(0, 160)}"`);
    const size1 = Number(await page.getAttribute('[data-testid=encoded-size]', 'data-bytes'));
    check(size1 > 0, `encoded size reported (${size1} bytes)`);
    if (webgpu) await page.screenshot({ path: 'test-results/degrade.png' });

    // crf slider to its maximum (51): fewer bits, a different LR frame.
    await page.focus('[data-testid=crf]');
    await page.keyboard.press('End');
    const lr2 = await waitLr(page, lr.hash);
    await page.waitForFunction((t) => document.querySelector('[data-testid=stage-times]')?.textContent !== t, times, { timeout: 120_000 });
    const times2 = await page.textContent('[data-testid=stage-times]');
    const size2 = Number(await page.getAttribute('[data-testid=encoded-size]', 'data-bytes'));
    check(lr2.hash !== lr.hash && size2 < size1, `crf 51 changes the LR frame and shrinks the stream (${size1} → ${size2} bytes)`);

    // Random (paper) redraws every parameter.
    const seedBefore = await page.textContent('[data-testid=params-seed]');
    await page.click('[data-testid=random-params]');
    const lr3 = await waitLr(page, lr2.hash);
    const seedAfter = await page.textContent('[data-testid=params-seed]');
    check(seedAfter !== seedBefore && lr3.hash !== lr2.hash, `random params: ${seedBefore} → ${seedAfter}, new LR frame`);

    if (webgpu) {
      console.log('explorer');
      await page.click('text=Explore k');
      await page.fill('[data-testid=explore-end]', '7');
      await page.click('[data-testid=explore-run]');
      await page.waitForSelector('[data-testid=explore-tile-7]', { timeout: 300_000 });
      const { text: psnrText, vals } = await explorerPsnrs(page);
      check(vals.length === 3 && vals[0][1] === Infinity && Number.isFinite(vals[2][1]), `3 levels with PSNR vs k=1: ${psnrText}`);
      check((await page.$('[data-testid=explore-chart]')) !== null, 'PSNR-vs-k chart drawn for the finite levels');
      const tile = '[data-testid=explore-tile-7]';
      const plain = await canvasStats(page, tile);
      await page.selectOption('[data-testid=explore-diff]', '16');
      const diff = await waitCanvasHash(page, tile, { not: plain.hash });
      await page.selectOption('[data-testid=explore-diff]', '0');
      const back = await waitCanvasHash(page, tile, { is: plain.hash });
      check(diff.hash !== plain.hash && back.hash === plain.hash, `difference view ×16 redraws the tile (mean ${plain.mean.toFixed(1)} → ${diff.mean.toFixed(1)}) and 'off' restores it`);
      const dl = page.waitForEvent('download');
      await page.click('[data-testid=explore-export]');
      const file = await dl;
      const path = `test-results/${file.suggestedFilename()}`;
      await file.saveAs(path);
      check(/\.png$/.test(path), `grid exported as ${path}`);
      await page.screenshot({ path: 'test-results/explore.png' });
    }
  } finally {
    await browser.close();
  }
}

try {
  await scenario(true);
  await scenario(false);
} finally {
  await server.close();
}
exitWithTally('degrade checks');
