/**
 * Luma (Y of BT.601 YCbCr, studio swing) exactly as MATLAB's `rgb2ycbcr` and
 * BasicSR's `to_y_channel` compute it, because the SR literature's PSNR/SSIM/NIQE
 * numbers are all measured on that Y:
 *
 *   Y = 16 + 65.481·R + 128.553·G + 24.966·B,   R, G, B in [0, 1]  →  Y in [16, 235]
 *
 * on a 0–255 scale, not rounded (callers that need MATLAB's uint8 Y round it).
 *
 * BasicSR runs this in a particular float mix — float32 RGB, a float64 dot
 * product (B, G, R order), a float32 trip through /255 and ·255 — and NIQE is
 * sensitive to the last bit in flat regions (it rounds Y afterwards, and a value
 * sitting on .5 rounds differently), so the same steps are reproduced here with
 * Math.fround rather than computed "more exactly".
 */
import type { ImageF32 } from '../core/image';

/** A single-channel float plane, row-major: data[y * width + x]. */
export interface PlaneF32 {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Coefficients of MATLAB rgb2ycbcr's Y row (inputs in [0, 1], output on the 0–255 scale). */
export const BT601_Y = { r: 65.481, g: 128.553, b: 24.966, offset: 16 } as const;

/** Y of one pixel whose R, G, B are float32 values in [0, 1]; BasicSR's arithmetic. */
export function lumaOf(r: number, g: number, b: number): number {
  const y = b * BT601_Y.b + g * BT601_Y.g + r * BT601_Y.r + BT601_Y.offset;
  return Math.fround(Math.fround(y / 255) * 255);
}

/** Y plane (0–255 scale, [16, 235] for in-range input) of a planar RGB ImageF32 in [0, 1]. */
export function rgbToY(img: ImageF32): PlaneF32 {
  if (img.channels !== 3) throw new RangeError(`rgbToY needs 3 channels, got ${img.channels}`);
  const { width, height, data } = img;
  const plane = width * height;
  const out = new Float32Array(plane);
  for (let i = 0; i < plane; i++) out[i] = lumaOf(data[i], data[plane + i], data[2 * plane + i]);
  return { width, height, data: out };
}

/** Y plane of interleaved RGBA8 (canvas ImageData layout; alpha ignored). */
export function rgba8ToY(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): PlaneF32 {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`bad image size ${width}×${height}`);
  }
  if (rgba.length < width * height * 4) throw new RangeError('RGBA buffer smaller than width×height×4');
  // uint8 → float32 in [0, 1] once per level, as BasicSR's img.astype(float32) / 255.
  const level = new Float32Array(256);
  for (let v = 0; v < 256; v++) level[v] = v / 255;
  const plane = width * height;
  const out = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    out[i] = lumaOf(level[rgba[i * 4]], level[rgba[i * 4 + 1]], level[rgba[i * 4 + 2]]);
  }
  return { width, height, data: out };
}

/** Validates a crop border for a width×height frame and returns it (0 when absent). */
export function checkCropBorder(cropBorder: number | undefined, width: number, height: number): number {
  const c = cropBorder ?? 0;
  if (!Number.isInteger(c) || c < 0) throw new RangeError(`cropBorder must be a non-negative integer, got ${c}`);
  if (2 * c >= width || 2 * c >= height) {
    throw new RangeError(`cropBorder ${c} leaves nothing of a ${width}×${height} frame`);
  }
  return c;
}

/** The inner (width−2c)×(height−2c) part of a plane: BasicSR's img[c:-c, c:-c]. */
export function cropPlane(p: PlaneF32, cropBorder: number): PlaneF32 {
  const c = checkCropBorder(cropBorder, p.width, p.height);
  if (c === 0) return p;
  const width = p.width - 2 * c;
  const height = p.height - 2 * c;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    data.set(p.data.subarray((y + c) * p.width + c, (y + c) * p.width + c + width), y * width);
  }
  return { width, height, data };
}
