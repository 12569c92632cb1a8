/**
 * Deterministic small planes shared by the metric tests. The numbers the tests
 * compare against were computed from the same formulas with numpy/scipy
 * (scipy.ndimage.correlate for SSIM), independently of this code.
 */
import type { PlaneF32 } from './color';

/** 24×20 planes on the 0–255 scale: a (pseudo-random texture), b (a + small structured noise), c (inverted, contrast-halved a). */
export function patternPlanes(): { a: PlaneF32; b: PlaneF32; c: PlaneF32 } {
  const width = 24;
  const height = 20;
  const a = new Float32Array(width * height);
  const b = new Float32Array(width * height);
  const c = new Float32Array(width * height);
  const clip = (v: number) => Math.min(255, Math.max(0, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = (x * 37 + y * 91 + x * y * 13) % 256;
      a[y * width + x] = v;
      b[y * width + x] = clip(v + ((x * 7 + y * 3) % 21) - 10);
      c[y * width + x] = clip(200 - 0.5 * v + ((x * 11 + y * 5) % 31));
    }
  }
  return { a: { width, height, data: a }, b: { width, height, data: b }, c: { width, height, data: c } };
}
