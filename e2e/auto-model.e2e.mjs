#!/usr/bin/env node
// "auto" in the Upscale tab with the SHIPPED models (public/models: their manifest carries the
// router's routes; the narrow test models do not, and there auto is not offered): on the bundled
// sample auto measures the clip and picks the general net (a clean cel clip), says why, and runs
// it; the degraded input is measured anew; naming a model turns auto off and the link carries it;
// choosing auto again brings the pick back (a: 1 in the link).
import { mkdirSync, readFileSync } from 'node:fs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';

mkdirSync('test-results', { recursive: true });
const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
const routed = Object.entries(manifest.models).filter(([, m]) => m.route).map(([id]) => id);
check(routed.join() === 'vsr,vsr-restore', `the shipped manifest routes vsr and vsr-restore: ${routed.join(', ')}`);

const server = await startPreviewServer();
const browser = await launchBrowser();
const reason = (page) => page.textContent('[data-testid=upscale-auto-reason]').then((t) => t.trim());
const waitReason = (page, re, timeout = 180_000) =>
  page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=upscale-auto-reason]')?.textContent ?? ''), re.source, { timeout });
const hashState = (page) => page.evaluate(() => JSON.parse(atob(location.hash.slice(4).replace(/-/g, '+').replace(/_/g, '/'))));
const REASON = /^auto → (vsr|vsr-restore) \((clearly|likely|narrowly); noise ([0-9.]+), edge ([0-9.]+) on 8 frames\)$/;

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pipeConsole(page, 'auto-model');
  // A link to the Upscale tab with auto on (a: 1), as the app writes it while auto is on.
  await page.goto(`${server.url}/#v1.${Buffer.from(JSON.stringify({ t: 'upscale', a: 1 })).toString('base64url')}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });

  console.log('auto is the default, measures the sample and picks the general net');
  await waitReason(page, /^auto → /);
  const clean = (await reason(page)).match(REASON);
  check(clean && clean[1] === 'vsr', `the clean cel sample → vsr: "${clean?.[0]}"`);
  const value = await page.$eval('[data-testid=upscale-model]', (s) => [s.value, s.options[s.selectedIndex].textContent]);
  check(value[0] === 'auto' && value[1] === 'auto: vsr', `the model list shows auto and its pick: ${JSON.stringify(value)}`);

  console.log('a run goes by the pick');
  const st = await runUpscale(page, { from: 1, to: 1, region: '32x32', output: 'none' });
  check(/Upscaled 1 frames with vsr in/.test(st), `one frame upscaled with auto's pick: "${st.slice(0, 80)}"`);

  console.log('the degraded input is measured anew');
  await page.selectOption('[data-testid=upscale-source]', 'degraded');
  await page.waitForFunction((old) => {
    const t = document.querySelector('[data-testid=upscale-auto-reason]')?.textContent ?? '';
    return /^auto → /.test(t) && t !== old;
  }, clean[0], { timeout: 300_000 });
  const degraded = (await reason(page)).match(REASON);
  check(degraded && Number(degraded[4]) < Number(clean[4]), `degraded frames measure softer edges (edge ${degraded?.[4]} < ${clean[4]}): "${degraded?.[0]}"`);
  const picked = await page.$eval('[data-testid=upscale-model]', (s) => s.options[s.selectedIndex].textContent);
  check(picked === `auto: ${degraded?.[1]}`, `the list follows the new pick: "${picked}"`);
  await page.selectOption('[data-testid=upscale-source]', 'clip');
  await waitReason(page, /^auto → vsr \(/, 30_000);
  check((await reason(page)) === clean[0], 'back on the clip, its pick and measurement return');

  console.log('naming a model turns auto off; the link carries it; auto comes back');
  await page.selectOption('[data-testid=upscale-model]', 'vsr-restore');
  await page.waitForTimeout(400); // the hash is written 250 ms after a change
  const named = await hashState(page);
  check((await reason(page)) === '' && named.m === 'vsr-restore' && named.a === undefined, `vsr-restore named: no auto line, link m = ${JSON.stringify(named.m)}, a = ${JSON.stringify(named.a)}`);
  await page.selectOption('[data-testid=upscale-model]', 'auto');
  await waitReason(page, /^auto → vsr \(/, 30_000);
  await page.waitForTimeout(400);
  const back = await page.$eval('[data-testid=upscale-model]', (s) => s.value);
  const again = await hashState(page);
  check(back === 'auto' && again.m === undefined && again.a === 1, `auto again: list ${back}, link a = ${JSON.stringify(again.a)}, m = ${JSON.stringify(again.m)} (the pick, the default model)`);
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
