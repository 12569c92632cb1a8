import { describe, expect, it } from 'vitest';
import { applyGaussianField, gaussianNoiseField, noiseCpu } from './noise-cpu';
import { DEFAULT_NOISE, noiseParamErrors, sampleNoiseParams, sigmaUnit, type NoiseParams } from './options';
import { createImage, type ImageF32 } from '../../core/image';
import { frameKey, makeRng, normalF32, pixelKey } from '../../core/rng';

const N = (over: Partial<NoiseParams>): NoiseParams => ({ ...DEFAULT_NOISE, ...over });
const flat = (w: number, h: number, v: number | [number, number, number]): ImageF32 => {
  const img = createImage(w, h, 3);
  const plane = w * h;
  for (let c = 0; c < 3; c++) img.data.fill(Array.isArray(v) ? v[c] : v, c * plane, (c + 1) * plane);
  return img;
};
const stats = (a: Float32Array, from = 0, to = a.length, sub = 0) => {
  let s = 0, s2 = 0;
  for (let i = from; i < to; i++) {
    const d = a[i] - sub;
    s += d; s2 += d * d;
  }
  const n = to - from;
  return { mean: s / n, sd: Math.sqrt(s2 / n - (s / n) ** 2) };
};

describe('noiseCpu', () => {
  it('same (seed, frame) → identical pixels; another frame or seed → different ones', () => {
    const img = flat(32, 16, 0.5);
    const a = noiseCpu(img, N({ sigma: 10 }), 123, 4);
    expect(noiseCpu(img, N({ sigma: 10 }), 123, 4).data).toEqual(a.data);
    const diff = (b: ImageF32) => b.data.reduce((n, v, i) => n + (v !== a.data[i] ? 1 : 0), 0);
    expect(diff(noiseCpu(img, N({ sigma: 10 }), 123, 5))).toBeGreaterThan(a.data.length * 0.95);
    expect(diff(noiseCpu(img, N({ sigma: 10 }), 124, 4))).toBeGreaterThan(a.data.length * 0.95);
  });

  it('gaussian colour: per-channel sd = σ/255 (±1.5 %), mean 0 (±4 sd), channels uncorrelated (|r| < 0.02)', () => {
    const w = 256, h = 128, plane = w * h;
    const out = noiseCpu(flat(w, h, 0.5), N({ sigma: 10, gray: false }), 9, 0);
    for (let c = 0; c < 3; c++) {
      const { mean, sd } = stats(out.data, c * plane, (c + 1) * plane, 0.5);
      expect(Math.abs(sd / (10 / 255) - 1)).toBeLessThan(0.015); // sd of sd ≈ 1/√(2n) = 0.0039
      expect(Math.abs(mean)).toBeLessThan((4 * (10 / 255)) / Math.sqrt(plane));
    }
    let r = 0;
    for (let i = 0; i < plane; i++) r += (out.data[i] - 0.5) * (out.data[plane + i] - 0.5);
    expect(Math.abs(r / plane / (10 / 255) ** 2)).toBeLessThan(0.02);
  });

  it('gaussian gray: one value per pixel shared by R, G, B', () => {
    const w = 64, h = 64, plane = w * h;
    const out = noiseCpu(flat(w, h, [0.3, 0.5, 0.7]), N({ sigma: 5, gray: true }), 1, 2); // |n| ≤ 5.8·5/255 < 0.3: no clipping
    for (let i = 0; i < plane; i++) {
      const n0 = Math.fround(out.data[i] - 0.3);
      expect(Math.abs(out.data[plane + i] - 0.5 - n0)).toBeLessThan(1e-7);
      expect(Math.abs(out.data[2 * plane + i] - 0.7 - n0)).toBeLessThan(1e-7);
    }
    expect(Math.abs(stats(out.data, 0, plane, 0.3).sd / (5 / 255) - 1)).toBeLessThan(0.05);
  });

  it('clips to [0, 1]: black with σ 50 gives ≈ half zeros and nothing negative', () => {
    const out = noiseCpu(flat(64, 64, 0), N({ sigma: 50 }), 5, 0);
    const zeros = out.data.filter((v) => v === 0).length;
    expect(Math.min(...out.data)).toBe(0);
    expect(Math.max(...out.data)).toBeLessThanOrEqual(1);
    expect(Math.abs(zeros / out.data.length - 0.5)).toBeLessThan(0.03);
  });

  it('σ = 0 and kind none leave the image unchanged', () => {
    const img = flat(8, 8, [0.1, 0.6, 0.9]);
    expect(noiseCpu(img, N({ sigma: 0 }), 1, 0).data).toEqual(img.data);
    const wild = flat(4, 4, 1.5);
    expect(noiseCpu(wild, N({ kind: 'none' }), 1, 0).data).toEqual(wild.data); // identity, not clipped
  });

  it('poisson: mean preserved, sd = scale·√(256v)/256 (±3 %) at v = 0.5 (normal branch) and v = 0.03 (exact branch)', () => {
    const w = 128, h = 128, plane = w * h;
    for (const [v, scale] of [[0.5, 1], [0.5, 2], [0.03, 1]] as const) {
      const out = noiseCpu(flat(w, h, v), N({ kind: 'poisson', scale }), 21, 0);
      const { mean, sd } = stats(out.data, 0, plane, 0);
      const want = (scale * Math.sqrt(256 * v)) / 256;
      expect(Math.abs(sd / want - 1), `v=${v} scale=${scale}`).toBeLessThan(0.03);
      expect(Math.abs(mean - v), `v=${v}`).toBeLessThan((4 * want) / Math.sqrt(plane));
    }
  });

  it('poisson gray: the same deviation on all channels, drawn from the BT.601 luma', () => {
    const w = 64, h = 32, plane = w * h;
    const rgb: [number, number, number] = [0.2, 0.6, 0.4];
    const out = noiseCpu(flat(w, h, rgb), N({ kind: 'poisson', gray: true, scale: 1 }), 8, 1);
    const luma = 0.299 * 0.2 + 0.587 * 0.6 + 0.114 * 0.4;
    let s2 = 0;
    for (let i = 0; i < plane; i++) {
      const d = out.data[i] - 0.2;
      expect(Math.abs(out.data[plane + i] - 0.6 - d)).toBeLessThan(1e-7);
      expect(Math.abs(out.data[2 * plane + i] - 0.4 - d)).toBeLessThan(1e-7);
      s2 += d * d;
    }
    expect(Math.abs(Math.sqrt(s2 / plane) / (Math.sqrt(256 * luma) / 256) - 1)).toBeLessThan(0.05);
  });

  it('units: sigma is in 1/255 steps', () => {
    expect(sigmaUnit(N({ sigma: 255 }))).toBe(1);
    expect(sigmaUnit(N({ sigma: 10 }))).toBe(Math.fround(10 / 255));
  });

  it('validator and the paper sampler', () => {
    expect(noiseParamErrors(DEFAULT_NOISE)).toEqual([]);
    const errs = noiseParamErrors({ kind: 'speckle' as never, sigma: -1, gray: 'yes' as never, scale: Number.POSITIVE_INFINITY }).join('\n');
    for (const f of ['kind', 'sigma', 'gray', 'scale']) expect(errs).toMatch(new RegExp(`noise\\.${f}`));
    const rng = makeRng(3);
    let gray = 0;
    for (let i = 0; i < 2000; i++) {
      const p = sampleNoiseParams(rng);
      expect(noiseParamErrors(p)).toEqual([]);
      expect(p.sigma).toBeLessThanOrEqual(10);
      if (p.gray) gray++;
    }
    expect(Math.abs(gray - 1000)).toBeLessThan(4 * Math.sqrt(500));
  });

  it('gaussian = the kept noise field applied to any image: the formula clip(x + f32(σ·z)) bit for bit', () => {
    const fr = Math.fround;
    for (const gray of [false, true]) {
      const p: NoiseParams = { ...DEFAULT_NOISE, sigma: 7, gray };
      const field = gaussianNoiseField(p, 42, 3, 13, 9);
      expect(field.length).toBe((gray ? 1 : 3) * 13 * 9);
      for (const seed of [1, 2]) {
        const rng = makeRng(seed);
        const img = createImage(13, 9, 3);
        for (let i = 0; i < img.data.length; i++) img.data[i] = rng.next() * 1.2 - 0.1;
        const got = noiseCpu(img, p, 42, 3);
        expect(Buffer.from(applyGaussianField(img, field).data.buffer).equals(Buffer.from(got.data.buffer))).toBe(true);
        // The documented formula, written out here independently of noise-cpu.ts.
        const fk = frameKey(42, 3);
        for (let c = 0; c < 3; c++)
          for (let i = 0; i < 13 * 9; i++) {
            const v = fr(img.data[c * 117 + i] + fr(sigmaUnit(p) * normalF32(pixelKey(fk, i), gray ? 0 : c)));
            expect(Object.is(got.data[c * 117 + i], v < 0 ? 0 : v > 1 ? 1 : v)).toBe(true);
          }
      }
    }
    expect(() => gaussianNoiseField({ ...DEFAULT_NOISE, kind: 'poisson' }, 0, 0, 2, 2)).toThrow(/Gaussian only/);
    expect(() => applyGaussianField(createImage(2, 2, 3), new Float32Array(5))).toThrow(/noise field has 5 values, not 4 or 12/);
  });
});
