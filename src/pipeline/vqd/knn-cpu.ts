/**
 * CPU reference for the k-th-nearest codebook search (shaders/knn.wgsl).
 *
 * Layouts as the ONNX models have them (N = 1): z is [nz, P] (channel c of position p at
 * z[c·P + p]), the codebook is [N, nz] row-major, zq comes back as [nz, P].
 *
 * The order is (d, index) with d = ‖e‖² − 2·z·e in f32, ties to the smaller index. To agree with
 * the WGSL kernel bit for bit, every product and every sum is rounded to f32 (Math.fround) in the
 * kernel's order: ‖e‖² and z·e are plain sequential sums over c = 0 … nz−1 starting from +0, then
 * d = ‖e‖² − 2·(z·e). Computing an f32 product or sum in double and rounding once is exact for
 * + and × (the double rounding is innocuous at 53 ≥ 2·24 + 2 bits), so this is IEEE f32
 * arithmetic, unfused — as SwiftShader executes the kernel.
 */

export interface KnnResult {
  /** Index of the k-th nearest entry per position, [P]. */
  indices: Uint32Array;
  /** codebook[indices[p]] in the decoder's layout, [nz, P]. */
  zq: Float32Array;
}

/** ‖e_j‖² per entry, summed in the kernel's order. */
export function codebookNorms(codebook: Float32Array, N: number, nz: number): Float32Array {
  const norms = new Float32Array(N);
  for (let j = 0; j < N; j++) {
    let s = 0;
    const row = j * nz;
    for (let c = 0; c < nz; c++) {
      const v = codebook[row + c];
      s = Math.fround(s + Math.fround(v * v));
    }
    norms[j] = s;
  }
  return norms;
}

/** Eᵀ [nz, N]: entries contiguous per channel, so the inner loop below streams one row. */
function transpose(codebook: Float32Array, N: number, nz: number): Float32Array {
  const t = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) t[c * N + j] = codebook[j * nz + c];
  return t;
}

/**
 * The f32 distances ‖e_j‖² − 2·z_p·e_j of one position to every entry, exactly as the kernel
 * computes them. `acc` is scratch of length N (the running dot products, rounded to f32 on store).
 */
export function positionDistances(
  z: Float32Array,
  nz: number,
  P: number,
  p: number,
  codebookT: Float32Array,
  norms: Float32Array,
  N: number,
  out: Float32Array = new Float32Array(N),
): Float32Array {
  out.fill(0);
  for (let c = 0; c < nz; c++) {
    const zc = z[c * P + p];
    const row = c * N;
    for (let j = 0; j < N; j++) out[j] = out[j] + Math.fround(zc * codebookT[row + j]);
  }
  for (let j = 0; j < N; j++) out[j] = norms[j] - 2 * out[j];
  return out;
}

/** (distance, index) order. */
function before(d: Float32Array, a: number, b: number): boolean {
  const da = d[a];
  const db = d[b];
  return da < db || (da === db && a < b);
}

/**
 * Index of the k-th smallest (1-based) of d in (value, index) order, by quickselect over an index
 * permutation (expected O(N); `perm` is scratch of length N).
 */
export function kthByDistanceThenIndex(d: Float32Array, k: number, perm: Uint32Array = new Uint32Array(d.length)): number {
  const n = d.length;
  if (!(k >= 1 && k <= n)) throw new RangeError(`k = ${k} outside 1…${n}`);
  for (let i = 0; i < n; i++) perm[i] = i;
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    // Median of three as pivot keeps sorted or constant runs from going quadratic.
    const mid = (lo + hi) >>> 1;
    let a = perm[lo];
    let b = perm[mid];
    let c = perm[hi];
    if (before(d, b, a)) [a, b] = [b, a];
    if (before(d, c, b)) {
      [b, c] = [c, b];
      if (before(d, b, a)) [a, b] = [b, a];
    }
    const pivot = b;
    // Hoare partition on the strict (value, index) order: all keys are distinct, so it terminates.
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(d, perm[i], pivot)) i++;
      while (before(d, pivot, perm[j])) j--;
      if (i <= j) {
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return perm[target];
  }
  return perm[lo];
}

/**
 * For every position of z [nz, P], the k-th nearest codebook entry (1 ≤ k ≤ N) in (d, index)
 * order, and zq [nz, P] = that entry.
 */
export function knnCpu(z: Float32Array, nz: number, P: number, codebook: Float32Array, N: number, k: number): KnnResult {
  if (z.length < nz * P) throw new RangeError(`z has ${z.length} values, need nz·P = ${nz * P}`);
  if (codebook.length < N * nz) throw new RangeError(`codebook has ${codebook.length} values, need N·nz = ${N * nz}`);
  if (!Number.isInteger(k) || k < 1 || k > N) throw new RangeError(`k = ${k} outside 1…${N}`);
  const norms = codebookNorms(codebook, N, nz);
  const cbT = transpose(codebook, N, nz);
  const indices = new Uint32Array(P);
  const zq = new Float32Array(nz * P);
  const d = new Float32Array(N);
  const perm = new Uint32Array(N);
  for (let p = 0; p < P; p++) {
    positionDistances(z, nz, P, p, cbT, norms, N, d);
    const idx = kthByDistanceThenIndex(d, k, perm);
    indices[p] = idx;
    for (let c = 0; c < nz; c++) zq[c * P + p] = cbT[c * N + idx];
  }
  return { indices, zq };
}

/**
 * d_pj as knnCpu computes it (zp = z's column p, contiguous): sequential f32 dot product from +0, then
 * f32(‖e‖² − 2·dot). The screened searches (knn-screened.ts, knn-projected.ts) recompute their candidates'
 * distances with it, so their ties break exactly as the reference's do.
 */
export function exactDistance(zp: Float32Array, codebook: Float32Array, j: number, norm: number): number {
  let acc = 0;
  const nz = zp.length;
  const row = j * nz;
  for (let c = 0; c < nz; c++) acc = Math.fround(acc + Math.fround(zp[c] * codebook[row + c]));
  return Math.fround(norm - 2 * acc);
}

/** k-th smallest value (1-based) of `v`; reorders `v` (quickselect, Hoare partition). */
export function kthSmallest(v: Float64Array, k: number): number {
  let lo = 0;
  let hi = v.length - 1;
  const t = k - 1;
  while (lo < hi) {
    const pivot = median3(v[lo], v[(lo + hi) >>> 1], v[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        const tmp = v[i];
        v[i] = v[j];
        v[j] = tmp;
        i++;
        j--;
      }
    }
    if (t <= j) hi = j;
    else if (t >= i) lo = i;
    else return v[t];
  }
  return v[t];
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}
