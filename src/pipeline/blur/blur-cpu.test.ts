import { describe, expect, it } from 'vitest';
import { blurCpu, reflectIndex } from './blur-cpu';
import { blurKernel } from './kernel';
import { createImage } from '../../core/image';
import type { BlurParams } from './options';
import reference from './blur-reference.json';

describe('reflectIndex', () => {
  it('mirrors without repeating the edge (torch reflect) and stays defined for tiny sizes', () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 7].map((i) => reflectIndex(i, 5))).toEqual([3, 2, 1, 0, 1, 4, 3, 2, 1]);
    expect([-1, 0, 1, 2, 3].map((i) => reflectIndex(i, 2))).toEqual([1, 0, 1, 0, 1]);
    expect(reflectIndex(-10, 1)).toBe(0);
    expect(reflectIndex(12, 3)).toBe(0); // period 4: 12 ≡ 0
  });
});

describe('blurCpu', () => {
  it('an impulse reproduces the kernel, flipped (correlation) — exact, with an asymmetric kernel', () => {
    const size = 5;
    const k = new Float32Array(size * size);
    for (let i = 0; i < k.length; i++) k[i] = (i + 1) / 325; // asymmetric, sums to 1
    const img = createImage(15, 13, 3);
    const cx = 7, cy = 6;
    img.data[(1 * 13 + cy) * 15 + cx] = 1; // green channel only
    const out = blurCpu(img, k, size);
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) {
        // out(y, x) = Σ k[i,j]·in(y+i−2, x+j−2) → out(cy−dy, cx−dx) = k[2+dy, 2+dx]
        expect(out.data[(1 * 13 + cy - dy) * 15 + cx - dx]).toBe(k[(2 + dy) * size + 2 + dx]);
      }
    expect(out.data.slice(0, 15 * 13).every((v) => v === 0)).toBe(true);
    expect(out.data.slice(2 * 15 * 13).every((v) => v === 0)).toBe(true);
  });

  it('an impulse far from the borders reproduces a 21×21 aniso kernel exactly', () => {
    const k = blurKernel({ kind: 'aniso', sigmaX: 3, sigmaY: 1, theta: 0.5, beta: 1, size: 21 });
    const img = createImage(31, 31, 3);
    img.data[15 * 31 + 15] = 1;
    const out = blurCpu(img, k);
    for (let y = 0; y < 21; y++) for (let x = 0; x < 21; x++) expect(out.data[(y + 5) * 31 + x + 5]).toBe(k[y * 21 + x]); // point-symmetric kernel
  });

  it('a constant image stays constant (|Δ| ≤ 1e-6)', () => {
    const img = createImage(12, 9, 3);
    img.data.fill(0.375);
    const out = blurCpu(img, blurKernel({ kind: 'plateau', sigmaX: 2, sigmaY: 1, theta: 1, beta: 1.5, size: 21 }));
    for (const v of out.data) expect(Math.abs(v - 0.375)).toBeLessThanOrEqual(1e-6);
  });

  it('matches the numpy pad(reflect)+correlate reference on every kernel kind (|Δ| ≤ 1e-6)', () => {
    const { width: W, height: H } = reference;
    const img = createImage(W, H, 3);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) img.data[(c * H + y) * W + x] = ((x * 37 + y * 91 + ((x * y) % 13)) % 101) / 100;
    for (const cs of reference.cases) {
      const out = blurCpu(img, blurKernel(cs.params as BlurParams));
      let max = 0;
      for (let c = 0; c < 3; c++) for (let i = 0; i < W * H; i++) max = Math.max(max, Math.abs(out.data[c * W * H + i] - cs.blurred[i]));
      // f32 input rounding (≤ 3e-8) and f32 output rounding (≤ 3e-8) bound the difference.
      expect(max, cs.params.kind).toBeLessThanOrEqual(1e-6);
    }
  });
});
