import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../../core/image.ts';
import { toRgba8 } from '../../core/pixels.ts';
import { readPng } from '../../media/png.ts';
import { imresizeImage } from '../../metrics/matlab-imresize.ts';
import { pickModel, PROBE_PIXELS_PER_FRAME, probeFrameIndices, probeFrames, probeImages, quantile, routeScore, type InputProbe } from './input-probe.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** A real cartoon frame (96×64) from the e2e fixtures. */
const frame = readPng(path.join(ROOT, 'e2e/fixtures/frame-96x64.png'));

/** Seeded white Gaussian noise (LCG + Box–Muller): the same numbers on every run. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function withNoise(img: ImageF32, sigma255: number, seed: number): ImageF32 {
  const n = gaussian(seed);
  const out = createImage(img.width, img.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, img.data[i] + (sigma255 / 255) * n()));
  return out;
}

describe('input probe: features', () => {
  it('reads white noise on grey at ≈ 0.65 σ, in proportion to σ, and 0 on a noiseless flat frame', () => {
    const grey = createImage(64, 64);
    grey.data.fill(0.5);
    expect(probeImages([grey]).noise).toBe(0);
    for (const sigma of [2, 5, 10]) {
      const got = probeImages([withNoise(grey, sigma, sigma)]).noise;
      // Measured 0.67 / 0.65 / 0.65 σ (the flat-half selection keeps pixels where the noise happened
      // to be small); ±10 % leaves room for the seed, not for a different estimator.
      expect(got / sigma).toBeGreaterThan(0.58);
      expect(got / sigma).toBeLessThan(0.72);
    }
  });

  it('on a real frame: noise rises with added noise; edge falls with blur and stays put under noise', () => {
    const clean = probeImages([frame]);
    const noisy = [2, 5, 10].map((s) => probeImages([withNoise(frame, s, 7 * s)]));
    expect(noisy[0].noise).toBeGreaterThan(clean.noise);
    expect(noisy[1].noise).toBeGreaterThan(noisy[0].noise);
    expect(noisy[2].noise).toBeGreaterThan(noisy[1].noise);
    // Blur: a ×1/2 and ×2 bicubic round trip halves the edge feature on this frame (0.53 → 0.28).
    const blurred = imresizeImage(imresizeImage(frame, 0.5, { kernel: 'cubic' }), 2, { kernel: 'cubic' });
    expect(probeImages([blurred]).edge).toBeLessThan(0.7 * clean.edge);
    for (const n of noisy) expect(Math.abs(n.edge - clean.edge)).toBeLessThan(0.05 * clean.edge);
  });

  it('gives the same numbers from 8-bit RGBA frames as from their float images', () => {
    const frames = [frame, withNoise(frame, 4, 3)].map((f) => ({ width: f.width, height: f.height, data: toRgba8(f) }));
    const fromRgba = probeFrames(frames);
    const fromFloat = probeImages(frames.map((f) => {
      const img = createImage(f.width, f.height);
      const n = f.width * f.height;
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) img.data[c * n + i] = f.data[4 * i + c] / 255;
      return img;
    }));
    expect(fromRgba.frames).toBe(2);
    expect(fromRgba.pixels).toBe(2 * 94 * 62);
    expect(Math.abs(fromRgba.noise - fromFloat.noise)).toBeLessThan(1e-4);
    expect(Math.abs(fromRgba.edge - fromFloat.edge)).toBeLessThan(1e-4);
  });

  it('measures a large frame on every s-th row, within the per-frame budget', () => {
    // The fixture frame enlarged ×8 (768×512: 388,620 interior pixels, over the 262,144 budget): every
    // 2nd row, 255 of its 510 interior rows.
    const big = imresizeImage(frame, 8, { kernel: 'cubic' });
    const all = probeImages([big]);
    expect(all.pixels).toBe(766 * 255);
    expect(all.pixels).toBeLessThanOrEqual(PROBE_PIXELS_PER_FRAME);
    const half = probeImages([imresizeImage(frame, 4, { kernel: 'cubic' })]); // 384×256: under the budget, every row
    expect(half.pixels).toBe(382 * 254);
    expect(all.frames).toBe(1);
  });

  it('refuses no frames and frames without an interior', () => {
    expect(() => probeImages([])).toThrow(/at least one frame/);
    expect(() => probeImages([createImage(2, 9)])).toThrow(/at least 3×3/);
  });

  it('takes quantiles without interpolation, at ⌊q·(n − 1)⌋ of the sorted values', () => {
    const v = Float32Array.from([5, 1, 4, 2, 3]);
    expect(quantile(v, 0.5)).toBe(3);
    expect(quantile(v, 0.9)).toBe(4);
    expect(quantile(Float32Array.from([1, 2]), 0.5)).toBe(1);
    expect(v[0]).toBe(5); // the caller's array is not sorted in place
  });

  it('spreads the probed frames over the clip, first and last included', () => {
    expect(probeFrameIndices(0)).toEqual([]);
    expect(probeFrameIndices(1)).toEqual([0]);
    expect(probeFrameIndices(3)).toEqual([0, 1, 2]);
    expect(probeFrameIndices(100)).toEqual([0, 14, 28, 42, 57, 71, 85, 99]);
  });
});

describe('input probe: the choice', () => {
  const probe: InputProbe = { noise: 2, edge: 0.3, frames: 8, pixels: 1000 };
  const restore = { bias: -1, weights: { noise: 0.5, edge: -3 } };

  it('scores bias + Σ w · log(feature + 1e-3)', () => {
    expect(routeScore(restore, probe)).toBeCloseTo(-1 + 0.5 * Math.log(2.001) - 3 * Math.log(0.301), 12);
    expect(routeScore({ bias: 0, weights: {} }, probe)).toBe(0);
  });

  it('picks the highest score among routed models and says why; nothing to pick with fewer than two', () => {
    const models = [{ id: 'vsr', route: { bias: 0, weights: {} } }, { id: 'vsr-restore', route: restore }, { id: 'mine' }];
    const soft = pickModel(models, probe)!;
    expect(soft.id).toBe('vsr-restore');
    expect(soft.scores.map((s) => s.id)).toEqual(['vsr-restore', 'vsr']);
    expect(soft.reason).toMatch(/^auto → vsr-restore \(clearly; noise 2\.00, edge 0\.30 on 8 frames\)$/);
    const crisp = pickModel(models, { ...probe, edge: 0.9, noise: 0.1 })!;
    expect(crisp.id).toBe('vsr');
    expect(pickModel([models[0], models[2]], probe)).toBeNull();
  });
});
