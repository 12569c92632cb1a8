import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../core/image';
import { cropPlane, type PlaneF32 } from './color';
import { ssimPlane, ssimRgb, ssimY } from './ssim';
import { patternPlanes } from './test-patterns';

const C1 = (0.01 * 255) ** 2;

function constPlane(w: number, h: number, v: number): PlaneF32 {
  return { width: w, height: h, data: new Float32Array(w * h).fill(v) };
}

function noiseImage(w: number, h: number, seed: number): ImageF32 {
  const img = createImage(w, h);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    img.data[i] = ((s >>> 8) % 256) / 255;
  }
  return img;
}

describe('SSIM (BasicSR / MATLAB ssim_index conventions)', () => {
  it('is exactly 1 for identical images', () => {
    const img = noiseImage(32, 24, 7);
    expect(ssimY(img, img)).toBe(1);
    expect(ssimRgb(img, img)).toBe(1);
  });

  it('matches the closed form on two flat planes (|Δ| < 5e-13)', () => {
    // No variance anywhere: the C2 factor is (0 + C2) / (0 + C2) = 1, so SSIM = (2·μ1·μ2 + C1) / (μ1² + μ2² + C1).
    const got = ssimPlane(constPlane(16, 16, 100), constPlane(16, 16, 140));
    expect(got).toBeCloseTo((2 * 100 * 140 + C1) / (100 ** 2 + 140 ** 2 + C1), 12);
  });

  it('agrees with an independent scipy computation on small patterns (|Δ| < 5e-13)', () => {
    const { a, b, c } = patternPlanes();
    // scipy.ndimage.correlate with the 11×11 Gaussian, valid region [5:-5, 5:-5], mean of the map.
    expect(ssimPlane(a, b)).toBeCloseTo(0.9967274427611179, 12);
    expect(ssimPlane(a, c)).toBeCloseTo(-0.7676673925747183, 12);
    expect(ssimPlane(a, c, { cropBorder: 2 })).toBeCloseTo(-0.7617238874400256, 12);
    expect(ssimPlane(c, a)).toBeCloseTo(ssimPlane(a, c), 14);
  });

  it('crops the border first: same as measuring pre-cropped planes', () => {
    const { a, b } = patternPlanes();
    expect(ssimPlane(a, b, { cropBorder: 3 })).toBe(ssimPlane(cropPlane(a, 3), cropPlane(b, 3)));
  });

  it('averages per-channel SSIM for RGB and uses BT.601 Y for ssimY', () => {
    const a = noiseImage(20, 20, 1);
    const b = noiseImage(20, 20, 2);
    const plane = 400;
    const channel = (img: ImageF32, ch: number): PlaneF32 => ({
      width: 20,
      height: 20,
      data: Float32Array.from(img.data.subarray(ch * plane, (ch + 1) * plane), (v) => v * 255),
    });
    const mean = [0, 1, 2].reduce((s, ch) => s + ssimPlane(channel(a, ch), channel(b, ch)), 0) / 3;
    expect(ssimRgb(a, b)).toBeCloseTo(mean, 14);
    expect(ssimY(a, b)).toBeLessThan(0.2); // independent noise: no structure in common
  });

  it('needs at least an 11×11 window after cropping', () => {
    expect(() => ssimPlane(constPlane(10, 20, 0), constPlane(10, 20, 0))).toThrow(RangeError);
    expect(() => ssimPlane(constPlane(14, 14, 0), constPlane(14, 14, 0), { cropBorder: 2 })).toThrow(RangeError);
  });
});
