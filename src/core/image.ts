/**
 * The one image type every pipeline stage, kernel reference and metric speaks.
 *
 * Planar RGB, float32, nominal range [0, 1]: channel c, row y, column x lives at
 * data[(c * height + y) * width + x]. Planar (CHW) is what ONNX models take
 * (NCHW with N = 1) and what the WGSL kernels read, so a frame crosses between
 * CPU references, ORT tensors and GPU buffers without reshuffling.
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

/** RGBA8 (ImageData / canvas / decoded frame layout) → planar float [0,1]. */
export function fromRgba8(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): ImageF32 {
  if (rgba.length < width * height * 4) throw new RangeError('RGBA buffer smaller than width×height×4');
  const img = createImage(width, height, 3);
  const plane = width * height;
  const d = img.data;
  for (let i = 0; i < plane; i++) {
    d[i] = rgba[i * 4] / 255;
    d[plane + i] = rgba[i * 4 + 1] / 255;
    d[2 * plane + i] = rgba[i * 4 + 2] / 255;
  }
  return img;
}

/** RGB24 (ffmpeg rawvideo rgb24) → planar float [0,1]. */
export function fromRgb24(rgb: Uint8Array, width: number, height: number): ImageF32 {
  if (rgb.length < width * height * 3) throw new RangeError('RGB buffer smaller than width×height×3');
  const img = createImage(width, height, 3);
  const plane = width * height;
  const d = img.data;
  for (let i = 0; i < plane; i++) {
    d[i] = rgb[i * 3] / 255;
    d[plane + i] = rgb[i * 3 + 1] / 255;
    d[2 * plane + i] = rgb[i * 3 + 2] / 255;
  }
  return img;
}

/** Round-to-nearest uint8 quantisation, the pipeline's "Quantise" stage (values clamped to [0,1]). */
export function quantize01(v: number): number {
  const q = Math.round(v * 255);
  return q < 0 ? 0 : q > 255 ? 255 : q;
}

/** Planar float → RGBA8 for canvases (alpha 255). */
export function toRgba8(img: ImageF32): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, data } = img;
  const plane = width * height;
  const out = new Uint8ClampedArray(new ArrayBuffer(plane * 4));
  for (let i = 0; i < plane; i++) {
    out[i * 4] = quantize01(data[i]);
    out[i * 4 + 1] = quantize01(data[plane + i]);
    out[i * 4 + 2] = quantize01(data[2 * plane + i]);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Planar float → RGB24, e.g. for ffmpeg rawvideo input. */
export function toRgb24(img: ImageF32): Uint8Array {
  const { width, height, data } = img;
  const plane = width * height;
  const out = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    out[i * 3] = quantize01(data[i]);
    out[i * 3 + 1] = quantize01(data[plane + i]);
    out[i * 3 + 2] = quantize01(data[2 * plane + i]);
  }
  return out;
}

/** Quantise every sample to the uint8 grid, staying in float form (k/255). */
export function quantizeImage(img: ImageF32): ImageF32 {
  const out = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < img.data.length; i++) out.data[i] = quantize01(img.data[i]) / 255;
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
