#!/usr/bin/env node
// The level explorer on the bundled sample with the SHIPPED weights (public/models, not the
// narrow test models): the "done when" — a visible, monotone progression of degradation
// with k — checked in the real app. Four levels (k = 1, 24, 47, 70 on the bottom branch) keep it
// to a couple of minutes on SwiftShader; the chart's verdict, the PSNRs and a screenshot go on
// record. Skipped (with a line saying so) when the shipped VQGAN is an untrained placeholder.
import { mkdirSync, readFileSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, explorerPsnrs, exitWithTally } from './lib/assert.mjs';

mkdirSync('test-results', { recursive: true });
const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
if (!manifest.models?.vqgan?.trained) {
  console.log('skipped: the shipped VQGAN is not trained (manifest.json says trained: false)');
  process.exit(0);
}
const server = await startPreviewServer();
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pipeConsole(page, 'explore');
  await page.goto(server.url);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('text=Explore k');
  await page.fill('[data-testid=explore-start]', '1');
  await page.fill('[data-testid=explore-end]', '70');
  await page.fill('[data-testid=explore-step]', '23');
  const t0 = Date.now();
  await page.click('[data-testid=explore-run]');
  await page.waitForSelector('[data-testid=explore-tile-70]', { timeout: 600_000 });
  const seconds = (Date.now() - t0) / 1000;
  const { text: psnrText, vals } = await explorerPsnrs(page);
  check(vals.map((v) => v[0]).join(',') === '1,24,47,70', `levels k = 1, 24, 47, 70 in ${seconds.toFixed(0)} s: ${psnrText}`);
  const finite = vals.filter((v) => Number.isFinite(v[1])).map((v) => v[1]);
  check(finite.length === 3 && finite.every((v, i) => i === 0 || v < finite[i - 1]), `PSNR vs k = 1 falls at every step: ${finite.join(' > ')} dB`);
  // Visible: by k = 70 an RMS change of ≥ 8 grey levels against k = 1 (the Node quality test measures 23 dB).
  check(finite.at(-1) < 30, `k = 70 is visibly degraded against k = 1 (${finite.at(-1)} dB < 30 dB)`);
  const monotone = await page.getAttribute('[data-testid=explore-chart]', 'data-monotone');
  check(monotone === 'true', `the chart says the series falls at every step (data-monotone=${monotone})`);
  await page.screenshot({ path: 'test-results/explore-shipped.png', fullPage: true });
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
