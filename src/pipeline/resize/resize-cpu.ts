/**
 * CPU reference for the resize kernels (shaders/resize.wgsl): the same two
 * separable passes over the same weight tables (taps.ts) — horizontal into a
 * float32 intermediate of size in-height × out-width, then vertical. Sums run in
 * float64 and are stored as float32, so GPU (float32 sums) and CPU differ by
 * summation rounding only. Used by the Node CLI, the wasm fallback and the GPU tests.
 */
import { createImage, type ImageF32 } from '../../core/image';
import { checkResize, type ResampleFilter, type ResizeOptions } from './options';
import { axisTaps, type AxisTaps } from './taps';

export function resizeCpu(img: ImageF32, outW: number, outH: number, method: ResampleFilter, opts: ResizeOptions = {}): ImageF32 {
  checkResize(img.width, img.height, outW, outH, method);
  return resizeWithTaps(img, axisTaps(img.width, outW, method, opts), axisTaps(img.height, outH, method, opts));
}

/** Resize with explicit tables (x: width axis, y: height axis). */
export function resizeWithTaps(img: ImageF32, tx: AxisTaps, ty: AxisTaps): ImageF32 {
  const { width: inW, height: inH, channels } = img;
  if (tx.inSize !== inW || ty.inSize !== inH) throw new RangeError('resize: tables do not match the image size');
  const outW = tx.outSize;
  const outH = ty.outSize;
  const src = img.data;

  // Pass 1: every input row (all channels stacked) → out-width samples.
  const tmp = new Float32Array(channels * inH * outW);
  const kx = tx.taps;
  for (let row = 0; row < channels * inH; row++) {
    const s0 = row * inW;
    const d0 = row * outW;
    for (let x = 0; x < outW; x++) {
      let acc = 0;
      for (let k = x * kx, end = k + kx; k < end; k++) acc += tx.weight[k] * src[s0 + tx.index[k]];
      tmp[d0 + x] = acc;
    }
  }

  // Pass 2: columns of the intermediate → out-height samples.
  const out = createImage(outW, outH, channels);
  const dst = out.data;
  const ky = ty.taps;
  for (let c = 0; c < channels; c++) {
    const plane = c * inH * outW;
    for (let y = 0; y < outH; y++) {
      const d0 = (c * outH + y) * outW;
      const t0 = y * ky;
      for (let x = 0; x < outW; x++) {
        let acc = 0;
        for (let k = t0; k < t0 + ky; k++) acc += ty.weight[k] * tmp[plane + ty.index[k] * outW + x];
        dst[d0 + x] = acc;
      }
    }
  }
  return out;
}
