import { describe, expect, it } from 'vitest';
import { entriesToStore, installWantsWebgpu } from './precache-select';
import { WEBGPU_ONLY_FILE, type PrecacheEntry } from './protocol';

const entries: PrecacheEntry[] = [
  { url: 'index.html', revision: 'aaaa', bytes: 600 },
  { url: 'assets/ort-wasm-simd-threaded-Dc62.wasm', revision: 'bbbb', bytes: 14e6 },
  { url: 'assets/ort-wasm-simd-threaded.asyncify-D5D0.wasm', revision: 'cccc', bytes: 27e6, webgpu: true },
  { url: 'assets/ffmpeg-core-Cg.wasm', revision: 'dddd', bytes: 32e6 },
];

describe('which files the service worker stores', () => {
  it('stores every file where there is a WebGPU adapter', () => {
    expect(entriesToStore(entries, true)).toEqual(entries);
  });

  it('leaves out only the WebGPU build\'s wasm where there is none (the plain ORT and ffmpeg wasm stay)', () => {
    expect(entriesToStore(entries, false).map((e) => e.url)).toEqual(['index.html', 'assets/ort-wasm-simd-threaded-Dc62.wasm', 'assets/ffmpeg-core-Cg.wasm']);
  });

  it('at install follows the worker\'s own adapter answer where it has one', () => {
    const earlier = ['https://app.test/assets/ort-wasm-simd-threaded.asyncify-Old1.wasm?__rev=eeee'];
    expect(installWantsWebgpu(true, [])).toBe(true);
    expect(installWantsWebgpu(false, earlier)).toBe(false);
  });

  it('at install, without navigator.gpu in the worker, keeps what an earlier version stored here (renamed by an ORT update or not)', () => {
    expect(installWantsWebgpu(undefined, ['https://app.test/index.html?__rev=aaaa', 'https://app.test/assets/ort-wasm-simd-threaded.jsep-Old1.wasm?__rev=eeee'])).toBe(true);
    expect(installWantsWebgpu(undefined, ['https://app.test/index.html?__rev=aaaa', 'https://app.test/assets/ort-wasm-simd-threaded-Dc62.wasm?__rev=bbbb'])).toBe(false);
    expect(installWantsWebgpu(undefined, [])).toBe(false);
  });

  it('knows the WebGPU builds\' wasm names, not the plain build\'s nor ffmpeg\'s', () => {
    for (const n of ['assets/ort-wasm-simd-threaded.asyncify-D5D0fo7z.wasm', 'assets/ort-wasm-simd-threaded.jsep-AB_c.wasm', 'x/ort-wasm-simd-threaded.jspi-1.wasm']) expect(WEBGPU_ONLY_FILE.test(n)).toBe(true);
    for (const n of ['assets/ort-wasm-simd-threaded-DcHrbrbl.wasm', 'assets/ffmpeg-core-CgUfceKH.wasm', 'assets/ort-wasm-simd-threaded.asyncify-D5.wasm.map', 'assets/ort.wasm.bundle.min-Dc62.js']) expect(WEBGPU_ONLY_FILE.test(n)).toBe(false);
  });
});
