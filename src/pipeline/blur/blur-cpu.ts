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
 * failing, so any size is defined.
 *
 * Arithmetic mirrors shaders/blur.wgsl exactly: f32 products, summed in f32 in the same
 * order (dy, then dx, over the taps within the kernel's non-zero support), so the CPU and
 * GPU give the same bits unless the GPU compiler fuses a multiply–add (ulp-level).
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
  const src = img.data;
  const fr = Math.fround;
  for (let c = 0; c < C; c++) {
    const plane = c * H * W;
    for (let y = 0; y < H; y++) {
      // The output row is the f32 accumulator: storing into a Float32Array rounds each sum to f32.
      const acc = out.data.subarray(plane + y * W, plane + (y + 1) * W);
      for (let dy = -r; dy <= r; dy++) {
        const row = plane + reflectIndex(y + dy, H) * W;
        const krow = (half + dy) * size + half;
        for (let dx = -r; dx <= r; dx++) {
          const k = kernel[krow + dx];
          const off = r + dx;
          // Columns x with x + dx inside the row read directly; only the borders go through `cols`.
          const x0 = Math.min(Math.max(-dx, 0), W);
          const x1 = Math.max(Math.min(W - dx, W), x0);
          for (let x = 0; x < x0; x++) acc[x] += fr(k * src[row + cols[x + off]]);
          const base = row + dx;
          for (let x = x0; x < x1; x++) acc[x] += fr(k * src[base + x]);
          for (let x = x1; x < W; x++) acc[x] += fr(k * src[row + cols[x + off]]);
        }
      }
    }
  }
  return out;
}
