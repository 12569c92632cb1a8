/**
 * CPU reference of the Blur stage (and its fallback when WebGPU is missing): a 2-D
 * correlation of each channel with the kernel, borders by reflection without repeating
 * the edge sample — PyTorch `F.pad(…, mode='reflect')` followed by `F.conv2d`, i.e.
 * BasicSR's `filter2D` that Real-ESRGAN / AnimeSR blur with.
 *
 *   out(c, y, x) = Σ_{i,j} k[i, j] · in(c, refl(y + i − r), refl(x + j − r))
 *
 * (correlation, not convolution: for these point-symmetric kernels the two coincide.)
 * PyTorch requires pad < side; `reflectIndex` keeps mirroring for tiny images instead of
 * failing, so any size is defined. Accumulates in double; taps outside the kernel's
 * non-zero support are skipped (they are exactly 0).
 */
import { createImage, type ImageF32 } from '../../core/image';
import { kernelSide, kernelSupport } from './kernel';

/** Mirror index i into [0, n): …2 1 | 0 1 2 … n−1 | n−2 n−3 …, periodic with period 2n − 2. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let m = Math.abs(i) % period;
  if (m >= n) m = period - m;
  return m;
}

export function blurCpu(img: ImageF32, kernel: Float32Array, size = kernelSide(kernel)): ImageF32 {
  if (kernel.length !== size * size) throw new RangeError(`kernel has ${kernel.length} taps, not ${size}²`);
  const { width: W, height: H, channels: C } = img;
  const out = createImage(W, H, C);
  const half = (size - 1) / 2;
  const r = kernelSupport(kernel, size);
  // Reflected column for every x + dx, dx ∈ [−r, r]: cols[x + r + dx].
  const cols = new Int32Array(W + 2 * r);
  for (let i = 0; i < cols.length; i++) cols[i] = reflectIndex(i - r, W);
  const acc = new Float64Array(W);
  for (let c = 0; c < C; c++) {
    const plane = c * H * W;
    for (let y = 0; y < H; y++) {
      acc.fill(0);
      for (let dy = -r; dy <= r; dy++) {
        const row = plane + reflectIndex(y + dy, H) * W;
        const krow = (half + dy) * size + half;
        for (let dx = -r; dx <= r; dx++) {
          const k = kernel[krow + dx];
          if (k === 0) continue;
          const off = r + dx;
          for (let x = 0; x < W; x++) acc[x] += k * img.data[row + cols[x + off]];
        }
      }
      out.data.set(acc, plane + y * W);
    }
  }
  return out;
}
