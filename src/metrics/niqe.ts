/**
 * NIQE (Mittal, Soundararajan & Bovik, "Making a 'Completely Blind' Image
 * Quality Analyzer", 2012): a no-reference score — lower is more natural — that
 * fits a multivariate Gaussian to natural-scene statistics of the image and
 * measures its distance to the MVG of a pristine corpus.
 *
 * This follows the MATLAB release as BasicSR re-implements it
 * (basicsr/metrics/niqe.py, calculate_niqe with convert_to='y'), step for step:
 *  1. Y of BT.601 (MATLAB rgb2ycbcr, 0–255), border crop, then rounded to integers
 *     (half to even, as numpy's round) — BasicSR does this to agree with MATLAB.
 *  2. Crop to whole 96×96 blocks, anchored top-left.
 *  3. For scale 1 and scale 2 (the second made by MATLAB bicubic ×0.5 with
 *     antialiasing): MSCN coefficients (I − μ)/(σ + 1) with the 7×7 Gaussian
 *     window, replicate borders; per block (96×96, then 48×48) 18 features: a GGD
 *     fit (α, mean β) of the MSCN values and AGGD fits (α, mean, β_l, β_r) of their
 *     products with the right/down/down-right/down-left neighbour (wrapping inside
 *     the block, like numpy.roll).
 *  4. Mean of the 36-dim features over blocks (ignoring NaN) and their covariance
 *     (over blocks without NaN); NIQE = sqrt(Δᵀ·pinv((Σ_p + Σ)/2)·Δ), Δ = μ_p − μ.
 *
 * BasicSR keeps its arrays in float32, and in flat regions and smooth ramps
 * (common in animation) the MSCN coefficients are rounding noise: whether one is
 * exactly 0 or ±1 ulp decides which AGGD side it counts on. So the float32
 * rounding of the MSCN stage (Math.fround) and the float32 tap sums of BasicSR's
 * resize are reproduced; summing the resize in float64 instead moves the score
 * of a smooth fixture by ~0.01.
 *
 * Where BasicSR has no answer: with a single usable block its np.cov divides by
 * N − 1 = 0 and pinv fails — here, as MATLAB's nancov does, the covariance of one
 * observation is 0 and the score stays finite; when no block has finite features
 * (e.g. a flat frame: all MSCN coefficients 0) the result is NaN. Frames smaller
 * than one 96×96 block have no NIQE (RangeError).
 *
 * Pristine model (niqe_pris_params.json: mu_pris_param 1×36, cov_pris_param
 * 36×36, gaussian_window 7×7): data from BasicSR's niqe_pris_params.npz
 * (XPixelGroup/BasicSR, Apache-2.0), itself from the MATLAB NIQE release.
 */
import type { ImageF32 } from '../core/image';
import { checkCropBorder, cropPlane, rgba8ToY, rgbToY, type PlaneF32 } from './color';
import { pinvSymmetric } from './linalg';
import { imresizePlane } from './matlab-imresize';
import pristine from './niqe_pris_params.json';

export interface NiqeOptions {
  /** Pixels dropped at every edge before measuring (BasicSR crop_border). */
  cropBorder?: number;
}

const BLOCK = 96;
const FEATURES_PER_SCALE = 18;
const FEATURES = 2 * FEATURES_PER_SCALE;

const MU_PRISTINE = Float64Array.from(pristine.mu_pris_param[0]);
const COV_PRISTINE = Float64Array.from(pristine.cov_pris_param.flat());
const WIN_R = 3; // 7×7 window

/**
 * The 7×7 window as its 1-D factor: for a separable window normalised to 1,
 * w[i][j] = r[i]·r[j] with r the row sums. Verified here (it is fixed data)
 * so that the separable MSCN filter is exactly the 2-D one up to float64 rounding.
 */
const WINDOW_1D = (() => {
  const w2 = pristine.gaussian_window;
  const r = Float64Array.from(w2, (row) => row.reduce((a, b) => a + b, 0));
  for (let i = 0; i < 7; i++) {
    if (Math.abs(r[i] - r[6 - i]) > 1e-15) throw new Error('NIQE window is not symmetric');
    for (let j = 0; j < 7; j++) {
      if (Math.abs(w2[i][j] - r[i] * r[j]) > 1e-15) throw new Error('NIQE window is not separable');
    }
  }
  return r;
})();

// ---------------------------------------------------------------- gamma function

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Γ(x) for real x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits), reflection below ½. */
export function gammaFn(x: number): number {
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gammaFn(1 - x));
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * s;
}

// ------------------------------------------------------- AGGD shape lookup table

/** Shape grid α = 0.2, 0.201, …, 10 (numpy.arange(0.2, 10.001, 0.001)) and ρ(α) = Γ(2/α)²/(Γ(1/α)Γ(3/α)). */
let shapeGrid: { alpha: Float64Array; rho: Float64Array } | undefined;
export function aggdShapeGrid(): { readonly alpha: Float64Array; readonly rho: Float64Array } {
  if (!shapeGrid) {
    const n = 9801;
    const alpha = new Float64Array(n);
    const rho = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = 0.2 + i * 0.001;
      const r = 1 / a;
      alpha[i] = a;
      rho[i] = gammaFn(2 * r) ** 2 / (gammaFn(r) * gammaFn(3 * r));
    }
    shapeGrid = { alpha, rho };
  }
  return shapeGrid;
}

/** Index of the grid ρ closest to `target` — numpy's argmin((ρ − target)²), first index on ties, 0 for NaN. */
function nearestShape(target: number): number {
  if (Number.isNaN(target)) return 0;
  const { rho } = aggdShapeGrid();
  // ρ rises strictly with α (checked by the tests), so bisect for the first ρ ≥ target.
  let lo = 0;
  let hi = rho.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rho[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo === rho.length) return rho.length - 1;
  if (lo === 0) return 0;
  const below = (rho[lo - 1] - target) ** 2;
  const above = (rho[lo] - target) ** 2;
  return below <= above ? lo - 1 : lo;
}

/**
 * Moment-matching AGGD fit (BasicSR estimate_aggd_param) from one pass of sums
 * over n samples: α by nearest ρ on the grid, β_l/β_r from the one-sided RMS.
 * The scalar steps are float32, as numpy computes them on a float32 block; a
 * side with no samples gives NaN (and α = 0.2, numpy's argmin over NaN).
 * Writes α, β_l, β_r to out[0..2].
 */
function fitAggd(
  n: number,
  nNeg: number,
  nPos: number,
  sumSqNeg: number,
  sumSqPos: number,
  sumAbs: number,
  sumSq: number,
  out: Float64Array,
): void {
  const f = Math.fround;
  const leftStd = f(Math.sqrt(f(sumSqNeg / nNeg)));
  const rightStd = f(Math.sqrt(f(sumSqPos / nPos)));
  const g = f(leftStd / rightStd);
  const meanAbs = f(sumAbs / n);
  const rhat = f(f(meanAbs * meanAbs) / f(sumSq / n));
  const g3p1 = f(f(f(g * g) * g) + 1);
  const g2p1 = f(f(g * g) + 1);
  const rhatNorm = f(f(f(rhat * g3p1) * f(g + 1)) / f(g2p1 * g2p1));
  const alpha = aggdShapeGrid().alpha[nearestShape(rhatNorm)];
  const k = Math.sqrt(gammaFn(1 / alpha) / gammaFn(3 / alpha));
  out[0] = alpha;
  out[1] = leftStd * k;
  out[2] = rightStd * k;
}

// ------------------------------------------------------------------- MSCN stage

/**
 * MSCN coefficients (I − μ)/(σ + 1), μ and σ² from the 7×7 window with replicated
 * borders (scipy.ndimage.convolve mode='nearest'), each stored step rounded to
 * float32 as BasicSR's arrays are. The window is a separable, symmetric Gaussian
 * (checked when this module loads), so each output row is a 7-tap vertical pass
 * into a line buffer followed by a 7-tap horizontal pass: 28 instead of 98
 * multiply-adds per pixel, sums in float64 like scipy's.
 */
function mscn(img: Float32Array, w: number, h: number): Float32Array {
  const f = Math.fround;
  const K = WINDOW_1D;
  const out = new Float32Array(img.length);
  const colM = new Float64Array(w);
  const colM2 = new Float64Array(w);
  const rows = new Int32Array(7);
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < 7; k++) rows[k] = Math.min(h - 1, Math.max(0, y + k - WIN_R)) * w;
    for (let x = 0; x < w; x++) {
      let m = 0;
      let m2 = 0;
      for (let k = 0; k < 7; k++) {
        const v = img[rows[k] + x];
        m += K[k] * v;
        m2 += K[k] * f(v * v);
      }
      colM[x] = m;
      colM2[x] = m2;
    }
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let m = 0;
      let m2 = 0;
      if (x >= WIN_R && x < w - WIN_R) {
        for (let k = 0; k < 7; k++) {
          m += K[k] * colM[x + k - WIN_R];
          m2 += K[k] * colM2[x + k - WIN_R];
        }
      } else {
        for (let k = 0; k < 7; k++) {
          const xi = Math.min(w - 1, Math.max(0, x + k - WIN_R));
          m += K[k] * colM[xi];
          m2 += K[k] * colM2[xi];
        }
      }
      const mu = f(m);
      const sigma = f(Math.sqrt(Math.abs(f(f(m2) - f(mu * mu)))));
      out[row + x] = f(f(img[row + x] - mu) / f(sigma + 1));
    }
  }
  return out;
}

/** np.roll shifts (rows, columns) whose products with the block give the 4 pairwise features. */
const NEIGHBOUR_SHIFTS = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
] as const;

/**
 * The 18 features of one size×size block at (bx, by) of an MSCN plane, written
 * to out[offset..offset+17]. Each AGGD fit is one pass of running sums: no
 * per-block arrays.
 */
function blockFeatures(m: Float32Array, stride: number, bx: number, by: number, size: number, fit: Float64Array, out: Float64Array, offset: number): void {
  const f = Math.fround;
  const n = size * size;
  let nNeg = 0, nPos = 0, sumSqNeg = 0, sumSqPos = 0, sumAbs = 0, sumSq = 0;
  for (let y = 0; y < size; y++) {
    const row = (by + y) * stride + bx;
    for (let x = 0; x < size; x++) {
      const v = m[row + x];
      const sq = f(v * v);
      sumAbs += Math.abs(v);
      sumSq += sq;
      if (v < 0) {
        nNeg++;
        sumSqNeg += sq;
      } else if (v > 0) {
        nPos++;
        sumSqPos += sq;
      }
    }
  }
  fitAggd(n, nNeg, nPos, sumSqNeg, sumSqPos, sumAbs, sumSq, fit);
  out[offset] = fit[0];
  out[offset + 1] = (fit[1] + fit[2]) / 2;

  for (let s = 0; s < 4; s++) {
    // np.roll(block, (dy, dx)) pairs block[y][x] with block[y−dy][x−dx], wrapping inside the block.
    const [dy, dx] = NEIGHBOUR_SHIFTS[s];
    nNeg = nPos = sumSqNeg = sumSqPos = sumAbs = sumSq = 0;
    for (let y = 0; y < size; y++) {
      const row = (by + y) * stride + bx;
      const yn = y - dy < 0 ? y - dy + size : y - dy;
      const rowN = (by + yn) * stride + bx;
      for (let x = 0; x < size; x++) {
        let xn = x - dx;
        if (xn < 0) xn += size;
        else if (xn >= size) xn -= size;
        const v = f(m[row + x] * m[rowN + xn]);
        const sq = f(v * v);
        sumAbs += Math.abs(v);
        sumSq += sq;
        if (v < 0) {
          nNeg++;
          sumSqNeg += sq;
        } else if (v > 0) {
          nPos++;
          sumSqPos += sq;
        }
      }
    }
    fitAggd(n, nNeg, nPos, sumSqNeg, sumSqPos, sumAbs, sumSq, fit);
    const alpha = fit[0];
    const o = offset + 2 + 4 * s;
    out[o] = alpha;
    out[o + 1] = (fit[2] - fit[1]) * (gammaFn(2 / alpha) / gammaFn(1 / alpha));
    out[o + 2] = fit[1];
    out[o + 3] = fit[2];
  }
}

// ------------------------------------------------------------------------ NIQE

/** numpy.round: to nearest, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * NIQE of a luma plane on the 0–255 scale (as produced by rgbToY; it is cropped,
 * rounded to integers and cut to whole 96×96 blocks here).
 */
export function niqeFromLuma(luma: PlaneF32, opts: NiqeOptions = {}): number {
  const cropped = cropPlane(luma, checkCropBorder(opts.cropBorder, luma.width, luma.height));
  const blocksX = Math.floor(cropped.width / BLOCK);
  const blocksY = Math.floor(cropped.height / BLOCK);
  if (blocksX === 0 || blocksY === 0) {
    throw new RangeError(`NIQE needs at least ${BLOCK}×${BLOCK} pixels, got ${cropped.width}×${cropped.height}`);
  }
  let w = blocksX * BLOCK;
  let h = blocksY * BLOCK;
  let img: Float32Array = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) img[y * w + x] = roundHalfEven(cropped.data[y * cropped.width + x]);
  }

  const nBlocks = blocksX * blocksY;
  const feats = new Float64Array(nBlocks * FEATURES);
  const fit = new Float64Array(3);
  for (let scale = 1; scale <= 2; scale++) {
    const m = mscn(img, w, h);
    const size = BLOCK / scale;
    // BasicSR walks blocks column by column; the order only matters for summation order.
    for (let bx = 0, b = 0; bx < blocksX; bx++) {
      for (let by = 0; by < blocksY; by++, b++) {
        blockFeatures(m, w, bx * size, by * size, size, fit, feats, b * FEATURES + (scale - 1) * FEATURES_PER_SCALE);
      }
    }
    if (scale === 1) {
      // BasicSR: imresize(img / 255., 0.5) * 255., all in float32 (see matlab-imresize.ts on why it matters).
      const unit = new Float32Array(img.length);
      for (let i = 0; i < img.length; i++) unit[i] = img[i] / 255;
      const half = imresizePlane({ width: w, height: h, data: unit }, 0.5, { float32Accumulation: true });
      w = half.width;
      h = half.height;
      img = half.data;
      for (let i = 0; i < img.length; i++) img[i] = img[i] * 255;
    }
  }
  return niqeDistance(feats, nBlocks);
}

/** MVG fit of the block features and the NIQE distance to the pristine model. */
function niqeDistance(feats: Float64Array, nBlocks: number): number {
  const n = FEATURES;
  const mu = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    let c = 0;
    for (let b = 0; b < nBlocks; b++) {
      const v = feats[b * n + j];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    mu[j] = s / c; // NaN when the column has no finite value, as numpy.nanmean
  }

  const valid: number[] = [];
  for (let b = 0; b < nBlocks; b++) {
    let ok = true;
    for (let j = 0; j < n && ok; j++) ok = !Number.isNaN(feats[b * n + j]);
    if (ok) valid.push(b);
  }
  if (valid.length === 0 || mu.some(Number.isNaN)) return NaN;
  const mean = new Float64Array(n);
  for (const b of valid) for (let j = 0; j < n; j++) mean[j] += feats[b * n + j];
  for (let j = 0; j < n; j++) mean[j] /= valid.length;
  const denom = valid.length > 1 ? valid.length - 1 : 1; // MATLAB's cov of one observation is 0
  const avg = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (const b of valid) s += (feats[b * n + i] - mean[i]) * (feats[b * n + j] - mean[j]);
      const v = (COV_PRISTINE[i * n + j] + s / denom) / 2;
      avg[i * n + j] = v;
      avg[j * n + i] = v;
    }
  }
  const inv = pinvSymmetric(avg, n);
  let q = 0;
  for (let i = 0; i < n; i++) {
    const di = MU_PRISTINE[i] - mu[i];
    let row = 0;
    for (let j = 0; j < n; j++) row += inv[i * n + j] * (MU_PRISTINE[j] - mu[j]);
    q += di * row;
  }
  return Math.sqrt(q);
}

/** NIQE of a planar RGB image in [0, 1] (Y channel, as BasicSR calculate_niqe(convert_to='y')). */
export function niqe(img: ImageF32, opts: NiqeOptions = {}): number {
  return niqeFromLuma(rgbToY(img), opts);
}

/** NIQE of interleaved RGBA8 pixels (canvas ImageData / decoded frame layout). */
export function niqeRgba8(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, opts: NiqeOptions = {}): number {
  return niqeFromLuma(rgba8ToY(rgba, width, height), opts);
}
