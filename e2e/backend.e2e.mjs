#!/usr/bin/env node
// Backend choice per stage (issue 13.1) on the production build. On this machine WebGPU is
// SwiftShader, a software rasteriser the browser flags as its fallback adapter:
//  - auto on a software adapter: nothing is probed unasked — the Degrade tab's first preview and the
//    first upscale run on the CPU, the status line says why, WebGPU is not brought up (no GPUDevice,
//    no WebGPU wasm downloaded) and nothing is stored; "measure again" then probes both sides;
//  - auto on a hardware adapter (a machine with a GPU): the first preview and the first upscale each
//    probe both sides;
//  - either way, once measured: the status line names the side and the factor; the run itself reports
//    the same side; the measurement is stored, and after a reload the same choice is made from memory
//    without probing;
//  - WebGPU on first need (engine/backend-start.ts): the first load brings WebGPU up (its ORT wasm
//    downloaded, a GPUDevice requested) to measure; a reload whose remembered plan puts every stage
//    on the CPU downloads neither, says so in the status line, and runs on the CPU; "measure again"
//    then brings WebGPU up to probe. Told by the server's log (no service worker in this context)
//    and by the engine worker's own WebGPU calls, counted by lines the test server puts before its
//    script (e2e/lib/webgpu-watch.mjs);
//  - the setting forces a side ("set by you"), and the next run follows it;
//  - ?webgpu forces WebGPU for the visit; without WebGPU nothing is chosen (the wasm fallback);
//  - a CPU-only run — ?wasm, or a browser without WebGPU — never downloads onnxruntime-web's WebGPU
//    build's wasm (engine/ort-wasm.ts: every CPU session is on the plain build): not for the Degrade
//    preview's VQGAN, not for an upscale, not for inspecting a model of the user's, and (no WebGPU)
//    not for the offline copy either. Told by the server's log of what was downloaded.
import { readdirSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';
import { ENGINE_WEBGPU_COUNTER, engineWebGpuCalls } from './lib/webgpu-watch.mjs';

const { WEBGPU_ONLY_FILE } = await tsImport('../src/app/offline/protocol.ts', import.meta.url);
const { TEST_MODEL_FILES } = await tsImport('../src/pipeline/byo/test-models.ts', import.meta.url);

/** Paths (with query) of every request that reached the server, in order. */
const served = [];
const server = await startPreviewServer({ onRequest: (url) => served.push(url), prepend: [ENGINE_WEBGPU_COUNTER] });
const browser = await launchBrowser();

// onnxruntime-web's two wasm binaries in this build, told apart by the pattern the offline copy uses.
// Both must be there, or "the WebGPU one was not downloaded" could not fail.
const ortWasms = readdirSync('dist/assets').filter((f) => /^ort-wasm.*\.wasm$/.test(f));
const webgpuWasm = ortWasms.filter((f) => WEBGPU_ONLY_FILE.test(`assets/${f}`));
const plainWasm = ortWasms.filter((f) => !WEBGPU_ONLY_FILE.test(`assets/${f}`));
check(webgpuWasm.length === 1 && plainWasm.length === 1, `the build has onnxruntime-web's WebGPU wasm (${webgpuWasm.join(', ')}) and its plain wasm (${plainWasm.join(', ')})`);
/** Which of the two the server has served since `served` was last emptied. */
function ortDownloads() {
  const names = new Set(served.map((u) => u.split('?')[0].split('/').pop()));
  return { webgpu: webgpuWasm.filter((f) => names.has(f)), plain: plainWasm.filter((f) => names.has(f)) };
}

/** The Degrade preview's stage line once a preview has run, checked to have run the VQGAN on the CPU. */
async function cpuPreviewWithVqgan(page, what) {
  await page.waitForFunction(() => /^CPU/.test((document.querySelector('[data-testid=stage-times]')?.textContent ?? '').trim()), null, { timeout: 300_000 });
  const times = (await page.textContent('[data-testid=stage-times]')).trim();
  check(/VQD [\d.]+ ms \(encoder [\d.]+/.test(times), `${what}: the Degrade preview ran the VQGAN encoder and decoder on the CPU: "${times.slice(0, 120)}"`);
}
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

/** Once the engine has started: whether its WebGPU is up ('started' | 'not-started'), and the status line. */
async function engineUp(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=backend-status]')?.hasAttribute('data-webgpu'), null, { timeout: 120_000 });
  return { webgpu: await page.getAttribute('[data-testid=backend-status]', 'data-webgpu'), text: (await page.textContent('[data-testid=backend-status]')).trim() };
}

/** WebGPU is up in this page's engine: its ORT wasm was downloaded and the engine asked for a device. */
async function checkWebGpuUp(page, what) {
  const calls = await engineWebGpuCalls(page);
  const dl = ortDownloads();
  check(calls?.adapters >= 1 && calls.devices >= 1, `${what}: the engine worker requested a GPUDevice (${JSON.stringify(calls)})`);
  check(dl.webgpu.length === 1, `${what}: onnxruntime's WebGPU wasm was downloaded (${dl.webgpu.join(', ') || 'not'})`);
  check((await engineUp(page)).webgpu === 'started', `${what}: the status line says WebGPU is up`);
}

try {
  // No service worker: every file the page and its workers load is downloaded, so the server's log
  // is the list of them (with one, a reload would be answered from its cache whatever the engine did).
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  pipeConsole(page, 'backend');

  served.length = 0;
  await page.goto(`${server.url}/?testmodels`);
  const first = await engineUp(page);
  const software = /software fallback adapter/.test(first.text);
  console.log(`  engine started: "${first.text}"`);
  const MEASURED = /(faster|about as fast|had not finished)/;
  let degradeSide;
  let planned;
  let status;
  if (software) {
    console.log('auto on a software adapter: the first degrade preview and the first upscale run on the CPU unmeasured');
    check(first.webgpu === 'not-started' && /WebGPU not started: everything runs on the CPU/.test(first.text), `the status line says WebGPU is left down and why: "${first.text}"`);
    const d = await waitPlan(page, /Degrade on CPU \(wasm\): software adapter, not measured/, 'degrade plan');
    check(!MEASURED.test(d), `no probe for the preview: "${d.trim()}"`);
    await cpuPreviewWithVqgan(page, 'software adapter, first visit');
    await page.goto(`${server.url}/?testmodels${upscaleHash}`);
    const st = await upscaleOnce(page);
    const v = await waitPlan(page, /VSR on CPU \(wasm\): software adapter, not measured/, 'vsr plan');
    check(!MEASURED.test(v) && runSide(st) === 'CPU (wasm)', `the upscale ran on the CPU without a probe: "${st.slice(0, 120)}"`);
    const calls = await engineWebGpuCalls(page);
    check(calls?.adapters >= 1 && calls.devices === 0, `software adapter: the engine requested no GPUDevice (${JSON.stringify(calls)})`);
    const dl = ortDownloads();
    check(dl.webgpu.length === 0 && dl.plain.length === 1, `software adapter: onnxruntime's WebGPU wasm was not downloaded (${dl.webgpu.join(', ') || 'not'}), its plain wasm was (${dl.plain.join(', ') || 'not'})`);
    const none = await page.evaluate(() => JSON.parse(localStorage.getItem('vqdsr.backend.measurements.v1') ?? '{}'));
    check(Object.keys(none).length === 0, `nothing measured, nothing stored (${Object.keys(none).length} entries)`);

    console.log('"measure again" on the software adapter probes it');
    served.length = 0;
    await page.selectOption('[data-testid=backend-setting]', 'measure-again');
    status = await upscaleOnce(page);
    const m = await waitPlan(page, new RegExp(`VSR on (WebGPU|CPU \\(wasm\\)): .*${MEASURED.source}`), 'vsr plan measured');
    planned = SIDE.exec(m)?.[1];
    check(planned && runSide(status) === planned, `the upscale ran on the measured side (${planned}): "${status.slice(0, 120)}"`);
    await checkWebGpuUp(page, 'measure again on the software adapter');
    // The Degrade stage was not measured: it stays on the CPU, as the first visit ran it.
    degradeSide = 'CPU';
  } else {
    console.log('auto on a hardware adapter: the first degrade preview and the first upscale are measured on both sides');
    const d = await waitPlan(page, new RegExp(`Degrade on (WebGPU|CPU \\(wasm\\)): .*${MEASURED.source}`), 'degrade plan');
    degradeSide = /Degrade on WebGPU/.test(d) ? 'GPU' : 'CPU';
    await page.waitForFunction(() => (document.querySelector('[data-testid=stage-times]')?.textContent ?? '').trim().length > 0, null, { timeout: 300_000 });
    const times = (await page.textContent('[data-testid=stage-times]')).trim();
    check(times.startsWith(degradeSide), `the preview ran where the plan said (${degradeSide}): "${times.slice(0, 80)}"`);
    await checkWebGpuUp(page, 'first load (nothing remembered: it measures)');

    await page.goto(`${server.url}/?testmodels${upscaleHash}`);
    status = await upscaleOnce(page);
    const v = await waitPlan(page, new RegExp(`VSR on (WebGPU|CPU \\(wasm\\)): .*${MEASURED.source}`), 'vsr plan');
    planned = SIDE.exec(v)?.[1];
    check(planned && runSide(status) === planned, `the upscale ran on the planned side (${planned}): "${status.slice(0, 120)}"`);
  }
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('vqdsr.backend.measurements.v1') ?? '{}'));
  const entries = Object.values(stored);
  const probes = software ? 1 : 2;
  check(entries.length >= probes && entries.every((m) => m.gpuMs > 0 && m.cpuMs > 0), `${probes === 1 ? 'the probe is' : 'both probes are'} stored: ${entries.map((m) => `GPU ${m.gpuMs.toFixed(1)} ms / CPU ${m.cpuMs.toFixed(1)} ms at ${m.size}²`).join('; ')}`);

  console.log('after a reload the choice comes from memory');
  const allCpu = degradeSide === 'CPU' && planned === 'CPU (wasm)';
  served.length = 0;
  await page.reload();
  const start = await engineUp(page);
  console.log(`  engine started: "${start.text}"`);
  const again = await upscaleOnce(page);
  const remembered = await waitPlan(page, /VSR on .*measured earlier/, 'vsr plan after reload');
  check(SIDE.exec(remembered)?.[1] === planned && runSide(again) === planned, `same side without a new probe: ${planned}`);
  if (allCpu) {
    // Every stage remembered on the CPU: WebGPU stays down, through the start and the CPU upscale.
    const calls = await engineWebGpuCalls(page);
    check(calls?.adapters >= 1, `the engine's WebGPU calls were counted from its start (adapter requests: ${calls?.adapters})`);
    check(calls?.devices === 0, `plan remembered all-CPU: the engine requested no GPUDevice (${JSON.stringify(calls)})`);
    const dl = ortDownloads();
    check(dl.webgpu.length === 0 && dl.plain.length === 1, `plan remembered all-CPU: onnxruntime's WebGPU wasm was not downloaded (${dl.webgpu.join(', ') || 'not'}), its plain wasm was (${dl.plain.join(', ') || 'not'})`);
    check(start.webgpu === 'not-started' && /WebGPU not started: .*remembered for this adapter/.test(start.text), `the status line says WebGPU is left down and why: "${start.text}"`);
    check((await engineUp(page)).webgpu === 'not-started', 'still down after the upscale');

    console.log('"measure again" brings WebGPU up to probe');
    served.length = 0;
    await page.selectOption('[data-testid=backend-setting]', 'measure-again');
    await upscaleOnce(page);
    const re = await waitPlan(page, /VSR on (WebGPU|CPU \(wasm\)): .*(faster|about as fast|had not finished)/, 'vsr plan measured again');
    check(!/measured earlier/.test(re), `measured anew, not from memory: "${re.trim()}"`);
    await checkWebGpuUp(page, 'measure again');
  } else {
    // A stage remembered on WebGPU: the engine brings it up at start, as before.
    console.log(`  this adapter's plan puts a stage on WebGPU (Degrade ${degradeSide}, VSR ${planned}): WebGPU starts at load`);
    await checkWebGpuUp(page, 'plan remembered with a stage on WebGPU');
  }

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

  console.log('?wasm: a CPU-only run never downloads onnxruntime\'s WebGPU build');
  // No service worker: every file the page and its workers load is downloaded, so the server's log
  // is the list of them (the offline copy's own choice is checked without WebGPU, below).
  const cpuCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const cp = await cpuCtx.newPage();
  pipeConsole(cp, 'backend-cpu');
  served.length = 0;
  await cp.goto(`${server.url}/?testmodels&wasm`);
  await cpuPreviewWithVqgan(cp, '?wasm');
  await cp.goto(`${server.url}/?testmodels&wasm${upscaleHash}`);
  // The tab makes the model ready before Start, on the side the run will use (and, with ?wasm, without WebGPU).
  await cp.waitForSelector('[data-testid=upscale-ready][data-state=ready], [data-testid=upscale-ready][data-state=failed]', { timeout: 120_000 });
  const ready = (await cp.textContent('[data-testid=upscale-ready]')).trim();
  check(/^vsr ready on the CPU \(wasm\) \(\d+\.\d s\)$/.test(ready), `?wasm: the Upscale tab prepared the model on the CPU: "${ready}"`);
  const st4 = await upscaleOnce(cp);
  check(runSide(st4) === 'CPU (wasm)', `?wasm: the upscale ran on the CPU: "${st4.slice(0, 120)}"`);
  // A model of the user's: inspected and probed on the wasm EP.
  await cp.setInputFiles('[data-testid=byo-file-input]', { name: 'x2-nearest.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(TEST_MODEL_FILES['x2-nearest.onnx']()) });
  await cp.waitForFunction(() => ['added', 'refused'].includes(document.querySelector('[data-testid=byo-status]')?.getAttribute('data-phase') ?? ''), null, { timeout: 120_000 });
  const byo = (await cp.textContent('[data-testid=byo-status]')).trim();
  check((await cp.getAttribute('[data-testid=byo-status]', 'data-phase')) === 'added', `?wasm: a model of the user's is inspected and added: "${byo.slice(0, 100)}"`);
  const cpuRun = ortDownloads();
  check(cpuRun.webgpu.length === 0 && cpuRun.plain.length === 1, `?wasm: onnxruntime's plain wasm was downloaded (${cpuRun.plain.join(', ') || 'not'}), its WebGPU wasm was not (${cpuRun.webgpu.join(', ') || 'not'})`);
  const cpuCalls = await engineWebGpuCalls(cp);
  check(cpuCalls?.adapters === 0 && cpuCalls.devices === 0, `?wasm: the engine asked WebGPU for nothing (${JSON.stringify(cpuCalls)})`);
  await cpuCtx.close();
} finally {
  await browser.close();
}

console.log('without WebGPU there is nothing to choose, and onnxruntime\'s WebGPU build is never downloaded');
const noGpu = await launchBrowser({ webgpu: false });
try {
  const page = await noGpu.newPage();
  pipeConsole(page, 'backend-nogpu');
  served.length = 0;
  await page.goto(`${server.url}/?testmodels`);
  await page.waitForFunction(() => /wasm/.test(document.querySelector('[data-testid=backend-status]')?.textContent ?? ''), null, { timeout: 90_000 });
  check((await page.$('[data-testid=backend-setting]')) === null, 'no backend setting is offered without WebGPU');
  await cpuPreviewWithVqgan(page, 'no WebGPU');
  // The service worker has stored the app for offline use by now: what this browser needs, no more.
  await page.waitForFunction(
    () => {
      const st = document.querySelector('[data-testid=offline-status]')?.getAttribute('data-state');
      if (st === 'failed') throw new Error(`offline copy failed: ${document.querySelector('[data-testid=offline-status]').getAttribute('title')}`);
      return st === 'ready';
    },
    null,
    { timeout: 240_000, polling: 250 },
  );
  const title = (await page.getAttribute('[data-testid=offline-status]', 'title')) ?? '';
  check(/WebGPU build left out: this browser has no WebGPU adapter/.test(title), `the offline copy says what it left out: "${title.split('\n')[0]}"`);
  const stored = await page.evaluate(async () => (await (await caches.open('vqdsr-app')).keys()).map((r) => new URL(r.url).pathname.split('/').pop()));
  check(plainWasm.every((f) => stored.includes(f)) && !webgpuWasm.some((f) => stored.includes(f)), `stored for offline use: the plain wasm (${plainWasm.every((f) => stored.includes(f))}), not the WebGPU one (${webgpuWasm.some((f) => stored.includes(f)) ? 'stored' : 'not stored'})`);
  const noGpuRun = ortDownloads();
  check(noGpuRun.webgpu.length === 0 && noGpuRun.plain.length === 1, `no WebGPU: onnxruntime's plain wasm was downloaded (${noGpuRun.plain.join(', ') || 'not'}), its WebGPU wasm was not (${noGpuRun.webgpu.join(', ') || 'not'}) — by the engine or the service worker`);
} finally {
  await noGpu.close();
  await server.close();
}
exitWithTally();
