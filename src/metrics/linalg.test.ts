import { describe, expect, it } from 'vitest';
import { pinvSymmetric, symmetricEigen } from './linalg';

function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Random symmetric positive semi-definite n×n matrix B·Bᵀ with B n×rank (LCG entries in [-1, 1]). */
function gram(n: number, rank: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const b = Array.from({ length: n * rank }, rnd);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < rank; k++) out[i * n + j] += b[i * rank + k] * b[j * rank + k];
  return out;
}

describe('symmetric eigendecomposition (Jacobi)', () => {
  it('finds the eigenpairs of a 2×2 by hand: [[2,1],[1,2]] → 1 and 3', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(Array.from(values).sort()).toEqual([expect.closeTo(1, 14), expect.closeTo(3, 14)]);
    const k3 = values[0] > values[1] ? 0 : 1;
    expect(Math.abs(vectors[0 * 2 + k3])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0 * 2 + k3]).toBeCloseTo(vectors[1 * 2 + k3], 14);
  });

  it('reconstructs a 36×36 matrix from orthonormal eigenvectors (|Δ| ≤ 1e-12)', () => {
    const n = 36;
    const a = gram(n, n, 42);
    for (let i = 0; i < n; i++) a[i * n + i] -= 5; // indefinite as well
    const { values, vectors } = symmetricEigen(a, n);
    const vt = new Float64Array(n * n);
    const vl = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        vt[k * n + i] = vectors[i * n + k];
        vl[i * n + k] = vectors[i * n + k] * values[k];
      }
    }
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    expect(maxAbsDiff(matmul(vt, vectors, n), identity)).toBeLessThan(1e-12);
    expect(maxAbsDiff(matmul(vl, vt, n), a)).toBeLessThan(1e-12);
  });
});

describe('pseudo-inverse', () => {
  it('is the inverse of a well-conditioned matrix (A·A⁺ = I, |Δ| ≤ 1e-10)', () => {
    const n = 36;
    const a = gram(n, n, 7);
    for (let i = 0; i < n; i++) a[i * n + i] += 1;
    const prod = matmul(a, pinvSymmetric(a, n), n);
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    expect(maxAbsDiff(prod, identity)).toBeLessThan(1e-10);
  });

  it('inverts a rank-1 u·uᵀ as u·uᵀ / |u|⁴ (by hand)', () => {
    const u = [1, 2, -2];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) a[i * 3 + j] = u[i] * u[j];
    const want = a.map((v) => v / 81); // |u|² = 9
    expect(maxAbsDiff(pinvSymmetric(a, 3), want)).toBeLessThan(1e-15);
  });

  it('satisfies the Moore–Penrose conditions on a rank-deficient 10×10 (rank 4, |Δ| ≤ 1e-10)', () => {
    const n = 10;
    const a = gram(n, 4, 3);
    const p = pinvSymmetric(a, n);
    expect(maxAbsDiff(matmul(matmul(a, p, n), a, n), a)).toBeLessThan(1e-10);
    expect(maxAbsDiff(matmul(matmul(p, a, n), p, n), p)).toBeLessThan(1e-10);
  });
});
