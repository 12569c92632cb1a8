import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVersion, precacheEntries } from './build-plugin';

const dir = mkdtempSync(path.join(tmpdir(), 'sw-build-'));
const put = (rel: string, body: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), body);
};
put('index.html', '<!doctype html>');
put('sw.js', 'self');
put('assets/index-X1.js', 'console.log(1)');
put('assets/index-X1.js.map', '{}');
put('assets/ort-wasm-simd-threaded-Dc1.wasm', 'plain');
put('assets/ort-wasm-simd-threaded.asyncify-D5.wasm', 'webgpu');
put('models/manifest.json', JSON.stringify({ version: 1, models: { vsr: { files: [{ file: 'vsr.step.onnx' }] } } }));
put('models/vsr.step.onnx', 'onnx');
put('models/MODEL_CARD.md', '# card');
put('.hidden/x', 'x');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the service worker\'s file list', () => {
  it('lists the build without itself, maps, dot files and the model set (the model cache\'s)', () => {
    const e = precacheEntries(dir);
    expect(e.map((x) => x.url)).toEqual([
      'assets/index-X1.js',
      'assets/ort-wasm-simd-threaded-Dc1.wasm',
      'assets/ort-wasm-simd-threaded.asyncify-D5.wasm',
      'index.html',
      'models/MODEL_CARD.md',
    ]);
    // sha256('<!doctype html>') = fe26c59e91ac8de6… (sha256sum), first 16 hex digits
    expect(e.find((x) => x.url === 'index.html')).toEqual({ url: 'index.html', revision: 'fe26c59e91ac8de6', bytes: 15 });
  });

  it('marks onnxruntime-web\'s WebGPU build\'s wasm, and only it, as WebGPU-only', () => {
    const marked = precacheEntries(dir).filter((x) => x.webgpu);
    expect(marked.map((x) => x.url)).toEqual(['assets/ort-wasm-simd-threaded.asyncify-D5.wasm']);
    expect(marked[0].webgpu).toBe(true);
  });

  it('has a version that changes with any file', () => {
    const before = buildVersion(precacheEntries(dir));
    expect(buildVersion(precacheEntries(dir))).toBe(before);
    put('assets/index-X1.js', 'console.log(2)');
    expect(buildVersion(precacheEntries(dir))).not.toBe(before);
  });
});
