import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../../core/image';
import { makeRng } from '../../core/rng';
import { blurCpu } from './blur-cpu';
import { blurFast, blurSimd, blurSimdAvailable, warmUpBlur } from './blur-simd';
import { blurKernel } from './kernel';
import { BLUR_KINDS, type BlurParams } from './options';

function randomImage(W: number, H: number, seed: number): ImageF32 {
  const rng = makeRng(seed);
  const img = createImage(W, H, 3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = rng.next();
  return img;
}

/** Same bits, −0 and NaN included (tolerance 0: the kernel promises blurCpu's roundings). */
function sameBits(a: ImageF32, b: ImageF32): boolean {
  return a.width === b.width && a.height === b.height && Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer));
}

describe('blurSimd (wasm SIMD) gives blurCpu bit for bit', () => {
  // Node ≥ 16 and every browser the app supports have wasm SIMD: no silent fallback under test.
  it('runs here (and the loader\'s warm-up runs)', () => {
    expect(blurSimdAvailable()).toBe(true);
    warmUpBlur();
  });

  it('the sample frame size with the default kernel, and every kind at size 21', () => {
    const sample = randomImage(480, 270, 1);
    const def = blurKernel({ kind: 'iso', sigmaX: 1.5, sigmaY: 1.5, theta: 0, beta: 1, size: 21 });
    expect(sameBits(blurSimd(sample, def, 21)!, blurCpu(sample, def, 21))).toBe(true);
    const img = randomImage(150, 90, 3);
    for (const kind of BLUR_KINDS) {
      const p: BlurParams = { kind, sigmaX: 1.5, sigmaY: 0.7, theta: 0.4, beta: 1.5, size: 21 };
      const k = blurKernel(p);
      expect(sameBits(blurSimd(img, k, 21)!, blurCpu(img, k, 21)), kind).toBe(true);
    }
  });

  it('borders and widths that are not a multiple of 16, images smaller than the kernel, 1×1', () => {
    const k = blurKernel({ kind: 'aniso', sigmaX: 3, sigmaY: 1, theta: 0.5, beta: 1, size: 21 });
    for (const [W, H] of [[1, 1], [2, 3], [5, 21], [17, 4], [33, 33], [15, 40]] as const) {
      const img = randomImage(W, H, W * 100 + H);
      expect(sameBits(blurSimd(img, k, 21)!, blurCpu(img, k, 21)), `${W}×${H}`).toBe(true);
    }
  });

  it('a kernel with zeros inside its support, an asymmetric one, and non-finite pixels', () => {
    const size = 7;
    const k = new Float32Array(size * size);
    for (let i = 0; i < k.length; i++) k[i] = i % 3 === 0 ? 0 : (i + 1) / 1000;
    const img = randomImage(23, 11, 4);
    img.data[5] = NaN;
    img.data[40] = Infinity;
    img.data[300] = -0;
    expect(sameBits(blurSimd(img, k, size)!, blurCpu(img, k, size))).toBe(true);
  });

  it('property: random kernels, sizes and images (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          W: fc.integer({ min: 1, max: 70 }),
          H: fc.integer({ min: 1, max: 30 }),
          half: fc.integer({ min: 0, max: 10 }),
          support: fc.integer({ min: 0, max: 10 }),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
        }),
        ({ W, H, half, support, seed }) => {
          const size = 2 * half + 1;
          const r = Math.min(half, support);
          const rng = makeRng(seed);
          const k = new Float32Array(size * size);
          for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) k[(half + y) * size + half + x] = rng.next() * 2 - 0.5;
          const img = randomImage(W, H, seed ^ 99);
          return sameBits(blurSimd(img, k, size)!, blurCpu(img, k, size));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('blurFast is the stage function and agrees too; a wrong kernel length is refused', () => {
    const img = randomImage(40, 20, 2);
    const k = blurKernel({ kind: 'iso', sigmaX: 2, sigmaY: 2, theta: 0, beta: 1, size: 9 });
    expect(sameBits(blurFast(img, k, 9), blurCpu(img, k, 9))).toBe(true);
    expect(() => blurSimd(img, new Float32Array(10), 3)).toThrow(/kernel has 10 taps, not 3²/);
  });
});
