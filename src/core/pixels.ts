/**
 * Pixel formats and the conversions between them — the only place they are written out:
 *
 *   ImageF32  planar RGB float32 in [0, 1] (core/image.ts): what stages, ORT and WGSL compute on
 *   RgbaFrame RGBA8 interleaved, alpha 255 (core/frame.ts): canvases, decoders, the engine's I/O
 *   rgb24     RGB8 interleaved: ffmpeg's rawvideo pipes
 *   RGBA8 words  one little-endian u32 per pixel (R | G<<8 | B<<16 | A<<24): convert.wgsl's pack_rgba8
 *
 * One rounding rule turns a float sample into 8 bits everywhere, on the CPU and in WGSL
 * (shaders/convert.wgsl `quantize8`): clamp to [0, 1], then round v·255 half up, where v·255 is the
 * EXACT product of the f32 sample (an f32 times 255 has at most 32 significant bits: exact in
 * f64, and formed in u32 integer arithmetic by the shader). pixels.test.ts and the convert GPU
 * test prove the two agree bit for bit, ties included.
 *
 * Pure TS: no browser, no Node specifics.
 */
import { createImage, type ImageF32 } from './image.ts';
import type { RgbaFrame } from './frame.ts';

/** The 8-bit level of a [0, 1] sample: round(clamp(v)·255), halves up (see the header). */
export function quantize01(v: number): number {
  const q = Math.round(v * 255);
  return q < 0 ? 0 : q > 255 ? 255 : q;
}

/** RGBA8 (ImageData / canvas / decoded frame layout) → planar float [0,1]; alpha ignored. */
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

/**
 * RGB24 (ffmpeg rawvideo rgb24) → planar float [0,1]. `stride`: pixels per source row, when the
 * frame is the top-left width×height of a larger (padded) one.
 */
export function fromRgb24(rgb: Uint8Array, width: number, height: number, stride = width): ImageF32 {
  if (stride < width || rgb.length < ((height - 1) * stride + width) * 3) throw new RangeError('RGB buffer smaller than width×height×3');
  const img = createImage(width, height, 3);
  const plane = width * height;
  const d = img.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * stride + x) * 3;
      const i = y * width + x;
      d[i] = rgb[s] / 255;
      d[plane + i] = rgb[s + 1] / 255;
      d[2 * plane + i] = rgb[s + 2] / 255;
    }
  }
  return img;
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

/**
 * Planar float → RGB24 (ffmpeg rawvideo input), at padW×padH ≥ its size with the last column and
 * row replicated into the padding (yuv420p needs even sizes; replicated edges cost the encoder nothing).
 */
export function toRgb24(img: ImageF32, padW = img.width, padH = img.height): Uint8Array {
  const { width: w, height: h, data } = img;
  const plane = w * h;
  const out = new Uint8Array(padW * padH * 3);
  for (let y = 0; y < padH; y++) {
    const sy = y < h ? y : h - 1;
    for (let x = 0; x < padW; x++) {
      const s = sy * w + (x < w ? x : w - 1);
      const o = (y * padW + x) * 3;
      out[o] = quantize01(data[s]);
      out[o + 1] = quantize01(data[plane + s]);
      out[o + 2] = quantize01(data[2 * plane + s]);
    }
  }
  return out;
}

/** Quantise every sample to the uint8 grid, staying in float form (k/255): the pipeline's "Quantise" stage. */
export function quantizeImage(img: ImageF32): ImageF32 {
  const out = createImage(img.width, img.height, img.channels);
  out.data.set(quantizeValues(img.data));
  return out;
}

/** quantizeImage on a bare array (CPU reference of convert.wgsl's quantize). */
export function quantizeValues(src: Float32Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = quantize01(src[i]) / 255;
  return out;
}

/** Planar RGB f32 → RGBA8 words (CPU reference of convert.wgsl's pack_rgba8); `pixels` = plane size. */
export function packRgba8(src: Float32Array, pixels: number): Uint32Array {
  const out = new Uint32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    out[i] = (quantize01(src[i]) | (quantize01(src[pixels + i]) << 8) | (quantize01(src[2 * pixels + i]) << 16) | (255 << 24)) >>> 0;
  }
  return out;
}

/** RGBA8 words (pack_rgba8's output) viewed as a frame, no copy. */
export function wordsToFrame(words: Uint32Array, width: number, height: number): RgbaFrame {
  return { width, height, data: new Uint8ClampedArray(words.buffer, words.byteOffset, width * height * 4) };
}

/** rgb24 → RGBA8 with opaque alpha. */
export function rgb24ToRgba(rgb: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const px = rgb.length / 3;
  const out = new Uint8ClampedArray(px * 4);
  for (let i = 0; i < px; i++) {
    out[4 * i] = rgb[3 * i];
    out[4 * i + 1] = rgb[3 * i + 1];
    out[4 * i + 2] = rgb[3 * i + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

/** RGBA8 → rgb24 (alpha dropped). */
export function rgbaToRgb24(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const px = rgba.length >> 2;
  const out = new Uint8Array(px * 3);
  for (let i = 0; i < px; i++) {
    out[3 * i] = rgba[4 * i];
    out[3 * i + 1] = rgba[4 * i + 1];
    out[3 * i + 2] = rgba[4 * i + 2];
  }
  return out;
}

/** A planar float image as a frame (quantised by the rule above). */
export function frameOf(img: ImageF32): RgbaFrame {
  return { width: img.width, height: img.height, data: toRgba8(img) };
}

/** A frame as a planar float image. */
export function imageOf(frame: RgbaFrame): ImageF32 {
  return fromRgba8(frame.data, frame.width, frame.height);
}
