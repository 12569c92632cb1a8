/**
 * MATLAB `imresize(img, scale)` with the default bicubic kernel (Keys, a = −0.5)
 * and antialiasing — the resize that NIQE's second scale and the SR literature's
 * "bicubic" degradations assume (MATLAB's `lanczos3` kernel is offered too: the
 * quality benchmark's Lanczos column). It differs from canvas/OpenCV bicubic in two
 * ways that change numbers: when shrinking, the kernel is stretched by 1/scale
 * (an antialiasing low-pass), and borders are handled by symmetric reflection
 * (…, x1, x0 | x0, x1, …) with weights renormalised to sum 1.
 *
 * Output size is ceil(in·scale) on both axes. The height is resized first, then
 * the width (BasicSR's order), each through a precomputed (index, weight) table. MATLAB sums the taps
 * in double; BasicSR's PyTorch port (the reference for the SR metrics) sums them
 * in float32, tap by tap. That last-bit difference is usually invisible, but NIQE
 * on smooth content (locally linear ramps, where MSCN coefficients are rounding
 * noise whose sign decides the AGGD fit) moves by ~0.01 with it, so both are
 * offered: `float32Accumulation` reproduces BasicSR.
 */
import type { ImageF32 } from '../core/image';
import type { PlaneF32 } from './color';

/** Keys cubic convolution kernel with a = −0.5 (MATLAB's `cubic`). */
export function cubicKernel(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

/** MATLAB's `lanczos3`: sinc(x)·sinc(x/3) for |x| < 3 (its eps guard at 0 gives 1). */
export function lanczos3Kernel(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 3) return 0;
  if (ax < 1e-12) return 1;
  const px = Math.PI * ax;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/** Interpolation kernels: the function and its support width (MATLAB's kernel_width). */
export type ResizeKernel = 'cubic' | 'lanczos3';
const KERNELS: Record<ResizeKernel, { fn: (x: number) => number; width: number }> = {
  cubic: { fn: cubicKernel, width: 4 },
  lanczos3: { fn: lanczos3Kernel, width: 6 },
};

/** For each output sample along one axis: `taps` source indices (already reflected) and weights. */
export interface ResizeTable {
  outLength: number;
  taps: number;
  indices: Int32Array;
  weights: Float64Array;
}

/** Symmetric reflection with the edge sample repeated, MATLAB's aux = [1:n, n:-1:1]. */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** MATLAB's contributions(): which input samples feed each output sample, and how much. */
export function resizeTable(inLength: number, outLength: number, scale: number, antialias = true, kernel: ResizeKernel = 'cubic'): ResizeTable {
  const { fn, width } = KERNELS[kernel];
  const shrinkWithAa = scale < 1 && antialias;
  const kernelWidth = shrinkWithAa ? width / scale : width;
  const taps = Math.ceil(kernelWidth) + 2;
  const indices = new Int32Array(outLength * taps);
  const weights = new Float64Array(outLength * taps);
  for (let o = 0; o < outLength; o++) {
    // 1-based output coordinate o+1 maps so that pixel edges line up: u = x/scale + ½(1 − 1/scale).
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const j = left + t; // 1-based input index
      const d = u - j;
      const w = shrinkWithAa ? scale * fn(d * scale) : fn(d);
      weights[o * taps + t] = w;
      indices[o * taps + t] = reflect(j - 1, inLength);
      sum += w;
    }
    for (let t = 0; t < taps; t++) weights[o * taps + t] /= sum;
  }
  return { outLength, taps, indices, weights };
}

function checkScale(scale: number): void {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`bad resize scale ${scale}`);
}

export interface ImresizeOptions {
  /** Stretch the kernel when shrinking (MATLAB's default). Default true. */
  antialias?: boolean;
  /**
   * Sum taps in float32, in tap order, as BasicSR's torch imresize does (default
   * false: float64 sums as MATLAB). The weights themselves are float64; for
   * power-of-two scales they are exact dyadic numbers either way.
   */
  float32Accumulation?: boolean;
  /** Interpolation kernel. Default 'cubic' (MATLAB's default). */
  kernel?: ResizeKernel;
}

/** Resizes one row-major plane (any value range) by `scale` on both axes. */
export function imresizePlane(src: PlaneF32, scale: number, opts: ImresizeOptions = {}): PlaneF32 {
  checkScale(scale);
  const antialias = opts.antialias ?? true;
  const f32 = opts.float32Accumulation ?? false;
  const { width: inW, height: inH, data } = src;
  const outW = Math.ceil(inW * scale);
  const outH = Math.ceil(inH * scale);
  const th = resizeTable(inH, outH, scale, antialias, opts.kernel);
  const tw = resizeTable(inW, outW, scale, antialias, opts.kernel);
  const fround = Math.fround;

  // Pass 1, along the height: mid is outH × inW. The accumulator's element type
  // sets the precision: storing into a Float32Array rounds each partial sum.
  const mid = f32 ? new Float32Array(outH * inW) : new Float64Array(outH * inW);
  const acc = f32 ? new Float32Array(inW) : new Float64Array(inW);
  for (let o = 0; o < outH; o++) {
    acc.fill(0);
    for (let t = 0; t < th.taps; t++) {
      const w = th.weights[o * th.taps + t];
      if (w === 0) continue;
      const row = th.indices[o * th.taps + t] * inW;
      if (f32) for (let x = 0; x < inW; x++) acc[x] += fround(w * data[row + x]);
      else for (let x = 0; x < inW; x++) acc[x] += w * data[row + x];
    }
    mid.set(acc, o * inW);
  }

  // Pass 2, along the width: out is outH × outW.
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const row = y * inW;
    for (let o = 0; o < outW; o++) {
      let s = 0;
      const base = o * tw.taps;
      if (f32) {
        for (let t = 0; t < tw.taps; t++) s = fround(s + fround(tw.weights[base + t] * mid[row + tw.indices[base + t]]));
      } else {
        for (let t = 0; t < tw.taps; t++) s += tw.weights[base + t] * mid[row + tw.indices[base + t]];
      }
      out[y * outW + o] = s;
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Resizes every channel of a planar image by `scale` (values are not clamped or rounded). */
export function imresizeImage(img: ImageF32, scale: number, opts: ImresizeOptions = {}): ImageF32 {
  checkScale(scale);
  const plane = img.width * img.height;
  const outW = Math.ceil(img.width * scale);
  const outH = Math.ceil(img.height * scale);
  const data = new Float32Array(outW * outH * img.channels);
  for (let c = 0; c < img.channels; c++) {
    const src = { width: img.width, height: img.height, data: img.data.subarray(c * plane, (c + 1) * plane) };
    data.set(imresizePlane(src, scale, opts).data, c * outW * outH);
  }
  return { width: outW, height: outH, channels: img.channels, data };
}
