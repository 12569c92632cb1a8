/**
 * The little dense linear algebra NIQE needs: the eigendecomposition of a
 * small symmetric matrix (cyclic Jacobi — unconditionally stable, accurate to
 * machine precision, and plenty fast for NIQE's 36×36) and the Moore–Penrose
 * pseudo-inverse built on it. Matrices are row-major Float64Arrays, n×n.
 */

export interface SymmetricEigen {
  /** Eigenvalues, in the order of the columns of `vectors` (not sorted). */
  values: Float64Array;
  /** Row-major n×n; column k (vectors[i * n + k]) is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

function offDiagonalNorm2(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += a[i * n + j] * a[i * n + j];
  return s;
}

/**
 * A = V·diag(λ)·Vᵀ for a symmetric n×n matrix A (only symmetry up to rounding is
 * assumed: the upper triangle is what gets used). Throws if A is not n×n or not finite.
 */
export function symmetricEigen(matrix: Float64Array | readonly number[], n: number): SymmetricEigen {
  if (matrix.length !== n * n) throw new RangeError(`expected ${n}×${n} = ${n * n} values, got ${matrix.length}`);
  const a = new Float64Array(n * n);
  // Symmetrise from the upper triangle so tiny asymmetries of the input cannot stall the sweeps.
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = matrix[i * n + j];
      if (!Number.isFinite(v)) throw new RangeError('symmetricEigen: matrix has a non-finite entry');
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  const tiny = scale * Number.EPSILON * Number.EPSILON;

  for (let sweep = 0; sweep < 100; sweep++) {
    if (offDiagonalNorm2(a, n) <= tiny) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // Rotation angle that zeroes a[p][q]: t = tan θ, the smaller root of t² + 2θ't − 1 = 0.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, touching only rows/columns p and q.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric matrix: V·diag(1/λ)·Vᵀ over the
 * eigenvalues with |λ| > rcond·max|λ|, the rest treated as zero — what
 * numpy.linalg.pinv (SVD, default rcond 1e-15) returns for a symmetric input,
 * since its singular values are the |λ|.
 */
export function pinvSymmetric(matrix: Float64Array | readonly number[], n: number, rcond = 1e-15): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  let maxAbs = 0;
  for (let k = 0; k < n; k++) maxAbs = Math.max(maxAbs, Math.abs(values[k]));
  const cutoff = rcond * maxAbs;
  const inv = new Float64Array(n);
  for (let k = 0; k < n; k++) inv[k] = Math.abs(values[k]) > cutoff ? 1 / values[k] : 0;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * inv[k] * vectors[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}
