/**
 * SSIM as BasicSR's calculate_ssim / the reference MATLAB ssim_index: 11×11
 * Gaussian window (σ = 1.5, normalised to sum 1), C1 = (0.01·255)², C2 = (0.03·255)²,
 * statistics only where the window fits inside the image ('valid', so the
 * result is (H−10)×(W−10) values) and the score is the plain mean of that map.
 * Y variant: on BT.601 Y (0–255, not rounded); RGB variant: mean of the three
 * per-channel scores, as BasicSR does for 3-channel input.
 *
 * The Gaussian is separable, so each of the five local sums (a, b, a², b², ab)
 * is filtered along rows once and then down columns through a ring of 11
 * row-filtered lines: memory stays O(11·W) instead of five full-frame buffers,
 * which matters for 1080p+ frames in a browser worker.
 */
import type { ImageF32 } from '../core/image';
import { checkCropBorder, cropPlane, rgbToY, type PlaneF32 } from './color';
import type { CropOptions } from './psnr';

const RADIUS = 5;
const TAPS = 2 * RADIUS + 1;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/** cv2.getGaussianKernel(11, 1.5): exp(−(i−5)²/(2σ²)), scaled to sum 1. */
function gaussian11(): Float64Array {
  const k = new Float64Array(TAPS);
  let sum = 0;
  for (let i = 0; i < TAPS; i++) {
    k[i] = Math.exp(-((i - RADIUS) ** 2) / (2 * 1.5 * 1.5));
    sum += k[i];
  }
  for (let i = 0; i < TAPS; i++) k[i] /= sum;
  return k;
}
const KERNEL = gaussian11();

/**
 * Mean SSIM of two same-size planes on the 0–255 scale (valid window positions only).
 * Both planes must be at least 11×11.
 */
export function ssimPlane(a: PlaneF32, b: PlaneF32, opts: CropOptions = {}): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`image sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
  checkCropBorder(opts.cropBorder, a.width, a.height);
  const pa = cropPlane(a, opts.cropBorder ?? 0);
  const pb = cropPlane(b, opts.cropBorder ?? 0);
  const { width: W, height: H } = pa;
  if (W < TAPS || H < TAPS) throw new RangeError(`SSIM needs at least ${TAPS}×${TAPS} pixels, got ${W}×${H}`);
  const outW = W - 2 * RADIUS;
  const outH = H - 2 * RADIUS;
  const da = pa.data;
  const db = pb.data;

  // ring[q][slot * outW + x]: row-filtered line of quantity q (a, b, a², b², ab).
  const ring = Array.from({ length: 5 }, () => new Float64Array(TAPS * outW));
  const [ra, rb, raa, rbb, rab] = ring;

  const filterRow = (y: number): void => {
    const slot = (y % TAPS) * outW;
    const row = y * W;
    for (let x = 0; x < outW; x++) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let k = 0; k < TAPS; k++) {
        const w = KERNEL[k];
        const va = da[row + x + k];
        const vb = db[row + x + k];
        sa += w * va;
        sb += w * vb;
        saa += w * va * va;
        sbb += w * vb * vb;
        sab += w * va * vb;
      }
      ra[slot + x] = sa;
      rb[slot + x] = sb;
      raa[slot + x] = saa;
      rbb[slot + x] = sbb;
      rab[slot + x] = sab;
    }
  };

  for (let y = 0; y < TAPS - 1; y++) filterRow(y);
  let total = 0;
  for (let oy = 0; oy < outH; oy++) {
    filterRow(oy + TAPS - 1);
    for (let x = 0; x < outW; x++) {
      let mu1 = 0, mu2 = 0, e11 = 0, e22 = 0, e12 = 0;
      for (let k = 0; k < TAPS; k++) {
        const w = KERNEL[k];
        const i = ((oy + k) % TAPS) * outW + x;
        mu1 += w * ra[i];
        mu2 += w * rb[i];
        e11 += w * raa[i];
        e22 += w * rbb[i];
        e12 += w * rab[i];
      }
      const mu1mu2 = mu1 * mu2;
      const mu1sq = mu1 * mu1;
      const mu2sq = mu2 * mu2;
      const sigma1sq = e11 - mu1sq;
      const sigma2sq = e22 - mu2sq;
      const sigma12 = e12 - mu1mu2;
      total += ((2 * mu1mu2 + C1) * (2 * sigma12 + C2)) / ((mu1sq + mu2sq + C1) * (sigma1sq + sigma2sq + C2));
    }
  }
  return total / (outW * outH);
}

/** SSIM on the Y channel (MATLAB rgb2ycbcr) of two RGB images in [0, 1]. */
export function ssimY(a: ImageF32, b: ImageF32, opts: CropOptions = {}): number {
  return ssimPlane(rgbToY(a), rgbToY(b), opts);
}

/** SSIM per R, G, B channel (values scaled to 0–255), averaged — BasicSR's 3-channel behaviour. */
export function ssimRgb(a: ImageF32, b: ImageF32, opts: CropOptions = {}): number {
  if (a.channels !== 3 || b.channels !== 3) throw new RangeError('ssimRgb needs 3-channel images');
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`image sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
  const { width, height } = a;
  const plane = width * height;
  let sum = 0;
  for (let ch = 0; ch < 3; ch++) {
    const to255 = (img: ImageF32): PlaneF32 => {
      const data = new Float32Array(plane);
      for (let i = 0; i < plane; i++) data[i] = img.data[ch * plane + i] * 255;
      return { width, height, data };
    };
    sum += ssimPlane(to255(a), to255(b), opts);
  }
  return sum / 3;
}
