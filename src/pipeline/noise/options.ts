/**
 * What noise is: the Noise stage's parameters, defaults, accepted ranges and the paper's
 * training distribution.
 *
 * Units — read this before wiring a slider:
 *  - `sigma` is in **8-bit levels (units of 1/255)**, as in the paper ("σ ∈ [0, 10]/255")
 *    and Real-ESRGAN's `noise_range`: sigma 10 means a standard deviation of 10/255 ≈ 0.039
 *    on the [0, 1] image. Both paths convert with `sigmaUnit(p)` = f32(sigma / 255).
 *  - `scale` (Poisson only) multiplies the Poisson deviation as Real-ESRGAN's
 *    `poisson_scale_range` [0.05, 3] does.
 *
 * Kinds:
 *  - gaussian: out = clip(x + σ·z, 0, 1), z ~ N(0, 1), one z per sample, or with `gray` one z
 *    per pixel shared by R, G and B (Real-ESRGAN's gray noise).
 *  - poisson: per sample (or, with `gray`, per pixel on the BT.601 luma
 *    Y = 0.299 R + 0.587 G + 0.114 B, the same deviation added to R, G, B):
 *    λ = 256·max(v, 0), K ~ Poisson(λ), out = clip(x + scale·(K/256 − v), 0, 1).
 *    Real-ESRGAN uses vals = 2^ceil(log2(#unique values)) for 256: data-dependent, and 256
 *    for any 8-bit frame with more than 128 distinct levels — so we fix vals = 256, which
 *    keeps every pixel independent and the GPU kernel a pure per-pixel map. K is exact
 *    (CDF inversion) for λ < 16 and a skew-corrected normal quantile above (see rng.ts).
 *  - none: out = x.
 * Randomness: the counter-based generator of core/rng.ts keyed by (seed, frame, pixel
 * y·W + x, channel 0–2 (0 for gray), draw), identical in WGSL.
 */

export const NOISE_KINDS = ['none', 'gaussian', 'poisson'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

export interface NoiseParams {
  kind: NoiseKind;
  /** Gaussian standard deviation in 8-bit levels (1/255 units): 10 ⇒ σ = 10/255 on [0, 1]. */
  sigma: number;
  /** One noise value per pixel shared by R, G, B (true) or independent per channel (false). */
  gray: boolean;
  /** Poisson strength: the deviation K/256 − v is multiplied by this. */
  scale: number;
}

/** Poisson counts are drawn at this many levels per unit intensity (Real-ESRGAN's vals for 8-bit frames). */
export const POISSON_LEVELS = 256;

export const DEFAULT_NOISE: Readonly<NoiseParams> = Object.freeze({ kind: 'gaussian', sigma: 5, gray: false, scale: 1 });

export const NOISE_LIMITS = Object.freeze({
  /** Paper range is 0–10; the slider goes to 50 for exploring. */
  sigma: [0, 50] as const,
  scale: [0, 5] as const,
});

/** Paper's training distribution: Gaussian, σ ∈ [0, 10]/255, gray with p 0.5. */
export const NOISE_PAPER = Object.freeze({ sigma: [0, 10] as const, grayProb: 0.5 });

export function isNoiseKind(v: unknown): v is NoiseKind {
  return typeof v === 'string' && (NOISE_KINDS as readonly string[]).includes(v);
}

/** σ on the [0, 1] scale as the f32 both the CPU and GPU paths use. */
export function sigmaUnit(p: NoiseParams): number {
  return Math.fround(p.sigma / 255);
}

/** Every problem with `p`, as messages naming the field; empty when valid. */
export function noiseParamErrors(p: NoiseParams): string[] {
  const errors: string[] = [];
  if (!isNoiseKind(p.kind)) errors.push(`noise.kind must be one of ${NOISE_KINDS.join(', ')} (got ${JSON.stringify(p.kind)})`);
  for (const name of ['sigma', 'scale'] as const) {
    const v = p[name];
    const [lo, hi] = NOISE_LIMITS[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) errors.push(`noise.${name} must be a finite number (got ${String(v)})`);
    else if (v < lo || v > hi) errors.push(`noise.${name} must be in [${lo}, ${hi}] (got ${v})`);
  }
  if (typeof p.gray !== 'boolean') errors.push(`noise.gray must be true or false (got ${JSON.stringify(p.gray)})`);
  return errors;
}

/** Draw noise parameters from the paper's training distribution. */
export function sampleNoiseParams(rng: { uniform(a: number, b: number): number; bool(p?: number): boolean }): NoiseParams {
  const sigma = rng.uniform(NOISE_PAPER.sigma[0], NOISE_PAPER.sigma[1]);
  return { kind: 'gaussian', sigma, gray: rng.bool(NOISE_PAPER.grayProb), scale: DEFAULT_NOISE.scale };
}
