/**
 * The k-th-nearest codebook search of knn-cpu.ts — the same answer bit for bit — made fast enough
 * for the Node data factory by screening with a fast, inexact Gram matrix.
 *
 * knnCpu computes every distance d_pj = f32(‖e_j‖² − 2·z_p·e_j) with f32 rounding after each
 * product and sum, in the WGSL kernel's order: exact agreement with the GPU, but ~90 M
 * multiply-adds/s in JS (4.7 s for one 64×64 LR frame's bottom branch). Here a Gram matrix
 * G = Zᵀ·E from any fast source (ORT's MatMul, BLAS-blocked and fused, in Node) gives approximate
 * distances d̃_pj = ‖e_j‖² − 2·G_pj, and a rigorous bound on their error decides which entries can
 * possibly be the k-th; only those get the exact f32 recomputation.
 *
 * Error bound. Any summation order of an n-term dot product satisfies
 * |fl(zᵀe) − zᵀe| ≤ γ_n·|z|ᵀ|e| ≤ γ_n·‖z‖·‖e‖ with γ_n = n·u / (1 − n·u), u = 2⁻²⁴ (f32), and a
 * fused multiply-add only removes roundings. So the reference's dot product and G (rounded once
 * more to f32 on output) are both within γ_{n+1}·‖z‖‖e‖ of the exact one, the distances within
 * twice that (the factor 2 of −2·z·e) plus the final f32 rounding of the subtraction (≤ u·|d|):
 *     |d_pj − d̃_pj| ≤ ε_pj = 4·γ_{n+1}·‖z_p‖·‖e_j‖ + u·(|d̃_pj| + 4·γ_{n+1}·‖z_p‖·‖e_j‖),
 * used with a further safety factor of 2. With U_j = d̃_j + ε_j and τ the k-th smallest U_j, at
 * least k entries have d ≤ τ, so the exact k-th has d ≤ τ; any entry with d̃_j − ε_j > τ ranks
 * after it. The k-th of the whole codebook is therefore the k-th, in (d, index) order, of the
 * candidates C = {j : d̃_j − ε_j ≤ τ} — usually k plus a handful.
 * A position whose approximate distances are not all finite is searched exhaustively (knnCpu's
 * own routine), so odd inputs behave exactly as the reference.
 */
import { codebookNorms, exactDistance, kthByDistanceThenIndex, kthSmallest, positionDistances, type KnnResult } from './knn-cpu.ts';

/** Per-codebook data reused across calls (norms in the reference's f32 order, L2 lengths, Eᵀ). */
export interface CodebookPrep {
  readonly codebook: Float32Array;
  readonly N: number;
  readonly nz: number;
  /** ‖e_j‖² exactly as knnCpu sums it. */
  readonly norms: Float32Array;
  /** ‖e_j‖₂ in double, for the error bound. */
  readonly lengths: Float64Array;
  /** Eᵀ [nz, N], for the exhaustive fallback. */
  readonly codebookT: Float32Array;
}

export function prepareCodebook(codebook: Float32Array, N: number, nz: number): CodebookPrep {
  if (codebook.length < N * nz) throw new RangeError(`codebook has ${codebook.length} values, need N·nz = ${N * nz}`);
  const norms = codebookNorms(codebook, N, nz);
  const lengths = new Float64Array(N);
  const codebookT = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let c = 0; c < nz; c++) {
      const v = codebook[j * nz + c];
      s += v * v;
      codebookT[c * N + j] = v;
    }
    lengths[j] = Math.sqrt(s);
  }
  return { codebook, N, nz, norms, lengths, codebookT };
}

const U = 2 ** -24;
const SAFETY = 2;

/**
 * knnCpu's result for z [nz, P] given `gram` [P, N] ≈ z_pᵀ·e_j (any order of summation, f32 or
 * better).
 */
export function knnScreened(z: Float32Array, P: number, prep: CodebookPrep, k: number, gram: Float32Array): KnnResult {
  const { codebook, N, nz, norms, lengths } = prep;
  if (z.length < nz * P) throw new RangeError(`z has ${z.length} values, need nz·P = ${nz * P}`);
  if (gram.length < P * N) throw new RangeError(`gram has ${gram.length} values, need P·N = ${P * N}`);
  if (!Number.isInteger(k) || k < 1 || k > N) throw new RangeError(`k = ${k} outside 1…${N}`);
  const n = nz + 1;
  const gamma = (n * U) / (1 - n * U);
  const indices = new Uint32Array(P);
  const zq = new Float32Array(nz * P);
  const approx = new Float64Array(N);
  const eps = new Float64Array(N);
  const upper = new Float64Array(N);
  const candD = new Float32Array(N);
  const candJ = new Uint32Array(N);
  const perm = new Uint32Array(N);
  const fullD = new Float32Array(N);
  const zp = new Float32Array(nz);

  for (let p = 0; p < P; p++) {
    let zz = 0;
    for (let c = 0; c < nz; c++) {
      const v = z[c * P + p];
      zp[c] = v;
      zz += v * v;
    }
    const zLen = Math.sqrt(zz);
    let finite = Number.isFinite(zLen);
    const row = p * N;
    for (let j = 0; finite && j < N; j++) {
      const d = norms[j] - 2 * gram[row + j];
      const b = 4 * gamma * zLen * lengths[j];
      const e = SAFETY * (b + U * (Math.abs(d) + b)) + 1e-37;
      if (!Number.isFinite(d)) finite = false;
      approx[j] = d;
      eps[j] = e;
      upper[j] = d + e;
    }
    let idx: number;
    if (!finite) {
      positionDistances(z, nz, P, p, prep.codebookT, norms, N, fullD);
      idx = kthByDistanceThenIndex(fullD, k, perm);
    } else {
      const tau = kthSmallest(upper, k);
      let m = 0;
      for (let j = 0; j < N; j++) {
        if (approx[j] - eps[j] <= tau) {
          candJ[m] = j;
          candD[m] = exactDistance(zp, codebook, j, norms[j]);
          m++;
        }
      }
      // Candidates are in ascending index order, so (d, position) order is (d, index) order.
      idx = candJ[kthByDistanceThenIndex(candD.subarray(0, m), k, perm)];
    }
    indices[p] = idx;
    for (let c = 0; c < nz; c++) zq[c * P + p] = codebook[idx * nz + c];
  }
  return { indices, zq };
}
