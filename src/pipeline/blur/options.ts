/**
 * What a blur is: the Blur stage's parameters, their defaults, the ranges the sliders and the
 * validator accept, and the paper's training distribution (the "random" button).
 *
 * Kernel shapes follow Real-ESRGAN's degradations (BasicSR `bivariate_Gaussian`,
 * `bivariate_generalized_Gaussian`, `bivariate_plateau`), which AnimeSR and VQD-SR reuse:
 * with Σ = R(θ)·diag(σx², σy²)·R(θ)ᵀ and q(x, y) = [x y] Σ⁻¹ [x y]ᵀ on the integer grid
 * centred on the kernel,
 *   iso / aniso   k ∝ exp(−q/2)                 (iso: σy = σx, θ = 0)
 *   generalized   k ∝ exp(−q^β / 2)             (β = 1 is the Gaussian)
 *   plateau       k ∝ 1 / (1 + q^β)
 *   none          the identity (a centred delta)
 * each normalised to sum 1. x runs along columns, y along rows (the kernel is stored
 * row-major: tap (row i, col j) at index i·size + j, offset (x, y) = (j − r, i − r)).
 */

export const BLUR_KINDS = ['none', 'iso', 'aniso', 'generalized', 'plateau'] as const;
export type BlurKind = (typeof BLUR_KINDS)[number];

export interface BlurParams {
  kind: BlurKind;
  /** Standard deviation along the kernel's own x axis, in pixels. For 'iso' the only σ used. */
  sigmaX: number;
  /** Standard deviation along the kernel's own y axis (ignored by 'iso'). */
  sigmaY: number;
  /** Rotation of the (σx, σy) axes in radians: Σ = R(θ)·diag(σx², σy²)·R(θ)ᵀ, R = [[cos, −sin], [sin, cos]] as Real-ESRGAN's sigma_matrix2 (ignored by 'iso'). */
  theta: number;
  /** Shape exponent of 'generalized' and 'plateau' (ignored otherwise). */
  beta: number;
  /** Kernel side, odd; the paper uses 21. The WGSL kernel caches a 10-px apron, so at most 21. */
  size: number;
}

export const BLUR_SIZE_MAX = 21;

export const DEFAULT_BLUR: Readonly<BlurParams> = Object.freeze({
  kind: 'iso',
  sigmaX: 1.5,
  sigmaY: 1.5,
  theta: 0,
  beta: 1,
  size: 21,
});

/** What the sliders span and the validator accepts (wider than the paper, for exploring). */
export const BLUR_LIMITS = Object.freeze({
  sigmaX: [0.1, 6] as const,
  sigmaY: [0.1, 6] as const,
  theta: [-Math.PI, Math.PI] as const,
  /** Real-ESRGAN draws generalized β from [0.5, 4] and plateau β from [1, 2]; the slider spans both. */
  beta: [0.5, 4] as const,
  size: [1, BLUR_SIZE_MAX] as const,
});

/**
 * The paper's training distribution (VQD-SR / AnimeSR basic operators, see ANCHORS.md):
 * isotropic Gaussian with p 0.7, σ ∈ [0.2, 4]; anisotropic with p 0.3, σx ∈ [0.2, 4],
 * σy ∈ [0.8, 3], θ ∈ [−π, π]; 21×21.
 */
export const BLUR_PAPER = Object.freeze({
  kinds: ['iso', 'aniso'] as const,
  probs: [0.7, 0.3] as const,
  sigmaX: [0.2, 4] as const,
  sigmaY: [0.8, 3] as const,
  theta: [-Math.PI, Math.PI] as const,
  size: 21,
});

export function isBlurKind(v: unknown): v is BlurKind {
  return typeof v === 'string' && (BLUR_KINDS as readonly string[]).includes(v);
}

/** Every problem with `p`, as messages naming the field; empty when valid. */
export function blurParamErrors(p: BlurParams): string[] {
  const errors: string[] = [];
  if (!isBlurKind(p.kind)) errors.push(`blur.kind must be one of ${BLUR_KINDS.join(', ')} (got ${JSON.stringify(p.kind)})`);
  const inRange = (name: 'sigmaX' | 'sigmaY' | 'theta' | 'beta', v: number) => {
    const [lo, hi] = BLUR_LIMITS[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) errors.push(`blur.${name} must be a finite number (got ${String(v)})`);
    else if (v < lo || v > hi) errors.push(`blur.${name} must be in [${lo}, ${hi}] (got ${v})`);
  };
  inRange('sigmaX', p.sigmaX);
  inRange('sigmaY', p.sigmaY);
  inRange('theta', p.theta);
  inRange('beta', p.beta);
  if (!Number.isInteger(p.size) || p.size < 1 || p.size > BLUR_SIZE_MAX || p.size % 2 !== 1) {
    errors.push(`blur.size must be an odd integer in [1, ${BLUR_SIZE_MAX}] (got ${String(p.size)})`);
  }
  return errors;
}

/** Draw blur parameters from the paper's training distribution. */
export function sampleBlurParams(rng: { uniform(a: number, b: number): number; choice<T>(items: readonly T[], probs?: readonly number[]): T }): BlurParams {
  const kind = rng.choice(BLUR_PAPER.kinds, BLUR_PAPER.probs);
  const sigmaX = rng.uniform(BLUR_PAPER.sigmaX[0], BLUR_PAPER.sigmaX[1]);
  if (kind === 'iso') return { kind, sigmaX, sigmaY: sigmaX, theta: 0, beta: 1, size: BLUR_PAPER.size };
  const sigmaY = rng.uniform(BLUR_PAPER.sigmaY[0], BLUR_PAPER.sigmaY[1]);
  const theta = rng.uniform(BLUR_PAPER.theta[0], BLUR_PAPER.theta[1]);
  return { kind, sigmaX, sigmaY, theta, beta: 1, size: BLUR_PAPER.size };
}
