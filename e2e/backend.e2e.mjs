#!/usr/bin/env node
// Backend choice per stage (issue 13.1) on the production build. On this machine WebGPU is
// SwiftShader, a software rasteriser, so which side wins is for the probe to say — the suite
// prints what it measured and checks that the app did what it said:
//  - auto: the Degrade tab's first preview and the first upscale each probe both sides; the status
//    line names the side and the factor; the run itself reports the same side; the measurement is
//    stored, and after a reload the same choice is made from memory without probing;
//  - the setting forces a side ("set by you"), and the next run follows it;
//  - ?webgpu forces WebGPU for the visit; without WebGPU nothing is chosen (the wasm fallback).
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';

const server = await startPreviewServer();
const browser = await launchBrowser();
const upscaleHash = `#v1.${Buffer.from(JSON.stringify({ t: 'upscale' })).toString('base64url')}`;

const plans = (page) => page.textContent('[data-testid=stage-plans]').catch(() => '');

async function waitPlan(page, re, what) {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=stage-plans]')?.textContent ?? ''), re.source, { timeout: 300_000 });
  const text = await plans(page);
  console.log(`  ${what}: "${text.trim()}"`);
  return text;
}

/** One 32×32 frame ×4 in the Upscale tab; returns the status text. */
function upscaleOnce(page) {
  return runUpscale(page, { from: 1, to: 1, region: '32x32', output: 'none' }, 300_000);
}

const SIDE = /VSR on (WebGPU|CPU \(wasm\))/;
const runSide = (status) => (/on WebGPU/.test(status) ? 'WebGPU' : /on the CPU \(wasm\)/.test(status) ? 'CPU (wasm)' : '?');

try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  pipeConsole(page, 'backend');

  console.log('auto: the first degrade preview and the first upscale are measured on both sides');
  await page.goto(`${server.url}/?testmodels`);
  const d = await waitPlan(page, /Degrade on (WebGPU|CPU \(wasm\)): .*(faster|about as fast)/, 'degrade plan');
  const degradeSide = /Degrade on WebGPU/.test(d) ? 'GPU' : 'CPU';
  await page.waitForFunction(() => (document.querySelector('[data-testid=stage-times]')?.textContent ?? '').trim().length > 0, null, { timeout: 300_000 });
  const times = (await page.textContent('[data-testid=stage-times]')).trim();
  check(times.startsWith(degradeSide), `the preview ran where the plan said (${degradeSide}): "${times.slice(0, 80)}"`);

  await page.goto(`${server.url}/?testmodels${upscaleHash}`);
  const status = await upscaleOnce(page);
  const v = await waitPlan(page, /VSR on (WebGPU|CPU \(wasm\)): .*(faster|about as fast)/, 'vsr plan');
  const planned = SIDE.exec(v)?.[1];
  check(planned && runSide(status) === planned, `the upscale ran on the planned side (${planned}): "${status.slice(0, 120)}"`);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('vqdsr.backend.measurements.v1') ?? '{}'));
  const entries = Object.values(stored);
  check(entries.length >= 2 && entries.every((m) => m.gpuMs > 0 && m.cpuMs > 0), `both probes are stored: ${entries.map((m) => `GPU ${m.gpuMs.toFixed(1)} ms / CPU ${m.cpuMs.toFixed(1)} ms at ${m.size}²`).join('; ')}`);

  console.log('after a reload the choice comes from memory');
  await page.reload();
  const again = await upscaleOnce(page);
  const remembered = await waitPlan(page, /VSR on .*measured earlier/, 'vsr plan after reload');
  check(SIDE.exec(remembered)?.[1] === planned && runSide(again) === planned, `same side without a new probe: ${planned}`);

  console.log('the setting forces a side');
  const forced = planned === 'WebGPU' ? 'wasm' : 'webgpu';
  const forcedLabel = forced === 'wasm' ? 'CPU (wasm)' : 'WebGPU';
  await page.selectOption('[data-testid=backend-setting]', forced);
  const st2 = await upscaleOnce(page);
  await waitPlan(page, new RegExp(`VSR on ${forcedLabel.replace(/[()]/g, '\\$&')} \\(set by you\\)`), 'forced plan');
  check(runSide(st2) === forcedLabel, `the run follows the setting (${forcedLabel}): "${st2.slice(0, 120)}"`);
  await page.reload();
  check((await page.inputValue('[data-testid=backend-setting]')) === forced, 'the setting survives a reload');
  await page.selectOption('[data-testid=backend-setting]', 'auto');
  await ctx.close();

  console.log('?webgpu forces WebGPU for the visit');
  const page2 = await browser.newPage();
  pipeConsole(page2, 'backend-webgpu');
  await page2.goto(`${server.url}/?testmodels&webgpu${upscaleHash}`);
  const st3 = await upscaleOnce(page2);
  await waitPlan(page2, /VSR on WebGPU \(set by you\)/, 'forced by the URL');
  check(runSide(st3) === 'WebGPU', `?webgpu: the run is on WebGPU: "${st3.slice(0, 120)}"`);
  await page2.close();
} finally {
  await browser.close();
}

console.log('without WebGPU there is nothing to choose');
const noGpu = await launchBrowser({ webgpu: false });
try {
  const page = await noGpu.newPage();
  await page.goto(`${server.url}/?testmodels`);
  await page.waitForFunction(() => /wasm/.test(document.querySelector('[data-testid=backend-status]')?.textContent ?? ''), null, { timeout: 90_000 });
  check((await page.$('[data-testid=backend-setting]')) === null, 'no backend setting is offered without WebGPU');
} finally {
  await noGpu.close();
  await server.close();
}
exitWithTally();
