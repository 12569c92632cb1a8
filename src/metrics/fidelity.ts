/**
 * Two fidelity measures PSNR and SSIM do not show on their own (the quality benchmark, issue 11):
 *
 * - **Colour shift**: per RGB channel, mean(output) − mean(reference) in 8-bit levels, over the
 *   window left after dropping `cropBorder` pixels at every edge. A net that recolours (a blue cast,
 *   a background hue change) shows it here even when the PSNR loss is small; ±0.5 is within the
 *   rounding of an 8-bit output.
 * - **Temporal flicker** on luma: the mean over pixels of |(Yout_t − Yout_{t−1}) − (Yref_t − Yref_{t−1})|,
 *   in 8-bit levels (BT.601 Y of color.ts, 0–255 scale), over the same window. It is the error of the
 *   frame-to-frame change: zero when the output changes exactly as the reference does (also when a
 *   static error stays put), large when detail shimmers or jumps between frames that the reference
 *   keeps stable. No motion compensation: a consistent error that moves with the content counts,
 *   which is why it is compared between methods on the same clips rather than read alone.
 */
import type { ImageF32 } from '../core/image';
import { checkCropBorder, rgbToY, type PlaneF32 } from './color';
import type { CropOptions } from './psnr';

function assertSameSize(a: { width: number; height: number }, b: { width: number; height: number }): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`image sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
}

/** Mean of one channel plane (values in [0, 1]) over the cropped window. */
function windowMean(p: Float32Array, width: number, height: number, c: number): number {
  let sum = 0;
  for (let y = c; y < height - c; y++) {
    const row = y * width;
    for (let x = c; x < width - c; x++) sum += p[row + x];
  }
  return sum / ((width - 2 * c) * (height - 2 * c));
}

/** [ΔR, ΔG, ΔB]: mean(out) − mean(ref) per channel, in 8-bit levels (images in [0, 1]). */
export function colorShift(out: ImageF32, ref: ImageF32, opts: CropOptions = {}): [number, number, number] {
  assertSameSize(out, ref);
  if (out.channels !== 3 || ref.channels !== 3) throw new RangeError('colorShift needs 3-channel images');
  const { width, height } = out;
  const c = checkCropBorder(opts.cropBorder, width, height);
  const plane = width * height;
  const d = [0, 0, 0] as [number, number, number];
  for (let ch = 0; ch < 3; ch++) {
    const o = out.data.subarray(ch * plane, (ch + 1) * plane);
    const r = ref.data.subarray(ch * plane, (ch + 1) * plane);
    d[ch] = 255 * (windowMean(o, width, height, c) - windowMean(r, width, height, c));
  }
  return d;
}

/** One step of the flicker measure on luma planes (0–255 scale): mean |(a1 − a0) − (b1 − b0)|. */
export function flickerStepPlane(outPrev: PlaneF32, outCur: PlaneF32, refPrev: PlaneF32, refCur: PlaneF32, opts: CropOptions = {}): number {
  for (const p of [outCur, refPrev, refCur]) assertSameSize(outPrev, p);
  const { width, height } = outPrev;
  const c = checkCropBorder(opts.cropBorder, width, height);
  let sum = 0;
  for (let y = c; y < height - c; y++) {
    const row = y * width;
    for (let x = c; x < width - c; x++) {
      const i = row + x;
      sum += Math.abs(outCur.data[i] - outPrev.data[i] - (refCur.data[i] - refPrev.data[i]));
    }
  }
  return sum / ((width - 2 * c) * (height - 2 * c));
}

/**
 * Temporal flicker of a clip (see the header): the mean of flickerStepPlane over t = 1 … T−1 on
 * BT.601 Y. NaN for a clip of one frame (no change to measure).
 */
export function temporalFlickerY(out: readonly ImageF32[], ref: readonly ImageF32[], opts: CropOptions = {}): number {
  if (out.length !== ref.length) throw new RangeError(`clips differ in length: ${out.length} vs ${ref.length}`);
  if (out.length < 2) return NaN;
  let prevO = rgbToY(out[0]);
  let prevR = rgbToY(ref[0]);
  let sum = 0;
  for (let t = 1; t < out.length; t++) {
    const o = rgbToY(out[t]);
    const r = rgbToY(ref[t]);
    sum += flickerStepPlane(prevO, o, prevR, r, opts);
    prevO = o;
    prevR = r;
  }
  return sum / (out.length - 1);
}
