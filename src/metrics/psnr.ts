/**
 * PSNR with the conventions SR papers report (BasicSR's calculate_psnr, which
 * matches the MATLAB scripts): peak 255, optional border crop, either on the
 * BT.601 Y channel (test_y_channel=True, Y not rounded) or on all RGB channels
 * together. Identical inputs give +Infinity, as BasicSR returns float('inf').
 */
import type { ImageF32 } from '../core/image';
import { checkCropBorder, rgbToY, type PlaneF32 } from './color';

export interface CropOptions {
  /** Pixels dropped at every edge before measuring (BasicSR crop_border; usually the SR scale). */
  cropBorder?: number;
}

function assertSameSize(a: { width: number; height: number }, b: { width: number; height: number }): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`image sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
}

/** PSNR in dB from a mean squared error on the 0–255 scale. */
function psnrFromMse(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Mean of squared differences over the cropped window of two same-size planes, times `scale`². */
function croppedMse(a: Float32Array, b: Float32Array, width: number, height: number, c: number, scale: number): number {
  let sum = 0;
  for (let y = c; y < height - c; y++) {
    const row = y * width;
    for (let x = c; x < width - c; x++) {
      const d = (a[row + x] - b[row + x]) * scale;
      sum += d * d;
    }
  }
  return sum / ((width - 2 * c) * (height - 2 * c));
}

/** PSNR of two single-channel planes already on the 0–255 scale (e.g. from rgbToY). */
export function psnrPlane(a: PlaneF32, b: PlaneF32, opts: CropOptions = {}): number {
  assertSameSize(a, b);
  const c = checkCropBorder(opts.cropBorder, a.width, a.height);
  return psnrFromMse(croppedMse(a.data, b.data, a.width, a.height, c, 1));
}

/** PSNR on the Y channel (MATLAB rgb2ycbcr), images in [0, 1], peak 255. */
export function psnrY(a: ImageF32, b: ImageF32, opts: CropOptions = {}): number {
  assertSameSize(a, b);
  return psnrPlane(rgbToY(a), rgbToY(b), opts);
}

/** PSNR over R, G and B together (one MSE over all three channels), images in [0, 1], peak 255. */
export function psnrRgb(a: ImageF32, b: ImageF32, opts: CropOptions = {}): number {
  assertSameSize(a, b);
  if (a.channels !== 3 || b.channels !== 3) throw new RangeError('psnrRgb needs 3-channel images');
  const { width, height } = a;
  const c = checkCropBorder(opts.cropBorder, width, height);
  const plane = width * height;
  let mse = 0;
  for (let ch = 0; ch < 3; ch++) {
    const pa = a.data.subarray(ch * plane, (ch + 1) * plane);
    const pb = b.data.subarray(ch * plane, (ch + 1) * plane);
    mse += croppedMse(pa, pb, width, height, c, 255);
  }
  return psnrFromMse(mse / 3);
}
