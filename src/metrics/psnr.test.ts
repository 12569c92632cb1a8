import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../core/image';
import { psnrPlane, psnrRgb, psnrY } from './psnr';
import { patternPlanes } from './test-patterns';

function gray(w: number, h: number, level: number): ImageF32 {
  const img = createImage(w, h);
  img.data.fill(level / 255);
  return img;
}

describe('PSNR (BasicSR / MATLAB conventions, peak 255)', () => {
  it('is +Infinity for identical images', () => {
    const a = gray(8, 8, 100);
    expect(psnrY(a, a)).toBe(Infinity);
    expect(psnrRgb(a, a)).toBe(Infinity);
  });

  it('matches the closed form for a constant offset (|Δ| < 5e-5 dB, float32 inputs)', () => {
    // +d on every channel: RGB error d everywhere; Y error d·219/255 (the Y coefficients sum to 219).
    const d = 5;
    const a = gray(12, 10, 100);
    const b = gray(12, 10, 100 + d);
    expect(psnrRgb(a, b)).toBeCloseTo(20 * Math.log10(255 / d), 4);
    expect(psnrY(a, b)).toBeCloseTo(20 * Math.log10(255 / ((d * 219) / 255)), 4);
  });

  it('crops the border before measuring', () => {
    // A difference only in the outermost ring disappears with cropBorder 1.
    const a = gray(10, 10, 50);
    const b = gray(10, 10, 50);
    b.data[0] = 1; // (0,0) of the R plane
    expect(psnrRgb(a, b)).toBeLessThan(Infinity);
    expect(psnrRgb(a, b, { cropBorder: 1 })).toBe(Infinity);
    // One interior R sample off by 10 levels: MSE = 10² / (3 · 8 · 8) after cropping to 8×8.
    b.data[3 * 10 + 4] = 60 / 255;
    expect(psnrRgb(a, b, { cropBorder: 1 })).toBeCloseTo(10 * Math.log10((255 * 255 * 192) / 100), 4);
  });

  it('agrees with an independent numpy computation on a small pattern (|Δ| < 5e-10 dB)', () => {
    const { a, b } = patternPlanes();
    // numpy: 10·log10(255² / mean((a − b)²)) and the same on [3:-3, 3:-3].
    expect(psnrPlane(a, b)).toBeCloseTo(32.595007184360966, 9);
    expect(psnrPlane(a, b, { cropBorder: 3 })).toBeCloseTo(32.59322514723661, 9);
  });

  it('rejects mismatched sizes and crops that leave nothing', () => {
    expect(() => psnrY(gray(4, 4, 0), gray(4, 5, 0))).toThrow(RangeError);
    expect(() => psnrY(gray(4, 4, 0), gray(4, 4, 0), { cropBorder: 2 })).toThrow(RangeError);
  });
});
