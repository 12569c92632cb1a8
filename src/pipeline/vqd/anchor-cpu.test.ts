/**
 * The colour anchor's CPU reference (anchor-cpu.ts): its taps, its algebra (a constant colour
 * offset removed, a high-band degradation kept, x = v a fixed point), and an independent f64
 * 2-D sum on a real frame with the shipped VQGAN's output for it.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImage, maxAbsDiff, type ImageF32 } from '../../core/image.ts';
import { readPng } from '../../media/png.ts';
import { reflectIndex } from '../blur/blur-cpu.ts';
import { ANCHOR_SIGMA_MAX, anchorCpu, anchorRadius, anchorTaps } from './anchor-cpu.ts';
import { createVqdNode } from './vqd-node.ts';

const FRAME = path.join(import.meta.dirname, '../../../e2e/fixtures/frame-96x64.png');

const map = (img: ImageF32, f: (v: number, i: number) => number): ImageF32 => ({ ...img, data: Float32Array.from(img.data, f) });

/** The anchor written as its definition: f64, a 2-D double sum of the outer-product kernel, mirrored borders. */
function anchorF64(x: ImageF32, v: ImageF32, sigma: number): Float64Array {
  const { width: W, height: H } = x;
  const r = anchorRadius(sigma);
  const g = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  const out = new Float64Array(x.data.length);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      for (let i = 0; i < W; i++) {
        let acc = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const j = (c * H + reflectIndex(y + dy, H)) * W + reflectIndex(i + dx, W);
            acc += ((g[dy + r] * g[dx + r]) / (s * s)) * (x.data[j] - v.data[j]);
          }
        }
        const k = (c * H + y) * W + i;
        out[k] = Math.min(1, Math.max(0, v.data[k] + acc));
      }
    }
  }
  return out;
}

describe('anchorTaps', () => {
  it('has 2⌈3σ⌉ + 1 symmetric taps, largest in the middle, falling outwards, summing to 1', () => {
    for (const sigma of [0.1, 0.5, 1, 2.2, 3, ANCHOR_SIGMA_MAX]) {
      const t = anchorTaps(sigma);
      const r = Math.ceil(3 * sigma);
      expect(t.length).toBe(2 * r + 1);
      expect(Math.abs(t.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      for (let i = 0; i < r; i++) {
        expect(t[i]).toBe(t[2 * r - i]);
        expect(t[i]).toBeLessThan(t[i + 1]);
      }
    }
  });

  it('refuses σ outside [0, max] and has no taps at σ = 0 (the anchor off)', () => {
    expect(() => anchorRadius(-0.1)).toThrow(RangeError);
    expect(() => anchorRadius(ANCHOR_SIGMA_MAX + 0.01)).toThrow(RangeError);
    expect(() => anchorRadius(Number.NaN)).toThrow(RangeError);
    expect(anchorRadius(0)).toBe(0);
    expect(() => anchorTaps(0)).toThrow(/off/);
  });
});

describe('anchorCpu', () => {
  const frame = readPng(FRAME);

  it('matches its definition (f64, 2-D double sum) on a real frame and the shipped VQGAN\'s output for it, within 2e-6', async () => {
    const vqd = await createVqdNode({ threads: 1 });
    const v = await vqd.run(frame, { kTop: 1, kMid: 10, kBot: 50 });
    for (const sigma of [0.7, 3, ANCHOR_SIGMA_MAX]) {
      const got = anchorCpu(frame, v, sigma).data;
      const want = anchorF64(frame, v, sigma);
      let max = 0;
      for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
      // f32 sums of ≤ 25 taps per pass against f64: ~1e-7 measured; 2e-6 leaves room, not slack for a wrong tap.
      expect(max).toBeLessThan(2e-6);
    }
  });

  it('removes a constant colour offset exactly (the shift the VQGAN adds) and leaves the frame otherwise as its input', () => {
    const x = map(frame, (v) => 0.1 + 0.8 * v); // room for ±0.1 without clipping
    const offsets = [0.08, -0.05, 0.03];
    const v = map(x, (val, i) => val + offsets[Math.floor(i / (x.width * x.height))]);
    expect(maxAbsDiff(anchorCpu(x, v, 3).data, x.data)).toBeLessThan(1e-6);
  });

  it('keeps a high-band degradation (a ±0.05 checkerboard, the Nyquist pattern) within 1e-5', () => {
    const v = map(frame, (val) => 0.1 + 0.8 * val);
    const W = v.width;
    const H = v.height;
    const sign = (i: number) => {
      const p = i % (W * H);
      return ((p % W) + Math.floor(p / W)) % 2 === 0 ? 1 : -1;
    };
    const x = map(v, (val, i) => val - 0.05 * sign(i));
    expect(maxAbsDiff(anchorCpu(x, v, 3).data, v.data)).toBeLessThan(1e-5);
    // …while at σ = 0.5 the mid band it hands back includes much of the pattern: the reason σ is not small.
    expect(maxAbsDiff(anchorCpu(x, v, 0.5).data, v.data)).toBeGreaterThan(0.01);
  });

  it('σ = 0 returns a copy of the VQD output; a size mismatch is refused', () => {
    const v = map(frame, (val) => 1 - val);
    const out = anchorCpu(frame, v, 0);
    expect(out.data).toEqual(v.data);
    expect(out.data).not.toBe(v.data);
    expect(() => anchorCpu(createImage(4, 4), createImage(4, 5), 3)).toThrow(/4×4×3 vs VQD output 4×5×3/);
  });

  it('property: x = v is a fixed point, and the output stays in [0, 1], for any small image and σ', () => {
    const img = (w: number, h: number) => fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 3 * w * h, maxLength: 3 * w * h });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain((w) => fc.integer({ min: 1, max: 7 }).chain((h) => fc.tuple(fc.constant(w), fc.constant(h), img(w, h), img(w, h)))),
        fc.double({ min: 0.05, max: ANCHOR_SIGMA_MAX, noNaN: true }),
        ([w, h, a, b], sigma) => {
          const x: ImageF32 = { width: w, height: h, channels: 3, data: Float32Array.from(a) };
          const v: ImageF32 = { width: w, height: h, channels: 3, data: Float32Array.from(b) };
          expect(anchorCpu(v, v, sigma).data).toEqual(v.data);
          for (const o of anchorCpu(x, v, sigma).data) expect(o >= 0 && o <= 1).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
