/**
 * Inputs for the k-th-nearest tests (knn.test.ts, knn.gputest.ts) and benchmark.
 *
 * Two kinds of values:
 *  - `grid`: multiples of 1/64 in [−127/64, 127/64]. Every product is a multiple of 2⁻¹² below
 *    2² in magnitude and, for nz ≤ 256, every partial sum of the distance formula stays below 2¹²
 *    (|Σ| ≤ 256·127² < 2²⁴ units of 2⁻¹²), so all of them are exact in f32: the kernel's result
 *    cannot depend on summation order or on a GPU fusing a·b + c, and equal distances are truly
 *    equal — exact agreement is required of any conforming WebGPU implementation, and exact ties
 *    are common (the tie-break is exercised, not just the duplicated rows).
 *  - `float`: generic f32 in [−1, 1) — exact agreement relies on the GPU evaluating the kernel's
 *    order unfused, as SwiftShader does (see shaders/knn.wgsl).
 * Codebooks can carry duplicated rows (exact ties in any arithmetic).
 */
import { makeRng } from '../../core/rng.ts';

export type ValueKind = 'grid' | 'float';

/** Largest nz for which grid values keep every partial sum exact (see above). */
export const GRID_MAX_NZ = 256;

export function randomValues(n: number, kind: ValueKind, seed: number): Float32Array {
  const rng = makeRng(seed);
  const out = new Float32Array(n);
  if (kind === 'grid') for (let i = 0; i < n; i++) out[i] = rng.int(-127, 127) / 64;
  else for (let i = 0; i < n; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

/**
 * A codebook [N, nz]; with `duplicates` > 0 that many rows are overwritten by copies of other rows
 * (chosen at random, some copied several times), so exact distance ties occur for every z.
 */
export function randomCodebook(N: number, nz: number, kind: ValueKind, seed: number, duplicates = 0): Float32Array {
  const cb = randomValues(N * nz, kind, seed);
  const rng = makeRng(seed ^ 0x5bd1e995);
  for (let d = 0; d < duplicates; d++) {
    const dst = rng.int(0, N - 1);
    const src = rng.int(0, N - 1);
    cb.copyWithin(dst * nz, src * nz, src * nz + nz);
  }
  return cb;
}

/**
 * A latent [nz, P] made of codebook rows plus a little grid noise: distances to the "home" row and
 * its duplicates are small, so small k land among exact ties more often than random z would.
 */
export function latentNearCodebook(codebook: Float32Array, N: number, nz: number, P: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  const z = new Float32Array(nz * P);
  for (let p = 0; p < P; p++) {
    const j = rng.int(0, N - 1);
    for (let c = 0; c < nz; c++) {
      const v = codebook[j * nz + c] + rng.int(-2, 2) / 64;
      z[c * P + p] = Math.max(-127 / 64, Math.min(127 / 64, v));
    }
  }
  return z;
}
