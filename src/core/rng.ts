/**
 * Seeded randomness shared by the WGSL kernels and their CPU references.
 *
 * Two generators live here:
 *
 * 1. A *counter-based* generator (`rngU32` and its decomposed form `frameKey` →
 *    `pixelKey` → `drawU32`): a pure function of (seed, frame, pixel, channel, draw) → u32,
 *    built from the PCG hash of Jarzynski & Olano ("Hash Functions for GPU Rendering",
 *    JCGT 2020). No state, so every GPU invocation draws its own numbers and a seed gives
 *    the same pixels in WGSL (shaders/rng.wgsl, a line-for-line mirror) and here.
 *        frameKey(seed, frame)      = pcg(pcg(seed) + frame)
 *        pixelKey(fk, pixel)        = pcg(fk + pcg(pixel))
 *        drawU32(pk, channel, draw) = pcg(pk + pcg(channel·2^16 + draw))
 *    Every counter is hashed *before* it is added to a key, so (pixel, frame) pairs never
 *    collide as shifted copies of one another (pcg(p) + fk(f) = pcg(p') + fk(f') is a lone
 *    random coincidence, not a whole shifted noise field). All additions wrap mod 2^32.
 *
 * 2. `makeRng(seed)`: a small sequential stream for sampling *parameters* on the CPU
 *    (the UI's "random" button, the CLI, the training data factory). Doubles, not f32.
 *
 * Floats from the counter generator are f32 and computed with the exact op sequence of
 * rng.wgsl (Math.fround after every operation). The transcendental functions Box–Muller
 * and Poisson need (log, cos, exp) are *not* WGSL builtins here: WGSL's log/cos/exp are
 * not correctly rounded (cos may be off by 2^-11 absolute by the spec) and differ between
 * GPUs, so both sides use the same short polynomials built only from +, ×, floor and
 * integer ops, which IEEE rounds identically everywhere. What can still differ:
 *   - `sqrt`: WGSL allows ~2.5 ulp (JS rounds correctly);
 *   - fused multiply–add: a GPU compiler may contract a·b + c into one rounding.
 * Both are ulp-level, so f32 outputs agree to ~1e-7 relative, and uint8-quantised noise
 * agrees except when a value lands within that distance of a rounding boundary (the GPU
 * tests measure the rate). Integer outputs (rngU32) agree bit for bit.
 */

// ---------------------------------------------------------------- counter-based generator

/** PCG hash (Jarzynski & Olano 2020): one LCG step + PCG's RXS-M-XS output permutation. A bijection on u32. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Key for one frame of one clip; computed once per dispatch. */
export function frameKey(seed: number, frame: number): number {
  return pcgHash((pcgHash(seed >>> 0) + (frame >>> 0)) >>> 0);
}

/** Key for one pixel (index y·W + x) of that frame. */
export function pixelKey(fKey: number, pixel: number): number {
  return pcgHash((fKey + pcgHash(pixel >>> 0)) >>> 0);
}

/** pcg(channel·2^16 + draw) for the streams the kernels use most (channel < 4, draw < 4), precomputed for the CPU loops. */
const STREAM_HASH = Array.from({ length: 16 }, (_, i) => pcgHash((((i >> 2) << 16) | (i & 3)) >>> 0));

/** The u32 for (channel, draw) of a pixel. channel < 2^16, draw < 2^16. */
export function drawU32(pKey: number, channel: number, draw: number): number {
  const stream = channel < 4 && draw < 4 && channel >= 0 && draw >= 0 ? STREAM_HASH[(channel << 2) | draw] : pcgHash(((channel << 16) | (draw & 0xffff)) >>> 0);
  return pcgHash((pKey + stream) >>> 0);
}

/** The whole counter → u32 map in one call: (seed, frame, pixel, channel, draw) → u32. */
export function rngU32(seed: number, frame: number, pixel: number, channel: number, draw: number): number {
  return drawU32(pixelKey(frameKey(seed, frame), pixel), channel, draw);
}

const TWO_M24 = 1 / 16777216; // 2^-24, exact

/** u32 → f32 in [0, 1): the top 24 bits, so every value is exactly k·2^-24 (exact in f32 and in WGSL). */
export function unitF32(u: number): number {
  return (u >>> 8) * TWO_M24;
}

// ---------------------------------------------------------------- portable f32 math
// Coefficients are exact f32 values written with enough digits that a double parse is
// exact, so TS and WGSL (shaders/rng.wgsl holds the same literals) use identical constants.

const fr = Math.fround;

/** ln(1+f) = f + f²·Q(f), f ∈ [√½−1, √2−1]; Q least-squares fit on Chebyshev nodes, |err| < 5e-9. */
const LOG_Q = [
  -0.07866667956113815, 0.12821748852729797, -0.131016343832016, 0.1418900042772293, -0.1662759929895401,
  0.2000196874141693, -0.2500077188014984, 0.33333322405815125, -0.4999999701976776,
];
const LN2 = 0.6931471824645996;
const SQRT2 = 1.4142135381698608;

/**
 * −2·ln(k / 2^24) for integer k ∈ [1, 2^24), in f32: the radius² of Box–Muller, always > 0.
 * Taking the integer keeps the exponent/mantissa split exact and free of bit casts:
 * k = m·2^e, m ∈ [1, 2) (k < 2^24 is exact in f32).
 */
export function neg2LogUnit(k: number): number {
  let e = 31 - Math.clz32(k); // floor(log2 k), exact
  let m = k / 2 ** e; // exact: dividing by a power of two
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = m - 1; // exact (Sterbenz)
  let q = LOG_Q[0];
  for (let i = 1; i < LOG_Q.length; i++) q = fr(fr(q * f) + LOG_Q[i]);
  const lnm = fr(f + fr(fr(f * f) * q));
  const lnu = fr(fr((e - 24) * LN2) + lnm);
  return fr(-2 * lnu);
}

/** cos(π/2·y) = P(y²), y ∈ [0,1]; |err| < 3e-8. */
const COS_P = [-2.3848328055464663e-5, 0.0009177866159006953, -0.020862746983766556, 0.2536693513393402, -1.2337005138397217, 1.0];

/** cos(2π·j/2^24) for integer j ∈ [0, 2^24), in f32. The quarter-period reduction is done on the integer (exact). */
export function cos2piUnit(j: number): number {
  let t = j >>> 0;
  if (t >= 0x800000) t = 0x1000000 - t; // cos(2π(1−a)) = cos(2πa): t ∈ [0, 2^23]
  let sign = 1;
  if (t > 0x400000) {
    t = 0x800000 - t; // cos(π − φ) = −cos φ: t ∈ [0, 2^22)
    sign = -1;
  }
  const y = t * (1 / 4194304); // t / 2^22 ∈ [0, 1], exact
  const y2 = fr(y * y);
  let p = COS_P[0];
  for (let i = 1; i < COS_P.length; i++) p = fr(fr(p * y2) + COS_P[i]);
  return sign * p;
}

/** e^{−x} on [0, 1) (|rel err| < 2e-8) and e^{−n} for n = 0…15, for the exact Poisson branch. */
const EXP_P = [
  -0.00012128684466006234, 0.0012744585983455181, -0.008240864612162113, 0.04162450134754181, -0.16665612161159515,
  0.49999868869781494, -0.9999999403953552, 1.0,
];
const EXP_NEG_INT = [
  1.0, 0.3678794503211975, 0.1353352814912796, 0.049787066876888275, 0.018315639346837997, 0.0067379469983279705,
  0.0024787522852420807, 0.0009118819725699723, 0.000335462624207139, 0.00012340980174485594, 4.539993096841499e-5,
  1.6701700587873347e-5, 6.1442124206223525e-6, 2.260329438286135e-6, 8.315287232107949e-7, 3.0590231858695915e-7,
];

/** e^{−λ} for f32 λ ∈ [0, 16), in f32: e^{−⌊λ⌋} from a table times a polynomial of the (exact) fraction. */
export function expNegSmall(lambda: number): number {
  const n = Math.floor(lambda);
  const x = lambda - n; // exact
  let p = EXP_P[0];
  for (let i = 1; i < EXP_P.length; i++) p = fr(fr(p * x) + EXP_P[i]);
  return fr(EXP_NEG_INT[n] * p);
}

// ---------------------------------------------------------------- distributions (f32, WGSL-exact)

/**
 * Standard normal from draws (2·pair, 2·pair+1) of a pixel's channel: Box–Muller's cosine
 * branch, z = sqrt(−2 ln u1)·cos(2π u2) with u1 = (2·(a>>9) + 1)/2^24 — the midpoints of 2^23
 * cells, so u1 ∈ (0, 1) never reaches 0 or 1 and sqrt never sees 0 (where GPU sqrt, built
 * from inverseSqrt, may give NaN) — and u2 = (b>>8)/2^24. |z| ≤ sqrt(−2 ln 2^-24) ≈ 5.77:
 * tails beyond are cut (P(|Z| > 5.77) ≈ 8e-9).
 */
export function normalF32(pKey: number, channel: number, pair = 0): number {
  const a = drawU32(pKey, channel, 2 * pair);
  const b = drawU32(pKey, channel, 2 * pair + 1);
  const r = fr(Math.sqrt(neg2LogUnit((a >>> 9) * 2 + 1)));
  return fr(r * cos2piUnit(b >>> 8));
}

/** Below this mean Poisson draws are exact (CDF inversion); at and above it, a skew-corrected normal approximation. */
export const POISSON_EXACT_BELOW = 16;
/** Cap on the exact branch's count; P(K > 64 | λ < 16) < 1e-19. */
export const POISSON_KMAX = 64;
/** 1/k as f32 for k = 0…64 (index 0 unused): the inversion recurrence multiplies by these, never divides. */
const RECIP: number[] = Array.from({ length: POISSON_KMAX + 1 }, (_, k) => (k === 0 ? 0 : fr(1 / k)));

const ONE_SIXTH = 0.1666666716337204; // f32(1/6)

/**
 * A Poisson(λ) count (returned as a float) for one pixel/channel, λ ≥ 0 in f32.
 * - λ < 16: exact inversion of the CDF with one uniform (draw 0): p₀ = e^{−λ}, p_k = p_{k−1}·λ·(1/k),
 *   stop at the first k with u < F(k), or when F stops growing in f32, or at k = 64.
 * - λ ≥ 16: Cornish–Fisher (skew-corrected) normal quantile, K = ⌊λ + √λ·z + (z² − 1)/6 + ½⌋₊
 *   with z = normalF32(draws 0, 1). Total-variation distance to the true Poisson: 1.5e-3 at
 *   λ = 16, 4e-4 at λ = 64 (the plain normal approximation is 10–20× worse).
 * Deterministic in (pixel key, channel) on both sides.
 */
export function poissonF32(pKey: number, channel: number, lambda: number): number {
  if (lambda < POISSON_EXACT_BELOW) {
    const u = unitF32(drawU32(pKey, channel, 0));
    let p = expNegSmall(lambda);
    let F = p;
    let k = 0;
    while (u >= F && k < POISSON_KMAX) {
      const kn = k + 1;
      p = fr(fr(p * lambda) * RECIP[kn]);
      const Fn = fr(F + p);
      if (Fn === F) break; // F has saturated in f32: the remaining mass is below its resolution
      F = Fn;
      k = kn;
    }
    return k;
  }
  const z = normalF32(pKey, channel, 0);
  const s = fr(Math.sqrt(lambda));
  let v = fr(lambda + fr(s * z));
  v = fr(v + fr(fr(fr(z * z) - 1) * ONE_SIXTH));
  v = fr(v + 0.5);
  return Math.max(Math.floor(v), 0);
}

// ---------------------------------------------------------------- CPU stream for parameters

export interface StreamRng {
  /** The next raw u32. */
  u32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform in [a, b). */
  uniform(a: number, b: number): number;
  /** Uniform integer in [a, b], both ends included. */
  int(a: number, b: number): number;
  /** Standard normal (Box–Muller in double precision). */
  normal(): number;
  /** True with probability p. */
  bool(p?: number): boolean;
  /** One of `items`, with the given (unnormalised, non-negative) weights, or uniformly. */
  choice<T>(items: readonly T[], probs?: readonly number[]): T;
}

/**
 * Sequential generator for sampling parameters: the i-th u32 of seed s is
 * pcg(key + pcg(i)), key = pcg(pcg(s) ^ 0x9E3779B9). Counter-based too, so it can be
 * reproduced from (seed, index) anywhere, but only ever used on the CPU.
 */
export function makeRng(seed: number): StreamRng {
  const key = pcgHash((pcgHash(seed >>> 0) ^ 0x9e3779b9) >>> 0);
  let counter = 0;
  const u32 = (): number => {
    const v = pcgHash((key + pcgHash(counter)) >>> 0);
    counter = (counter + 1) >>> 0;
    return v;
  };
  const next = (): number => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992; // (27·2^26 + 26 bits) / 2^53
  const rng: StreamRng = {
    u32,
    next,
    uniform: (a, b) => a + (b - a) * next(),
    int(a, b) {
      if (!Number.isInteger(a) || !Number.isInteger(b) || b < a) throw new RangeError(`bad int range [${a}, ${b}]`);
      return a + Math.floor(next() * (b - a + 1));
    },
    normal() {
      const u1 = 1 - next(); // (0, 1]
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    bool: (p = 0.5) => next() < p,
    choice<T>(items: readonly T[], probs?: readonly number[]): T {
      if (items.length === 0) throw new RangeError('choice from an empty list');
      if (!probs) return items[Math.floor(next() * items.length)];
      if (probs.length !== items.length) throw new RangeError(`choice: ${items.length} items but ${probs.length} weights`);
      let total = 0;
      for (const p of probs) {
        if (!(p >= 0) || !Number.isFinite(p)) throw new RangeError(`choice: bad weight ${p}`);
        total += p;
      }
      if (total <= 0) throw new RangeError('choice: weights sum to 0');
      let t = next() * total;
      for (let i = 0; i < items.length; i++) {
        t -= probs[i];
        if (t < 0) return items[i];
      }
      // Rounding left t ≥ 0 after the last item: return the last item with non-zero weight.
      for (let i = items.length - 1; i >= 0; i--) if (probs[i] > 0) return items[i];
      return items[items.length - 1];
    },
  };
  return rng;
}
