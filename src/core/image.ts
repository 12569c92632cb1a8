/**
 * The one image type every pipeline stage, kernel reference and metric speaks.
 *
 * Planar RGB, float32, nominal range [0, 1]: channel c, row y, column x lives at
 * data[(c * height + y) * width + x]. Planar (CHW) is what ONNX models take
 * (NCHW with N = 1) and what the WGSL kernels read, so a frame crosses between
 * CPU references, ORT tensors and GPU buffers without reshuffling. The 8-bit raster is
 * core/frame.ts's RgbaFrame; core/pixels.ts converts between the two (and rgb24).
 */
export interface ImageF32 {
  readonly width: number;
  readonly height: number;
  /** Always 3 (RGB). Kept explicit so latents / single-channel maps can reuse helpers. */
  readonly channels: number;
  readonly data: Float32Array;
}

export function createImage(width: number, height: number, channels = 3): ImageF32 {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`bad image size ${width}×${height}`);
  }
  return { width, height, channels, data: new Float32Array(width * height * channels) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

// The conversions to and from 8 bits live in core/pixels.ts; re-exported here for callers outside
// src/ that import them from this file (bench/quality).
export { fromRgb24, fromRgba8, quantize01, quantizeImage, toRgb24, toRgba8 } from './pixels.ts';
