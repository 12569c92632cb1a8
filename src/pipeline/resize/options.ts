/**
 * What a resize is: the methods, their options and the output-size rule shared
 * by the Down stage (issue 3), the bicubic baseline of the compare views, the
 * CPU reference and the WGSL kernels.
 *
 * Semantics follow PyTorch's `F.interpolate(x, size=(outH, outW), mode=…,
 * align_corners=False)` so the training side (PyTorch) and this app agree:
 *  - source coordinate of output sample i: (i + 0.5) · in/out − 0.5 (half-pixel centres);
 *    the scale is in/out from the *sizes* (as `size=` does; `scale_factor=` without
 *    `recompute_scale_factor` would use 1/factor instead — identical when out = in/factor exactly);
 *  - borders replicate (indices clamp to [0, size−1]);
 *  - bilinear: 2 taps; bicubic: Keys cubic convolution with a = −0.75 over 4 taps
 *    (PyTorch `bicubic` / OpenCV `INTER_CUBIC`), no clamping of the result (it can overshoot
 *    [0, 1] at edges; the Quantise stage clamps);
 *  - `antialias: true` = PyTorch `antialias=True` (= PIL's resample filters): when downscaling
 *    by s the kernel is widened by s (triangle of support s for bilinear, Keys a = −0.5 of
 *    support 2s for bicubic), taps that fall outside the image are dropped and the rest
 *    renormalised (instead of replicating the border).
 *  - area: by default coverage-weighted box average (`areaMode: 'coverage'`, OpenCV
 *    `INTER_AREA`): output i averages the input over [i·s, (i+1)·s), a partly covered input
 *    pixel counting by its covered fraction — exact for any factor. `areaMode: 'torch'` gives
 *    PyTorch's `mode='area'` (adaptive average pooling: the plain mean of input pixels
 *    floor(i·in/out) … ceil((i+1)·in/out)−1, partly covered ones counting fully). Both agree
 *    whenever in/out is an integer (the paper's ×1/4).
 */

export const RESIZE_METHODS = ['area', 'bilinear', 'bicubic'] as const;
export type ResizeMethod = (typeof RESIZE_METHODS)[number];

/**
 * Every filter the resampler runs: the Down stage's methods plus 'lanczos3', Lanczos with a = 3
 * (sinc(x)·sinc(x/3) for |x| < 3) as PIL's Image.LANCZOS computes it — widened by the factor
 * when downscaling (antialiased), 6 taps when upscaling, taps outside the image dropped and the
 * rest renormalised (the antialias rule above). It is the output resampler of the Upscale tab's
 * output sizes and `vqdsr upscale --scale/--fit`, `vqdsr enhance` (src/pipeline/vsr/output-size.ts),
 * not a Down stage method: the paper's Down is PyTorch's interpolate, which has no Lanczos.
 */
export const RESAMPLE_FILTERS = [...RESIZE_METHODS, 'lanczos3'] as const;
export type ResampleFilter = (typeof RESAMPLE_FILTERS)[number];

/** Lanczos lobes of 'lanczos3'. */
export const LANCZOS_A = 3;

export type AreaMode = 'coverage' | 'torch';

export interface ResizeOptions {
  /** Widen bilinear/bicubic kernels by the downscale factor (PyTorch antialias=True, PIL). Default false. Ignored by area. */
  antialias?: boolean;
  /** Which box average `area` means; default 'coverage'. Ignored by bilinear/bicubic. */
  areaMode?: AreaMode;
}

/** Keys' cubic parameter PyTorch/OpenCV use for plain bicubic. */
export const BICUBIC_A = -0.75;
/** Keys' cubic parameter PyTorch (antialias=True), PIL and MATLAB use. */
export const BICUBIC_A_ANTIALIAS = -0.5;

/** The Down stage's factor range (the slider). */
export const DOWN_FACTOR_MIN = 1;
export const DOWN_FACTOR_MAX = 4;

export function isResizeMethod(v: unknown): v is ResizeMethod {
  return typeof v === 'string' && (RESIZE_METHODS as readonly string[]).includes(v);
}

export function isResampleFilter(v: unknown): v is ResampleFilter {
  return typeof v === 'string' && (RESAMPLE_FILTERS as readonly string[]).includes(v);
}

/**
 * Output size when shrinking `size` by `factor`: round(size / factor), halves rounding up,
 * at least 1. E.g. 1920 / 4 → 480, 97 / 2 → 49, 96 / 1.5 → 64.
 */
export function downscaledSize(size: number, factor: number): number {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`bad size ${size}`);
  if (!Number.isFinite(factor) || factor <= 0) throw new RangeError(`bad downscale factor ${factor}`);
  return Math.max(1, Math.round(size / factor));
}

/** Output size when enlarging `size` by `factor` (e.g. the ×4 bicubic baseline): round(size · factor), at least 1. */
export function upscaledSize(size: number, factor: number): number {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`bad size ${size}`);
  if (!Number.isFinite(factor) || factor <= 0) throw new RangeError(`bad upscale factor ${factor}`);
  return Math.max(1, Math.round(size * factor));
}

/** Throws a RangeError naming what is wrong with a resize request. */
export function checkResize(inW: number, inH: number, outW: number, outH: number, method: unknown): asserts method is ResampleFilter {
  for (const [name, v] of [['input width', inW], ['input height', inH], ['output width', outW], ['output height', outH]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resize: ${name} must be a positive integer, got ${v}`);
  }
  if (!isResampleFilter(method)) throw new RangeError(`resize: unknown method ${String(method)} (expected ${RESAMPLE_FILTERS.join(', ')})`);
}
