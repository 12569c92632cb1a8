import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { ImageF32 } from '../core/image';
import { fromRgba8 } from '../core/pixels';
import { cubicKernel, imresizeImage, imresizePlane, lanczos3Kernel, resizeTable } from './matlab-imresize';

function loadPng(name: string): ImageF32 {
  const png = PNG.sync.read(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
  return fromRgba8(png.data, png.width, png.height);
}

/** numpy-style uint8 quantisation of an image in [0, 1]: round half to even, clip. */
function toUint8Levels(img: ImageF32): Uint8Array {
  return Uint8Array.from(img.data, (v) => {
    const x = v * 255;
    let r = Math.round(x);
    if (r - x === 0.5 && r % 2 !== 0) r -= 1;
    return Math.min(255, Math.max(0, r));
  });
}

describe('MATLAB bicubic imresize', () => {
  it('uses Keys a = −0.5: interpolating, with the textbook values', () => {
    expect(cubicKernel(0)).toBe(1);
    expect(cubicKernel(1)).toBe(0);
    expect(cubicKernel(2)).toBe(0);
    expect(cubicKernel(0.5)).toBe(0.5625);
    expect(cubicKernel(-1.5)).toBe(-0.0625);
  });

  it('builds the ×½ antialiased table: 10 taps, weights summing to 1, mirrored edges', () => {
    const t = resizeTable(8, 4, 0.5);
    expect(t.taps).toBe(10);
    for (let o = 0; o < 4; o++) {
      let s = 0;
      for (let k = 0; k < t.taps; k++) s += t.weights[o * t.taps + k];
      expect(s).toBeCloseTo(1, 15);
    }
    // Output 0 centres on input 0.5 (between samples 0 and 1); its leftmost taps reflect: −1 → 0, −2 → 1.
    expect(Array.from(t.indices.subarray(0, 10))).toEqual([3, 2, 1, 0, 0, 1, 2, 3, 4, 5]);
  });

  it('keeps a constant constant and a linear ramp linear away from the edges (|Δ| ≤ 1e-5)', () => {
    const w = 40, h = 24;
    const ramp = { width: w, height: h, data: Float32Array.from({ length: w * h }, (_, i) => 3 * (i % w) + 2 * Math.floor(i / w) + 7) };
    for (const scale of [0.5, 0.25, 2, 4]) {
      const out = imresizePlane(ramp, scale);
      expect([out.width, out.height]).toEqual([Math.ceil(w * scale), Math.ceil(h * scale)]);
      const margin = Math.ceil(3 / Math.min(scale, 1) * Math.max(scale, 1)) + 1;
      let worst = 0;
      for (let y = margin; y < out.height - margin; y++) {
        for (let x = margin; x < out.width - margin; x++) {
          // Output pixel x covers input coordinate (x + ½)/scale − ½ (0-based centres).
          const sx = (x + 0.5) / scale - 0.5;
          const sy = (y + 0.5) / scale - 0.5;
          worst = Math.max(worst, Math.abs(out.data[y * out.width + x] - (3 * sx + 2 * sy + 7)));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    }
    const flat = imresizePlane({ width: 9, height: 7, data: new Float32Array(63).fill(0.3) }, 0.5);
    expect([flat.width, flat.height]).toEqual([5, 4]);
    expect(Math.max(...Array.from(flat.data, (v) => Math.abs(v - 0.3)))).toBeLessThan(1e-6);
  });

  it('reproduces BasicSR imresize: fixture b.png is a.png ×¼ then ×4, uint8-rounded each time (exact)', () => {
    // From the fixture provenance (fixtures/expected.json): b = round(imresize(round(imresize(a, 1/4)), 4)).
    const a = loadPng('a.png');
    const b = loadPng('b.png');
    for (const float32Accumulation of [true, false]) {
      const lrLevels = toUint8Levels(imresizeImage(a, 0.25, { float32Accumulation }));
      const lr: ImageF32 = { width: 64, height: 64, channels: 3, data: Float32Array.from(lrLevels, (v) => v / 255) };
      const up = toUint8Levels(imresizeImage(lr, 4, { float32Accumulation }));
      const want = toUint8Levels(b);
      expect(up.length).toBe(want.length);
      let differing = 0;
      for (let i = 0; i < up.length; i++) if (up[i] !== want[i]) differing++;
      expect(differing).toBe(0);
    }
  });
});

describe('MATLAB lanczos3 imresize (the quality benchmark’s Lanczos column)', () => {
  it('is sinc(x)·sinc(x/3) on [−3, 3]: 1 at 0, 0 at the other integers, 0 outside', () => {
    expect(lanczos3Kernel(0)).toBe(1);
    for (const x of [1, 2, -1, -2]) expect(Math.abs(lanczos3Kernel(x))).toBeLessThan(1e-15);
    expect(lanczos3Kernel(3)).toBe(0);
    expect(lanczos3Kernel(-4.5)).toBe(0);
    // 3·sin(π/2)·sin(π/6) / (π/2)² = 6/π²
    expect(lanczos3Kernel(0.5)).toBeCloseTo(6 / Math.PI ** 2, 14);
    expect(lanczos3Kernel(-1.5)).toBeCloseTo(lanczos3Kernel(1.5), 15);
  });

  it('×4 table: 8 taps summing to 1; interior values equal Pillow’s float LANCZOS (|Δ| ≤ 1e-3)', () => {
    const t = resizeTable(16, 64, 4, true, 'lanczos3');
    expect(t.taps).toBe(8);
    for (let o = 0; o < 64; o++) {
      let s = 0;
      for (let k = 0; k < t.taps; k++) s += t.weights[o * t.taps + k];
      expect(s).toBeCloseTo(1, 14);
    }
    // Pillow 9.4, mode 'F' (no rounding): Image.fromarray(5 * arange(12)[None], 'F').resize((48, 1), LANCZOS),
    // outputs 10 … 15. Lanczos-3 does not reproduce a ramp exactly (the ripple is part of the kernel).
    const row = { width: 12, height: 1, data: Float32Array.from({ length: 12 }, (_, i) => 5 * i) };
    const out = imresizePlane(row, 4, { kernel: 'lanczos3' });
    [10.545, 11.81, 13.19, 14.455, 15.545, 16.81].forEach((v, k) => expect(Math.abs(out.data[10 + k] - v)).toBeLessThan(1e-3));
  });

  it('agrees with Pillow’s LANCZOS ×4 on a real 32×24 crop within 1 level away from the border', () => {
    // fixtures/lanczos-in.png: a 32×24 crop of e2e/fixtures/frame-96x64.png at (36, 20), levels mapped
    // to 0.7·v + 38 so that Lanczos overshoot stays inside 0…255 (Pillow clips its 8-bit intermediate
    // between the two passes; this code, like MATLAB, does not). lanczos-x4-pil.png =
    // Image.open('lanczos-in.png').resize((128, 96), Image.LANCZOS), Pillow 9.4. Same kernel and pixel-
    // centre mapping; Pillow rounds to uint8 between passes and renormalises clipped taps at the
    // border instead of mirroring: ≤ 1 level inside a 12 px (3 LR px = the kernel's reach) margin.
    const src = loadPng('lanczos-in.png');
    const pil = toUint8Levels(loadPng('lanczos-x4-pil.png'));
    const ours = toUint8Levels(imresizeImage(src, 4, { kernel: 'lanczos3' }));
    const cubic = toUint8Levels(imresizeImage(src, 4));
    const W = 128, H = 96;
    let worst = 0;
    let worstCubic = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 12; y < H - 12; y++) {
        for (let x = 12; x < W - 12; x++) {
          const i = (c * H + y) * W + x;
          worst = Math.max(worst, Math.abs(ours[i] - pil[i]));
          worstCubic = Math.max(worstCubic, Math.abs(cubic[i] - pil[i]));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worstCubic).toBeGreaterThan(3); // the kernel option is in effect: bicubic is measurably different
  });
});
