#!/usr/bin/env node
// Offline after the first load, on the production build (dist/sw.js, src/app/offline/): the app is
// loaded once online, the service worker says everything is stored (the build's files, and the test
// model set ?testmodels uses — the worker stores whichever model set the page uses); the network is
// cut (context.setOffline), the page reloads from the worker's cache, crossOriginIsolated (wasm
// threads) and all; a share link opened offline restores its state (tab, frame, VSR model) and
// upscales two frames of the bundled sample into an MP4 (onnxruntime-web and ffmpeg.wasm binaries
// from the cache), checked with ffprobe. Then a changed build (sw.js with another version, served
// by this test's server) is found on reload: "A new version is ready — Reload", and Reload moves the
// page onto it. onnxruntime-web's WebGPU build is stored where the browser has a WebGPU adapter
// (here SwiftShader: WebGPU comes up offline) and left out where it has none — that browser's
// offline copy still runs the Degrade preview, VQGAN included, on the CPU (the plain wasm build).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { preview } from 'vite';
import { tsImport } from 'tsx/esm/api';
import { launchBrowser, pipeConsole } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';
import { probeVideo } from './lib/ffprobe.mjs';

const { WEBGPU_ONLY_FILE } = await tsImport('../src/app/offline/protocol.ts', import.meta.url);
mkdirSync('test-results', { recursive: true });
const DIST = 'dist';
const builtSw = readFileSync(path.join(DIST, 'sw.js'), 'utf8');

// vite preview (vite.config.ts: COOP/COEP, /e2e/fixtures) plus one switch: the sw.js it serves, so
// the test can publish "a new build" without touching dist/.
let servedSw = builtSw;
const server = await preview({
  preview: { port: 0, host: '127.0.0.1', strictPort: false },
  logLevel: 'warn',
  plugins: [
    {
      name: 'offline-test-sw-switch',
      configurePreviewServer(s) {
        s.middlewares.use((req, res, next) => {
          if ((req.url ?? '').split('?')[0] !== '/sw.js') return next();
          res.setHeader('Content-Type', 'text/javascript');
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
          res.end(servedSw);
        });
      },
    },
  ],
});
const url = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await launchBrowser();

/** The files a build's worker must store: all of dist/ but sw.js and the model set it serves. */
function expectedAppFiles() {
  const walk = (rel) =>
    readdirSync(path.join(DIST, rel), { withFileTypes: true }).flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? walk(r) : [r];
    });
  const manifest = JSON.parse(readFileSync(path.join(DIST, 'models/manifest.json'), 'utf8'));
  const models = new Set(['models/manifest.json', ...Object.values(manifest.models).flatMap((m) => m.files.map((f) => `models/${f.file}`))]);
  return walk('').filter((f) => f !== 'sw.js' && !f.endsWith('.map') && !models.has(f)).sort();
}

const sampleOpen = (page) => page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 120_000 });
const offlineReady = (page, version) =>
  page.waitForFunction(
    (v) => {
      const el = document.querySelector('[data-testid=offline-status]');
      if (el?.getAttribute('data-state') === 'failed') throw new Error(`offline copy failed: ${el.getAttribute('title')}`);
      return el?.getAttribute('data-state') === 'ready' && (!v || el.getAttribute('data-version') === v);
    },
    version ?? null,
    { timeout: 240_000, polling: 250 },
  );

try {
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  pipeConsole(page, 'offline');

  console.log('first load, online: the worker stores the app and the page\'s models');
  // ?wasm: no WebGPU — the offline path is the point here, and SwiftShader would only slow the run.
  await page.goto(`${url}/?testmodels&wasm`);
  await sampleOpen(page);
  await offlineReady(page);
  const status = await page.evaluate(() => {
    const el = document.querySelector('[data-testid=offline-status]');
    return { text: el.textContent, title: el.getAttribute('title'), version: el.getAttribute('data-version') };
  });
  const version = status.version;
  check(/^[0-9a-f]{12}$/.test(version) && status.text === 'Works offline', `the header says "${status.text}" (version ${version}): ${status.title?.split('\n')[0]}`);
  check(builtSw.includes(version), 'the version is the one baked into dist/sw.js');
  const stored = await page.evaluate(async () => {
    const app = await (await caches.open('vqdsr-app')).keys();
    const models = await (await caches.open('vqdsr-models-v1')).keys();
    return {
      app: app.map((r) => new URL(r.url).pathname.slice(1)).sort(),
      models: models.map((r) => { const u = new URL(r.url); return `${u.pathname}${u.search}`; }),
      controlled: !!navigator.serviceWorker.controller,
      isolated: crossOriginIsolated,
    };
  });
  const want = expectedAppFiles();
  const missing = want.filter((f) => !stored.app.includes(f));
  check(missing.length === 0 && stored.app.length === want.length, `every file of the build is stored (${stored.app.length} of ${want.length}${missing.length ? `; missing ${missing.join(', ')}` : ''}), among them the ORT and ffmpeg wasm: ${stored.app.filter((f) => f.endsWith('.wasm')).join(', ')}`);
  const testManifest = JSON.parse(readFileSync('e2e/fixtures/models/manifest.json', 'utf8'));
  const modelKeys = [...new Set(Object.values(testManifest.models).flatMap((m) => m.files.map((f) => `/e2e/fixtures/models/${f.file}?sha256=${f.sha256}`)))];
  const modelsMissing = modelKeys.filter((k) => !stored.models.includes(k));
  check(modelsMissing.length === 0, `every file of the test model set is stored under its sha256 (${modelKeys.length - modelsMissing.length} of ${modelKeys.length}${modelsMissing.length ? `; missing ${modelsMissing.join(', ')}` : ''})`);
  check(stored.controlled && stored.isolated, `the page is controlled by the worker (${stored.controlled}) and crossOriginIsolated (${stored.isolated})`);
  console.log(`  (${secs()})`);

  console.log('network off: reload');
  await ctx.setOffline(true);
  const reached = await page.evaluate(() => fetch('/e2e/fixtures/clip-64x48.mp4', { cache: 'no-store' }).then((r) => `HTTP ${r.status}`, (e) => `failed (${e.name})`));
  check(reached.startsWith('failed'), `the network is really off for the page: a file the worker never stored ${reached}`);
  await page.reload();
  await sampleOpen(page);
  const off = await page.evaluate(() => ({ isolated: crossOriginIsolated, controlled: !!navigator.serviceWorker.controller, sab: typeof SharedArrayBuffer === 'function', online: navigator.onLine }));
  check(!off.online && off.controlled, `reloaded offline from the worker's cache (navigator.onLine ${off.online}, controlled ${off.controlled})`);
  check(off.isolated === true && off.sab, `crossOriginIsolated === ${off.isolated} offline (SharedArrayBuffer ${off.sab ? 'available' : 'missing'})`);
  await offlineReady(page, version);
  check(true, 'offline, the worker checks the stored models again (sha256) and still says "Works offline"');
  check((await page.locator('[data-testid=update-banner]').count()) === 0, 'no update banner while nothing changed');

  console.log('network off: a share link opens with its state and upscales the sample to MP4');
  const state = { t: 'upscale', s: 0, f: 2, m: 'vsr-restore' };
  const link = `${url}/?testmodels&wasm#v1.${Buffer.from(JSON.stringify(state)).toString('base64url')}`;
  await page.goto('about:blank'); // a new document load, not a same-document hash change
  await page.goto(link);
  await sampleOpen(page);
  await page.waitForSelector('[data-testid=upscale-start]', { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=upscale-model] option').length >= 2, null, { timeout: 60_000 });
  const restored = await page.evaluate(() => ({
    tab: document.querySelector('[role=tab][aria-selected=true]')?.textContent,
    frame: document.querySelector('[data-testid=frame-label]')?.textContent,
    model: document.querySelector('[data-testid=upscale-model]')?.value,
  }));
  check(restored.tab === 'Upscale' && /^frame 3 \//.test(restored.frame ?? '') && restored.model === 'vsr-restore', `the link's state is restored offline: tab ${restored.tab}, "${restored.frame}", model ${restored.model}`);
  const st = await runUpscale(page, { from: 1, to: 2, region: '32x32', output: 'mp4' });
  check(/Upscaled 2 frames with vsr-restore/.test(st), `offline run: "${st.slice(0, 140)}"`);
  // The test vsr-restore is a 'lite' net: the CPU path runs it on the project's kernels, with a
  // helper thread whose worker script must come from the cache too (else: one thread).
  check(/\(own wasm kernels, 2 threads\)$/.test(st), `offline, the lite net ran on its own kernels and helper thread: "…${st.slice(-70)}"`);
  if (await page.isVisible('[data-testid=upscale-download]')) {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid=upscale-download]')]);
    await dl.saveAs('test-results/offline-upscale.mp4');
    const v = probeVideo('test-results/offline-upscale.mp4');
    check(v.codec_name === 'h264' && v.width === 128 && v.height === 128 && v.nb_read_frames === '2', `the MP4 made offline decodes (ffprobe): ${v.codec_name} ${v.width}×${v.height}, ${v.nb_read_frames} frames (want h264 128×128, 2 frames)`);
  } else {
    check(false, 'the offline run offers its MP4 for download');
  }
  await page.screenshot({ path: 'test-results/offline.png' });

  console.log('network off: WebGPU comes up from the stored copy of onnxruntime\'s WebGPU build');
  const gpuPage = await ctx.newPage();
  pipeConsole(gpuPage, 'offline-webgpu');
  // ?webgpu: the engine brings WebGPU up at load (auto would leave a software adapter such as this
  // machine's down until a stage is measured on it, gpu/backend-choice.ts).
  await gpuPage.goto(`${url}/?testmodels&webgpu`);
  await gpuPage.waitForFunction(() => /^(WebGPU ·|wasm fallback)/.test(document.querySelector('[data-testid=backend-status]')?.textContent ?? ''), null, { timeout: 120_000 });
  const gpuStatus = (await gpuPage.textContent('[data-testid=backend-status]')).trim();
  // Started, not just found: forced onto WebGPU, the engine starts it at load, from the stored copy.
  const gpuUp = await gpuPage.getAttribute('[data-testid=backend-status]', 'data-webgpu');
  check(/^WebGPU ·/.test(gpuStatus) && gpuUp === 'started', `offline, this browser (a WebGPU adapter) brings WebGPU up (${gpuUp}): "${gpuStatus.slice(0, 100)}"`);
  await gpuPage.close();
  console.log(`  (${secs()})`);

  console.log('back online, a new build is published: the update banner, then Reload');
  await ctx.setOffline(false);
  // A copy of a model file the manifest has since replaced (another sha256), and one of a file in
  // another folder: the next load prunes the first (src/models/source-web.ts) and keeps the second.
  const staleKey = `/e2e/fixtures/models/vsr.step.onnx?sha256=${'0'.repeat(64)}`;
  const foreignKey = `/e2e/fixtures/other-models/vsr.step.onnx?sha256=${'0'.repeat(64)}`;
  await page.evaluate(async (keys) => {
    const c = await caches.open('vqdsr-models-v1');
    for (const k of keys) await c.put(k, new Response('weights of a replaced model version'));
  }, [staleKey, foreignKey]);
  const next = `${version.slice(0, 8)}beef`;
  servedSw = builtSw.replaceAll(version, next);
  check(servedSw !== builtSw, `the server now serves sw.js version ${next}`);
  await page.reload(); // a navigation: the browser checks sw.js and finds new bytes
  await page.waitForSelector('[data-testid=update-banner]', { timeout: 120_000 }).catch(async (err) => {
    // Say where the update stopped (no new worker found / installing / installed but not seen / failed).
    const where = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      const s = (w) => (w ? `${w.state}` : 'none');
      const status = document.querySelector('[data-testid=offline-status]');
      return `installing ${s(reg?.installing)}, waiting ${s(reg?.waiting)}, active ${s(reg?.active)}, controlled ${!!navigator.serviceWorker.controller}; offline status "${status?.textContent ?? ''}" (version ${status?.getAttribute('data-version')})`;
    }).catch((e) => `(page not readable: ${e.message})`);
    throw new Error(`no update banner in 120 s: ${where}`, { cause: err });
  });
  const banner = (await page.innerText('[data-testid=update-banner]')).replace(/\s+/g, ' ').trim();
  check(banner === 'A new version is ready — Reload', `banner: "${banner}"`);
  // The banner comes from the registration (a worker waiting), the version from the running worker's answer to the
  // reloaded page: two messages in either order, so wait for the version before reading which one it is.
  await page.waitForFunction(() => document.querySelector('[data-testid=offline-status]')?.getAttribute('data-version'), null, { timeout: 60_000 });
  const current = await page.getAttribute('[data-testid=offline-status]', 'data-version');
  check(current === version, `until Reload the page runs its version (${current})`);
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.click('[data-testid=update-reload]')]);
  await sampleOpen(page);
  await offlineReady(page, next);
  check((await page.locator('[data-testid=update-banner]').count()) === 0, `after Reload the page runs version ${next} and the banner is gone`);
  const afterPrune = await page.evaluate(async () => (await (await caches.open('vqdsr-models-v1')).keys()).map((r) => { const u = new URL(r.url); return `${u.pathname}${u.search}`; }));
  check(!afterPrune.includes(staleKey) && afterPrune.includes(foreignKey), `the cached copy of a replaced model file is pruned (${afterPrune.includes(staleKey) ? 'still there' : 'gone'}); a file of another folder stays (${afterPrune.includes(foreignKey) ? 'kept' : 'gone'})`);
  const keptCurrent = modelKeys.filter((k) => afterPrune.includes(k));
  check(keptCurrent.length === modelKeys.length, `every current model file stays cached (${keptCurrent.length} of ${modelKeys.length})`);
  console.log(`  (${secs()})`);
  await ctx.close();

  console.log('a browser without WebGPU: its offline copy leaves the WebGPU build out and still degrades on the CPU');
  const noGpu = await launchBrowser({ webgpu: false });
  try {
    const cpuCtx = await noGpu.newContext({ viewport: { width: 1280, height: 900 } });
    const cp = await cpuCtx.newPage();
    pipeConsole(cp, 'offline-nogpu');
    await cp.goto(`${url}/?testmodels`);
    await sampleOpen(cp);
    await offlineReady(cp);
    const app = await cp.evaluate(async () => (await (await caches.open('vqdsr-app')).keys()).map((r) => new URL(r.url).pathname.slice(1)).sort());
    const webgpuOnly = want.filter((f) => WEBGPU_ONLY_FILE.test(f));
    const rest = want.filter((f) => !webgpuOnly.includes(f));
    check(
      webgpuOnly.length === 1 && rest.every((f) => app.includes(f)) && !app.includes(webgpuOnly[0]),
      `stored: every file but the WebGPU build's wasm (${app.length} of ${want.length}; ${webgpuOnly.join(', ')} ${app.includes(webgpuOnly[0]) ? 'stored' : 'left out'})`,
    );
    await cpuCtx.setOffline(true);
    await cp.reload();
    await sampleOpen(cp);
    await cp.waitForFunction(() => /^CPU/.test((document.querySelector('[data-testid=stage-times]')?.textContent ?? '').trim()), null, { timeout: 300_000 });
    const times = (await cp.textContent('[data-testid=stage-times]')).trim();
    check(!(await cp.evaluate(() => navigator.onLine)) && /VQD [\d.]+ ms \(encoder [\d.]+/.test(times), `offline, the Degrade preview ran the VQGAN on the CPU: "${times.slice(0, 120)}"`);
    await cpuCtx.close();
  } finally {
    await noGpu.close();
  }
  console.log(`  (${secs()} in all)`);
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
exitWithTally();
