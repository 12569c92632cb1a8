#!/usr/bin/env node
// Same params, same seed → same pixels in the browser and in Node (the CLI, the
// training data factory). The source is one PNG (exact decode on both sides); the
// codec is off because the app codes a 5-frame window and the CLI the whole clip.
//  - browser CPU fallback (wasm) vs CLI, no VQD: identical bytes (hash compare)
//  - browser WebGPU path vs CLI, no VQD: float rounding may flip a rare uint8 level:
//    ≤ 0.5 % of samples may differ, by at most 1 level
//  - with VQD (test models; ORT wasm vs onnxruntime-node): ≤ 1 % of samples differ by > 1 level
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';

const dir = 'test-results/parity';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const SRC = 'e2e/fixtures/frame-96x64.png';

const base = {
  version: 2,
  blur: { kind: 'aniso', sigmaX: 1.7, sigmaY: 0.9, theta: 0.6, beta: 1, size: 21 },
  noise: { kind: 'gaussian', sigma: 6, gray: false, scale: 1 },
  down: { factor: 2, method: 'bicubic' },
  vqd: { enabled: false, mode: 'fixed', kTop: 1, kMid: 3, kBot: 20, seed: 0 },
  compress: { codec: 'none', crf: 23, qscale: 4, profile: 'high', fps: 25 },
  seed: 1234,
  modelId: 'vqgan',
};
const withVqd = structuredClone(base);
withVqd.vqd.enabled = true;

function cli(params, name) {
  const pfile = `${dir}/${name}.params.json`;
  writeFileSync(pfile, JSON.stringify(params));
  const r = spawnSync(process.execPath, ['bin/vqdsr.mjs', 'degrade', SRC, `${dir}/${name}`, '--params', pfile, '--models', 'e2e/fixtures/models', '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`CLI failed: ${r.stderr}`);
  const png = PNG.sync.read(readFileSync(`${dir}/${name}/00000.png`));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

/** LR frames for each params set, in one browser session (the app stays open between them). */
async function browserLr(webgpu, paramSets) {
  const browser = await launchBrowser({ webgpu });
  try {
    const page = await browser.newPage();
    pipeConsole(page, `parity-${webgpu ? 'gpu' : 'wasm'}`);
    await page.goto(`${server.url}/?testmodels&testhooks${webgpu ? '&webgpu' : ''}`); // ?webgpu: compare the GPU chain itself, whatever auto would pick
    await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
    await page.setInputFiles('[data-testid=file-input]', SRC);
    await page.waitForFunction(() => /frame-96x64/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 60_000 });
    const out = [];
    for (const params of paramSets) {
      const before = await page.textContent('[data-testid=stage-times]').catch(() => null);
      await page.evaluate((p) => window.__vqdsrTest.setParams(p), params);
      await page.waitForFunction(
        (prev) => {
          const c = document.querySelector('[data-testid=lr-canvas]');
          const t = document.querySelector('[data-testid=stage-times]')?.textContent;
          return c && c.width === 48 && !/updating/.test(c.parentElement?.textContent ?? '') && t && t !== prev;
        },
        before,
        { timeout: 300_000, polling: 250 },
      );
      await page.waitForTimeout(300);
      const rgba = await page.evaluate(() => {
        const c = document.querySelector('[data-testid=lr-canvas]');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
      });
      out.push({ width: 48, height: 32, rgba: Uint8Array.from(rgba) });
    }
    return out;
  } finally {
    await browser.close();
  }
}

function diff(a, b) {
  let n = 0, over1 = 0, max = 0, count = 0;
  for (let i = 0; i < a.rgba.length; i++) {
    if (i % 4 === 3) continue;
    count++;
    const d = Math.abs(a.rgba[i] - b.rgba[i]);
    if (d) n++;
    if (d > 1) over1++;
    max = Math.max(max, d);
  }
  return { frac: n / count, over1: over1 / count, max };
}
const hash = (x) => createHash('sha256').update(x.rgba).digest('hex').slice(0, 16);

const server = await startPreviewServer();
try {
  const nodeA = cli(base, 'no-vqd');
  const nodeB = cli(withVqd, 'vqd');
  check(nodeA.width === 48 && nodeA.height === 32, `CLI wrote a 48×32 LR frame`);

  const [wasmA, wasmB] = await browserLr(false, [base, withVqd]);
  check(hash(wasmA) === hash(nodeA), `browser CPU path == CLI, byte for byte (sha256 ${hash(wasmA)} vs ${hash(nodeA)})`);
  const dB = diff(wasmB, nodeB);
  check(dB.over1 <= 0.01, `with VQD, browser CPU (ORT wasm) vs CLI (onnxruntime-node): ${(100 * dB.frac).toFixed(2)} % samples differ, ${(100 * dB.over1).toFixed(2)} % by > 1 level, max ${dB.max} (≤ 1 % by > 1 level)`);

  // The WebGPU VQD path is compared with the CPU path in src/pipeline/vqd/vqd.gputest.ts; here the
  // GPU run covers blur/noise/down/quantise only, which keeps this suite short on SwiftShader.
  const [gpuA] = await browserLr(true, [base]);
  const dA = diff(gpuA, nodeA);
  check(dA.frac <= 0.005 && dA.max <= 1, `browser WebGPU path vs CLI: ${(100 * dA.frac).toFixed(3)} % samples differ, max ${dA.max} level (≤ 0.5 %, ≤ 1)`);
} finally {
  await server.close();
}
exitWithTally('parity checks');
