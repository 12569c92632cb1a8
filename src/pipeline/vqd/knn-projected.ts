/**
 * The k-th-nearest codebook search of knn-cpu.ts — the same indices bit for bit — fast enough for
 * the browser's CPU path, by screening in a low-dimensional projection of the codebook.
 *
 * knnCpu computes all N distances d_pj = f32(‖e_j‖² − 2·z_p·e_j) per position with f32 rounding
 * after every product and sum (the WGSL kernel's arithmetic): N·nz = 262,144 rounded
 * multiply-adds per position, ~1.8 s for the sample's 2,835 positions in the browser. The Node CLI
 * screens with an ORT Gram matrix (knn-screened.ts); here the screen is cheaper still. A trained
 * VQGAN codebook lies close to a low-dimensional subspace (both VQGANs shipped so far: 99.9 % of
 * the variance in 7–8 of 256 directions), so with an orthonormal basis Q (nz × m) of that subspace, the mean μ,
 * u = z − μ, v_j = e_j − μ, a = Qᵀu, b_j = Qᵀv_j and the residual lengths ρ_u = ‖u − Qa‖,
 * ρ_j = ‖v_j − Qb_j‖, Pythagoras and the triangle inequality bound the squared distance:
 *
 *     ‖a − b_j‖² + (ρ_u − ρ_j)²  ≤  ‖z − e_j‖²  ≤  ‖a − b_j‖² + (ρ_u + ρ_j)²
 *
 * in m + a few operations per entry instead of nz. Since d_pj = ‖z − e_j‖² − ‖z‖² + c_j exactly
 * (c_j = the stored f32 norm − the true ‖e_j‖²; ‖z‖² is the same for every j and drops out) up to
 * the reference's f32 error, bounded as in knn-screened.ts by
 *     ε_j = 2·(2γ_{n+1}·‖z‖‖e_j‖ + u·(‖e_j‖²_f32 + 2.01·‖z‖‖e_j‖))      (u = 2⁻²⁴, safety 2)
 * every entry gets an interval [L_j, U_j] that holds its reference distance (shifted by ‖z‖²).
 * With τ the k-th smallest U_j, at least k entries have d ≤ τ, so the k-th has d ≤ τ and every
 * entry with L_j > τ ranks after it: the k-th of the whole codebook is the k-th, in (d, index)
 * order, of the candidates {j : L_j ≤ τ}, whose distances are recomputed exactly as knnCpu does.
 * Usually that is k plus a handful.
 *
 * The projection is computed in f64. Its own errors — a basis orthonormal to 1e-13 (checked; the
 * screen is off otherwise), f64 sums, ρ_u² taken as ‖u‖² − ‖a‖² — are below 2e-12 relative, and
 * the bounds are widened far beyond them: ρ_u² by 1e-10·‖u‖², ρ_j by 1e-12·(‖v_j‖ + 1), every
 * interval by δ = 1e-10·(‖u‖ + ‖v_j‖ + ‖e_j‖)² — orders of magnitude more than those errors,
 * orders of magnitude less than ε. Q only decides how much is pruned, never the answer: any basis
 * gives knnCpu's indices, just more slowly. Positions or codebooks with non-finite or huge values
 * (where f32 could overflow) take knnCpu's exhaustive routine.
 *
 * Where wasm SIMD runs (everywhere the app runs; the plain-JS `searchJs` is the fallback and the
 * tests' second opinion), the work per position is: the projection (batched for all positions),
 * then for k ≤ 16 a screen of a window of entries next to a_0 in the order of b_j0 — its τ' bounds
 * the k-th distance, so only entries with |a_0 − b_j0| ≤ R(τ') can qualify (A_j ≥ (a_0 − b_j0)²) —
 * then the screen of that range (two entries per f64x2, the same f64 formulas as `screenJs`), the
 * candidate scan, and the candidates' exact distances four at a time (f32x4 lanes, each lane
 * knnCpu's sequence of roundings). On the sample: ~20 ms CPU for all three branches at k = 1
 * (knnCpu: ~1.8 s), ~90 ms at k = 50.
 */
import { codebookNorms, exactDistance, kthByDistanceThenIndex, kthSmallest, positionDistances, type KnnResult } from './knn-cpu';
import { assemble, block, br, brIf, end, ensureMemory, F64, f32load, f32x4add, f32x4mul, f32x4replace, f32x4splat, f32x4sub, f64c, f64add, f64le, f64load, f64mul, f64promote, f64sub, f64min, f64store, f64x2add, f64x2lane, f64x2max, f64x2min, f64x2mul, f64x2splat, f64x2sub, get, I32, i32add, i32c, i32eqz, i32load, i32ltu, i32mul, i32shl, i32store, i32sub, ifThen, instantiate, selectOp, loop, set, V128, v128load, v128store, v128zero, type ValType, type WasmFunc } from '../../core/wasm-asm';

/** Largest projection the screen uses, and the variance share that is enough to stop earlier. */
const M_MAX = 16;
const VARIANCE_KEPT = 0.999;
const U32 = 2 ** -24;
const SAFETY = 2;
/** Relative widening of the f64 quantities (see the header). */
const F64_SLACK = 1e-10;
const RHO_SLACK = 1e-12;
const RHO_U_SLACK = 1e-10;
/** ‖z‖·max‖e‖ above this could overflow somewhere in f32: such positions are searched exhaustively. */
const HUGE = 1e30;
/** Up to this k the screen first bounds τ on a window of entries near a_0 and then screens only the range that can qualify. */
const WINDOW_K_MAX = 16;

export interface ProjectedCodebook {
  readonly codebook: Float32Array;
  readonly N: number;
  readonly nz: number;
  /** Projection rank (0: no screen, every search exhaustive — non-finite or huge codebooks). */
  readonly m: number;
  /** ‖e_j‖² exactly as knnCpu sums it (f32). */
  readonly norms: Float32Array;
  /** Eᵀ [nz, N], for the exhaustive routine. */
  readonly codebookT: Float32Array;
  readonly mean: Float64Array;
  /** Q [nz, m] row-major (orthonormal columns). */
  readonly basis: Float64Array;
  /** Entries padded to an even count (the SIMD screen takes two at a time); padding never qualifies. */
  readonly nPad: number;
  /** b_j = Qᵀ(e_j − μ), transposed: [m, nPad]. */
  readonly projT: Float64Array;
  /** ρ_j ± its slack. */
  readonly residHi: Float64Array;
  readonly residLo: Float64Array;
  /** c_j = norms_j − ‖e_j‖² (f64), the f32-norm correction (+huge on padding). */
  readonly corr: Float64Array;
  /** The interval's widening terms that depend on j alone: δ's codebook part + ε's norm part. */
  readonly widenE: Float64Array;
  /** ‖e_j‖ (ε's part that scales with ‖z‖). */
  readonly eLen: Float64Array;
  readonly maxELen: number;
}

/** Orthonormalise the columns of Q [n, m] (row-major) in place, modified Gram–Schmidt twice. */
function orthonormalize(Q: Float64Array, n: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += Q[r * m + i] * Q[r * m + j];
        for (let r = 0; r < n; r++) Q[r * m + i] -= d * Q[r * m + j];
      }
      let s = 0;
      for (let r = 0; r < n; r++) s += Q[r * m + i] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let r = 0; r < n; r++) Q[r * m + i] *= inv;
    }
  }
}

/** The top principal directions of the entries (subspace iteration on the covariance, fixed start); m the fewest of ≤ 16 that keep 99.9 % of the variance. */
function principalBasis(codebook: Float32Array, N: number, nz: number, mean: Float64Array): { basis: Float64Array; m: number } {
  const cov = new Float64Array(nz * nz);
  const v = new Float64Array(nz);
  for (let j = 0; j < N; j++) {
    for (let c = 0; c < nz; c++) v[c] = codebook[j * nz + c] - mean[c];
    for (let r = 0; r < nz; r++) {
      const vr = v[r];
      if (vr === 0) continue;
      const row = r * nz;
      for (let c = r; c < nz; c++) cov[row + c] += vr * v[c];
    }
  }
  for (let r = 0; r < nz; r++) for (let c = 0; c < r; c++) cov[r * nz + c] = cov[c * nz + r];
  let trace = 0;
  for (let r = 0; r < nz; r++) trace += cov[r * nz + r];
  const mm = Math.min(M_MAX, nz);
  let Q = new Float64Array(nz * mm);
  // A fixed, generic start (no RNG state): every direction has a component along every axis.
  for (let i = 0; i < nz * mm; i++) {
    const x = Math.sin(1 + i * 12.9898) * 43758.5453;
    Q[i] = x - Math.floor(x) - 0.5;
  }
  orthonormalize(Q, nz, mm);
  for (let it = 0; it < 40 && trace > 0; it++) {
    const next = new Float64Array(nz * mm);
    for (let r = 0; r < nz; r++) {
      const row = r * nz;
      for (let c = 0; c < nz; c++) {
        const x = cov[row + c];
        if (x === 0) continue;
        for (let i = 0; i < mm; i++) next[r * mm + i] += x * Q[c * mm + i];
      }
    }
    orthonormalize(next, nz, mm);
    Q = next;
  }
  // Variance along each direction (Rayleigh quotients; the iteration leaves the largest first).
  let m = mm;
  let kept = 0;
  for (let i = 0; i < mm && trace > 0; i++) {
    let q = 0;
    for (let r = 0; r < nz; r++) {
      let s = 0;
      for (let c = 0; c < nz; c++) s += cov[r * nz + c] * Q[c * mm + i];
      q += Q[r * mm + i] * s;
    }
    kept += q;
    if (kept >= VARIANCE_KEPT * trace) {
      m = i + 1;
      break;
    }
  }
  const basis = new Float64Array(nz * m);
  for (let r = 0; r < nz; r++) for (let i = 0; i < m; i++) basis[r * m + i] = Q[r * mm + i];
  return { basis, m };
}

/** max |QᵀQ − I| ≤ tol over Q's non-zero columns (a zero column projects everything to 0 and is harmless). */
function orthonormalTo(Q: Float64Array, nz: number, m: number, tol: number): boolean {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let d = 0;
      for (let r = 0; r < nz; r++) d += Q[r * m + i] * Q[r * m + j];
      const zeroCol = i === j && d === 0;
      if (!zeroCol && Math.abs(d - (i === j ? 1 : 0)) > tol) return false;
    }
  }
  return true;
}

/** The codebook with its projection (see the header); computed once per model. */
export function prepareProjectedCodebook(codebook: Float32Array, N: number, nz: number): ProjectedCodebook {
  if (codebook.length < N * nz) throw new RangeError(`codebook has ${codebook.length} values, need N·nz = ${N * nz}`);
  const norms = codebookNorms(codebook, N, nz);
  const codebookT = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) codebookT[c * N + j] = codebook[j * nz + c];
  let finite = true;
  for (let i = 0; i < N * nz && finite; i++) finite = Number.isFinite(codebook[i]);
  const mean = new Float64Array(nz);
  if (finite) {
    for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) mean[c] += codebook[j * nz + c];
    for (let c = 0; c < nz; c++) mean[c] /= N;
  }
  const { basis, m } = finite ? principalBasis(codebook, N, nz, mean) : { basis: new Float64Array(0), m: 0 };
  const nPad = N + (N & 1);
  const projT = new Float64Array(m * nPad);
  const residHi = new Float64Array(nPad);
  const residLo = new Float64Array(nPad);
  const corr = new Float64Array(nPad).fill(1e300);
  const widenE = new Float64Array(nPad);
  const eLen = new Float64Array(nPad);
  let maxELen = 0;
  const v = new Float64Array(nz);
  const b = new Float64Array(m);
  for (let j = 0; j < N; j++) {
    let ee = 0;
    let vv = 0;
    for (let c = 0; c < nz; c++) {
      const e = codebook[j * nz + c];
      ee += e * e;
      v[c] = e - mean[c];
      vv += v[c] * v[c];
    }
    project(v, basis, nz, m, b);
    for (let i = 0; i < m; i++) projT[i * nPad + j] = b[i];
    // ρ_j explicitly (one-off cost), so only its f64 rounding needs a slack.
    let rr = 0;
    for (let r = 0; r < nz; r++) {
      let q = v[r];
      for (let i = 0; i < m; i++) q -= basis[r * m + i] * b[i];
      rr += q * q;
    }
    const rho = Math.sqrt(rr);
    const slack = RHO_SLACK * (Math.sqrt(vv) + 1);
    residHi[j] = rho + slack;
    residLo[j] = rho - slack;
    corr[j] = norms[j] - ee;
    eLen[j] = Math.sqrt(ee);
    // δ's codebook part, 3·F64_SLACK·(‖v_j‖² + ‖e_j‖²) ≥ its share of F64_SLACK·(‖u‖ + ‖v_j‖ + ‖e_j‖)²,
    // plus ε's norm term 2u·|norms_j|.
    widenE[j] = 3 * F64_SLACK * (vv + ee) + SAFETY * U32 * Math.abs(norms[j]);
    maxELen = Math.max(maxELen, eLen[j]);
  }
  // Overflow-safe in f32 (‖e‖² finite) and a basis orthonormal to f64 precision, or no screen at all.
  const usable = finite && maxELen * maxELen <= HUGE && orthonormalTo(basis, nz, m, 1e-13);
  return { codebook, N, nz, m: usable ? m : 0, norms, codebookT, mean, basis, nPad, projT, residHi, residLo, corr, widenE, eLen, maxELen: usable ? maxELen : Infinity };
}

/** b = Qᵀv. */
function project(v: Float64Array, Q: Float64Array, nz: number, m: number, b: Float64Array): void {
  b.fill(0);
  for (let r = 0; r < nz; r++) {
    const x = v[r];
    for (let i = 0; i < m; i++) b[i] += Q[r * m + i] * x;
  }
}

/** One position's screen inputs besides a = Qᵀu: ρ_u's interval and the interval's widening. */
interface PositionTerms {
  rhoLo: number;
  rhoHi: number;
  /** δ's ‖u‖ part (+ the reference's underflow). */
  deltaU: number;
  /** ε's ‖z‖·‖e_j‖ coefficient. */
  epsZ: number;
}

/**
 * L_j and U_j for every entry (see the header), in plain JS: the formulas the SIMD screen
 * evaluates two entries at a time.
 */
function screenJs(cb: ProjectedCodebook, a: Float64Array, t: PositionTerms, lower: Float64Array, upper: Float64Array): void {
  const { m, nPad, projT, residHi, residLo, corr, widenE, eLen } = cb;
  for (let j = 0; j < nPad; j++) {
    let A = 0;
    for (let i = 0; i < m; i++) {
      const d = a[i] - projT[i * nPad + j];
      A += d * d;
    }
    const gap = Math.max(Math.max(t.rhoLo - residHi[j], residLo[j] - t.rhoHi), 0);
    const far = t.rhoHi + residHi[j];
    const widen = t.deltaU + widenE[j] + t.epsZ * eLen[j];
    const base = A + corr[j];
    lower[j] = base + gap * gap - widen;
    upper[j] = base + far * far + widen;
  }
}

// ---- the SIMD kernels (one module per projection rank m, its dimension loops unrolled) ----
// project(z, P, nz, mean, Q, outA, outZZ, outUU): for every position p of z [nz, P] (f32), a_p = Qᵀ(z_p − μ) (f64,
//   Q [nz][mPad] with mPad = m rounded up to even, zero-padded), ‖z_p‖² and ‖z_p − μ‖², each summed over c in
//   order — positionTerms's arithmetic — at outA + 8·mPad·p, outZZ + 8p, outUU + 8p.
// screen(a, projT, count, stride, residHi, residLo, corr, widenE, eLen, lower, upper, minOut, rhoLo, rhoHi, deltaU, epsZ):
//   L_j, U_j for the `count` (even) entries from each pointer on (two per f64x2; projT rows `stride` entries apart)
//   and their minimum U at minOut; a = one row of outA.
// select(lower, n, tau, out) → count: the j < n with L_j ≤ τ, ascending, as i32 at out.
// exact(z, codebook, norms, list, count, nz, out): for the candidates j = list[i] (i < count, four at a time, rows
//   gathered from the row-major codebook), the f32 distance f32(‖e_j‖² − 2·Σ_c f32(z_c·e_jc)) summed in c order from
//   +0 — knnCpu's arithmetic, lane by lane — at out + 4·i.

function projectFunc(m: number): WasmFunc {
  const h = (m + 1) >> 1; // f64x2 accumulators
  const [Z, P, NZ, MEAN, Q, OA, OZZ, OUU] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [PI, C, ZP, QP, MP] = [8, 9, 10, 11, 12];
  const [X, U, ZZ, UU] = [13, 14, 15, 16];
  const U2 = 17;
  const ACC = Array.from({ length: h }, (_, i) => 18 + i);
  const body = [
    ...i32c(0), ...set(PI),
    ...block, ...loop,
    ...get(PI), ...get(P), ...i32ltu, ...i32eqz, ...brIf(1),
    ...ACC.flatMap((r) => [...v128zero, ...set(r)]),
    ...f64c(0), ...set(ZZ), ...f64c(0), ...set(UU),
    // zp = z + 4p (steps 4P per c), qp = Q, mp = mean
    ...get(Z), ...get(PI), ...i32c(2), ...i32shl, ...i32add, ...set(ZP),
    ...get(Q), ...set(QP), ...get(MEAN), ...set(MP),
    ...i32c(0), ...set(C),
    ...block, ...loop,
    ...get(C), ...get(NZ), ...i32ltu, ...i32eqz, ...brIf(1),
    ...get(ZP), ...f32load(), ...f64promote, ...set(X),
    ...get(ZZ), ...get(X), ...get(X), ...f64mul, ...f64add, ...set(ZZ),
    ...get(X), ...get(MP), ...f64load(), ...f64sub, ...set(U),
    ...get(UU), ...get(U), ...get(U), ...f64mul, ...f64add, ...set(UU),
    ...get(U), ...f64x2splat, ...set(U2),
    ...ACC.flatMap((r, i) => [...get(r), ...get(U2), ...get(QP), ...v128load(16 * i), ...f64x2mul, ...f64x2add, ...set(r)]),
    ...get(ZP), ...get(P), ...i32c(2), ...i32shl, ...i32add, ...set(ZP),
    ...get(QP), ...i32c(16 * h), ...i32add, ...set(QP),
    ...get(MP), ...i32c(8), ...i32add, ...set(MP),
    ...get(C), ...i32c(1), ...i32add, ...set(C),
    ...br(0),
    ...end, ...end,
    ...ACC.flatMap((r, i) => [...get(OA), ...get(PI), ...i32c(16 * h), ...i32mul, ...i32add, ...get(r), ...v128store(16 * i)]),
    ...get(OZZ), ...get(PI), ...i32c(3), ...i32shl, ...i32add, ...get(ZZ), ...f64store(),
    ...get(OUU), ...get(PI), ...i32c(3), ...i32shl, ...i32add, ...get(UU), ...f64store(),
    ...get(PI), ...i32c(1), ...i32add, ...set(PI),
    ...br(0),
    ...end, ...end,
  ];
  return { name: 'project', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, F64, F64, F64, F64, V128, ...ACC.map((): ValType => V128)], body };
}

function screenFunc(m: number): WasmFunc {
  const mp = m + (m & 1);
  const [A, PROJ, NPAD, STRIDE, RHI, RLO, CORR, WID, ELEN, LO, UP, MIN, RHOLO, RHOHI, DELTAU, EPSZ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const [J, OFF, BP, ROWB] = [16, 17, 18, 19];
  const [ACC, D, VRHOLO, VRHOHI, VDELTA, VEPS, GAP, FAR, WIDEN, BASE, UPV, VMIN, PAIR] = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32];
  const AS = Array.from({ length: mp }, (_, i) => 33 + i); // a_i splatted
  const lane = (base: number) => [...get(base), ...get(OFF), ...i32add];
  const body: number[] = [
    ...AS.flatMap((r, i) => (i % 2 === 0 ? [...get(A), ...v128load(8 * i), ...set(PAIR), ...get(PAIR), ...f64x2lane(0), ...f64x2splat, ...set(r)] : [...get(PAIR), ...f64x2lane(1), ...f64x2splat, ...set(r)])),
    ...get(RHOLO), ...f64x2splat, ...set(VRHOLO),
    ...get(RHOHI), ...f64x2splat, ...set(VRHOHI),
    ...get(DELTAU), ...f64x2splat, ...set(VDELTA),
    ...get(EPSZ), ...f64x2splat, ...set(VEPS),
    ...f64c(Infinity), ...f64x2splat, ...set(VMIN),
    ...get(STRIDE), ...i32c(3), ...i32shl, ...set(ROWB),
    ...i32c(0), ...set(J),
    ...block, ...loop,
    ...get(J), ...get(NPAD), ...i32ltu, ...i32eqz, ...brIf(1),
    ...get(J), ...i32c(3), ...i32shl, ...set(OFF),
    // A = Σ_i (a_i − b_ij)², i in order
    ...lane(PROJ), ...set(BP),
    ...v128zero, ...set(ACC),
    ...AS.flatMap((r, i) => [
      ...get(r), ...get(BP), ...v128load(), ...f64x2sub, ...set(D),
      ...get(ACC), ...get(D), ...get(D), ...f64x2mul, ...f64x2add, ...set(ACC),
      ...(i + 1 < mp ? [...get(BP), ...get(ROWB), ...i32add, ...set(BP)] : []),
    ]),
    // gap = max(max(rhoLo − residHi, residLo − rhoHi), 0)
    ...get(VRHOLO), ...lane(RHI), ...v128load(), ...f64x2sub,
    ...lane(RLO), ...v128load(), ...get(VRHOHI), ...f64x2sub,
    ...f64x2max, ...v128zero, ...f64x2max, ...set(GAP),
    // far = rhoHi + residHi
    ...get(VRHOHI), ...lane(RHI), ...v128load(), ...f64x2add, ...set(FAR),
    // widen = deltaU + widenE + epsZ·eLen
    ...get(VDELTA), ...lane(WID), ...v128load(), ...f64x2add, ...get(VEPS), ...lane(ELEN), ...v128load(), ...f64x2mul, ...f64x2add, ...set(WIDEN),
    // base = A + corr
    ...get(ACC), ...lane(CORR), ...v128load(), ...f64x2add, ...set(BASE),
    // lower = base + gap·gap − widen ; upper = base + far·far + widen
    ...lane(LO), ...get(BASE), ...get(GAP), ...get(GAP), ...f64x2mul, ...f64x2add, ...get(WIDEN), ...f64x2sub, ...v128store(),
    ...get(BASE), ...get(FAR), ...get(FAR), ...f64x2mul, ...f64x2add, ...get(WIDEN), ...f64x2add, ...set(UPV),
    ...lane(UP), ...get(UPV), ...v128store(),
    ...get(VMIN), ...get(UPV), ...f64x2min, ...set(VMIN),
    ...get(J), ...i32c(2), ...i32add, ...set(J),
    ...br(0),
    ...end, ...end,
    ...get(MIN), ...get(VMIN), ...f64x2lane(0), ...get(VMIN), ...f64x2lane(1), ...f64min, ...f64store(),
  ];
  return {
    name: 'screen',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64],
    locals: [I32, I32, I32, I32, ...new Array<typeof V128>(13 + mp).fill(V128)],
    body,
  };
}

function selectFunc(): WasmFunc {
  const [LO, NPAD, TAU, OUT, J, N_] = [0, 1, 2, 3, 4, 5];
  const body = [
    ...i32c(0), ...set(J), ...i32c(0), ...set(N_),
    ...block, ...loop,
    ...get(J), ...get(NPAD), ...i32ltu, ...i32eqz, ...brIf(1),
    ...get(LO), ...get(J), ...i32c(3), ...i32shl, ...i32add, ...f64load(), ...get(TAU), ...f64le,
    ...ifThen,
    ...get(OUT), ...get(N_), ...i32c(2), ...i32shl, ...i32add, ...get(J), ...i32store(),
    ...get(N_), ...i32c(1), ...i32add, ...set(N_),
    ...end,
    ...get(J), ...i32c(1), ...i32add, ...set(J),
    ...br(0),
    ...end, ...end,
    ...get(N_),
  ];
  return { name: 'select', params: [I32, I32, F64, I32], locals: [I32, I32], body, results: [I32] };
}

function exactFunc(): WasmFunc {
  const [Z, CB, NORMS, LIST, COUNT, NZ, OUT] = [0, 1, 2, 3, 4, 5, 6];
  const [I, C, ZP, R0, R1, R2, R3, ROWB, ACC] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
  const R = [R0, R1, R2, R3];
  // j of candidate i + k (a short last quad repeats the last candidate; its extra lanes are not read).
  const cand = (k: number) => [
    ...get(LIST),
    ...get(I), ...i32c(k), ...i32add,
    ...get(COUNT), ...i32c(1), ...i32sub,
    ...get(I), ...i32c(k), ...i32add, ...get(COUNT), ...i32ltu,
    ...selectOp,
    ...i32c(2), ...i32shl, ...i32add, ...i32load(),
  ];
  const body = [
    ...get(NZ), ...i32c(2), ...i32shl, ...set(ROWB),
    ...i32c(0), ...set(I),
    ...block, ...loop,
    ...get(I), ...get(COUNT), ...i32ltu, ...i32eqz, ...brIf(1),
    // rows of the four candidates (row-major codebook [N][nz] f32)
    ...R.flatMap((r, k) => [...cand(k), ...get(ROWB), ...i32mul, ...get(CB), ...i32add, ...set(r)]),
    ...get(Z), ...set(ZP),
    ...v128zero, ...set(ACC),
    ...i32c(0), ...set(C),
    ...block, ...loop,
    ...get(C), ...get(NZ), ...i32ltu, ...i32eqz, ...brIf(1),
    // (e_{j0,c}, …, e_{j3,c}) · z_c added to the four running sums: f32 product, f32 sum, c in order
    ...get(ACC),
    ...get(R0), ...f32load(), ...f32x4splat,
    ...get(R1), ...f32load(), ...f32x4replace(1),
    ...get(R2), ...f32load(), ...f32x4replace(2),
    ...get(R3), ...f32load(), ...f32x4replace(3),
    ...get(ZP), ...f32load(), ...f32x4splat, ...f32x4mul, ...f32x4add, ...set(ACC),
    ...R.flatMap((r) => [...get(r), ...i32c(4), ...i32add, ...set(r)]),
    ...get(ZP), ...i32c(4), ...i32add, ...set(ZP),
    ...get(C), ...i32c(1), ...i32add, ...set(C),
    ...br(0),
    ...end, ...end,
    // out[i … i+3] = (norms_j0 … norms_j3) − (acc + acc)
    ...get(OUT), ...get(I), ...i32c(2), ...i32shl, ...i32add,
    ...[0, 1, 2, 3].flatMap((k) => [...get(NORMS), ...cand(k), ...i32c(2), ...i32shl, ...i32add, ...f32load(), ...(k === 0 ? f32x4splat : f32x4replace(k))]),
    ...get(ACC), ...get(ACC), ...f32x4add, ...f32x4sub,
    ...v128store(),
    ...get(I), ...i32c(4), ...i32add, ...set(I),
    ...br(0),
    ...end, ...end,
  ];
  return { name: 'exact', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128], body };
}

interface KnnWasm {
  m: number;
  mem: WebAssembly.Memory;
  project(z: number, P: number, nz: number, mean: number, Q: number, outA: number, outZZ: number, outUU: number): void;
  screen(...args: number[]): void;
  select(lower: number, n: number, tau: number, out: number): number;
  exact(z: number, codebook: number, norms: number, list: number, count: number, nz: number, out: number): void;
}

const modules = new Map<number, KnnWasm | null>();

function knnWasm(m: number): KnnWasm | null {
  if (!modules.has(m)) {
    const inst = instantiate(assemble([projectFunc(m), screenFunc(m), selectFunc(), exactFunc()]));
    const fn = <T>(name: string) => inst!.exports[name] as T;
    modules.set(m, inst ? { m, mem: fn('mem'), project: fn('project'), screen: fn('screen'), select: fn('select'), exact: fn('exact') } : null);
  }
  return modules.get(m)!;
}

/**
 * A few searches on made-up latents, so V8 compiles the kernels' optimised code (see blur-simd.ts's
 * warmUpBlur) before the first real search. Leaves no state behind but the compiled module.
 */
export function warmUpKnn(cb: ProjectedCodebook): void {
  if (cb.m === 0 || !knnWasm(cb.m)) return;
  const P = 32;
  const z = new Float32Array(cb.nz * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < cb.nz; c++) z[c * P + p] = cb.codebook[((p * 37) % cb.N) * cb.nz + c] + 0.01 * Math.sin(p + c);
  for (let i = 0; i < 8; i++) for (const k of [1, Math.min(cb.N, 20)]) knnProjected(z, P, cb, k);
}

/** True where the search runs its screen and exact distances as wasm SIMD (else plain JS, the same numbers). */
export function knnScreenSimdAvailable(): boolean {
  return knnWasm(2) !== null;
}

/** The codebook in wasm memory (byte offsets), laid out once per codebook: calls are synchronous, one layout at a time. */
interface WasmLayout {
  cb: ProjectedCodebook;
  w: KnnWasm;
  /** Entries in ascending order of their first projected coordinate b_j0 (the per-entry arrays in wasm follow it). */
  order: Uint32Array;
  b0: Float64Array;
  /** min_j c_j and max_j of the j-only widening terms, for the range test. */
  minCorr: number;
  maxWidenE: number;
  mean: number;
  q: number;
  min: number;
  proj: number;
  rhi: number;
  rlo: number;
  corr: number;
  wid: number;
  elen: number;
  lo: number;
  up: number;
  rows: number;
  norms: number;
  list: number;
  out: number;
  /** The latent z's column p (f32), for `exact`. */
  zp: number;
  /** First free byte (latentArea starts here). */
  end: number;
}
const layouts = new Map<KnnWasm, WasmLayout>();

/** Where one call's latents go: z [nz, P] (f32), then a (f64 [P][mPad]), ‖z‖², ‖z − μ‖² (f64 [P]). */
function latentArea(l: WasmLayout, nz: number, P: number) {
  const mp = l.cb.m + (l.cb.m & 1);
  const z = l.end;
  const a = z + ((4 * nz * P + 15) & ~15);
  const zz = a + 8 * mp * P;
  const uu = zz + ((8 * P + 15) & ~15);
  ensureMemory(l.w.mem, uu + 8 * P);
  return { z, a, zz, uu, mp };
}

function layoutFor(w: KnnWasm, cb: ProjectedCodebook): WasmLayout {
  const known = layouts.get(w);
  if (known?.cb === cb) return known;
  const { m, nPad, N, nz, codebook, norms } = cb;
  const mp = m + (m & 1);
  const order = Uint32Array.from({ length: N }, (_, j) => j).sort((x, y) => cb.projT[x] - cb.projT[y] || x - y);
  const b0 = Float64Array.from(order, (j) => cb.projT[j]);
  let minCorr = Infinity;
  let maxWidenE = 0;
  for (let j = 0; j < N; j++) {
    minCorr = Math.min(minCorr, cb.corr[j]);
    maxWidenE = Math.max(maxWidenE, cb.widenE[j]);
  }
  let off = 0;
  const take = (bytes: number) => {
    const at = off;
    off += (bytes + 15) & ~15;
    return at;
  };
  const l: WasmLayout = {
    cb,
    w,
    order,
    b0,
    minCorr,
    maxWidenE,
    mean: take(8 * nz),
    q: take(8 * nz * mp),
    min: take(16),
    zp: take(4 * nz),
    proj: take(8 * mp * nPad),
    rhi: take(8 * nPad),
    rlo: take(8 * nPad),
    corr: take(8 * nPad),
    wid: take(8 * nPad),
    elen: take(8 * nPad),
    lo: take(8 * nPad),
    up: take(8 * nPad),
    rows: take(4 * N * nz),
    norms: take(4 * N),
    list: take(4 * nPad),
    out: take(16 * nPad),
    end: 0,
  };
  l.end = off;
  ensureMemory(w.mem, off);
  const f64 = new Float64Array(w.mem.buffer);
  f64.set(cb.mean, l.mean / 8);
  // Q and projT with a zero column / row when m is odd: (0 − 0)² adds nothing.
  f64.fill(0, l.q / 8, l.q / 8 + nz * mp);
  for (let c = 0; c < nz; c++) for (let i = 0; i < m; i++) f64[l.q / 8 + c * mp + i] = cb.basis[c * m + i];
  // Per-entry data in b_j0 order; the padding entry (odd N) last, with c = 1e300: it never qualifies.
  f64.fill(0, l.proj / 8, l.proj / 8 + mp * nPad);
  for (const [arr, at] of [[cb.residHi, l.rhi], [cb.residLo, l.rlo], [cb.corr, l.corr], [cb.widenE, l.wid], [cb.eLen, l.elen]] as const) {
    for (let s = 0; s < nPad; s++) f64[at / 8 + s] = arr[s < N ? order[s] : s];
  }
  for (let i = 0; i < m; i++) for (let s = 0; s < N; s++) f64[l.proj / 8 + i * nPad + s] = cb.projT[i * nPad + order[s]];
  const f32 = new Float32Array(w.mem.buffer);
  f32.set(codebook.subarray(0, N * nz), l.rows / 4);
  f32.set(norms, l.norms / 4);
  layouts.set(w, l);
  return l;
}

/**
 * knnCpu's result for z [nz, P] (1 ≤ k ≤ N): per position the k-th nearest entry in
 * (f32 distance, index) order and zq [nz, P]. `simd: false` forces the plain-JS path (tests).
 */
export function knnProjected(z: Float32Array, P: number, cb: ProjectedCodebook, k: number, opts: { simd?: boolean } = {}): KnnResult {
  const { indices, zq } = search(z, P, cb, k, opts.simd !== false, true);
  return { indices, zq: zq! };
}

/** knnProjected's `indices` alone (zq is not gathered): for a caller that looks the entries up itself (code-conv.ts). */
export function knnProjectedIndices(z: Float32Array, P: number, cb: ProjectedCodebook, k: number, opts: { simd?: boolean } = {}): Uint32Array {
  return search(z, P, cb, k, opts.simd !== false, false).indices;
}

function search(z: Float32Array, P: number, cb: ProjectedCodebook, k: number, simd: boolean, withZq: boolean): { indices: Uint32Array; zq: Float32Array | null } {
  const { N, nz, m } = cb;
  if (z.length < nz * P) throw new RangeError(`z has ${z.length} values, need nz·P = ${nz * P}`);
  if (!Number.isInteger(k) || k < 1 || k > N) throw new RangeError(`k = ${k} outside 1…${N}`);
  const w = m > 0 && simd ? knnWasm(m) : null;
  return w ? searchWasm(w, z, P, cb, k, withZq) : searchJs(z, P, cb, k, withZq);
}

/** a = Qᵀ(z_p − μ), ‖z_p‖², ‖z_p − μ‖² in f64, summed over c in order (the wasm `project` does the same operations). */
function projectJs(z: Float32Array, P: number, p: number, cb: ProjectedCodebook, a: Float64Array): { zz: number; uu: number } {
  const { nz, m, mean, basis } = cb;
  let zz = 0;
  let uu = 0;
  a.fill(0);
  for (let c = 0; c < nz; c++) {
    const x = z[c * P + p];
    zz += x * x;
    const uc = x - mean[c];
    uu += uc * uc;
    const row = c * m;
    for (let i = 0; i < m; i++) a[i] += basis[row + i] * uc;
  }
  return { zz, uu };
}

/** The screen's terms for a position (a = Qᵀu at a[aAt …]); null where the exhaustive routine must run. */
function positionTerms(cb: ProjectedCodebook, zz: number, uu: number, a: Float64Array, aAt = 0): PositionTerms | null {
  const { nz, m } = cb;
  const zLen = Math.sqrt(zz);
  if (m === 0 || !Number.isFinite(zLen) || !Number.isFinite(uu) || zLen * cb.maxELen > HUGE) return null;
  let aa = 0;
  for (let i = 0; i < m; i++) aa += a[aAt + i] * a[aAt + i];
  // ρ_u² = ‖u‖² − ‖a‖² for an orthonormal Q; its f64 error (< 2e-12·‖u‖²) is inside the slack.
  const rho2 = uu - aa;
  const eta = RHO_U_SLACK * uu + 1e-300;
  const n = nz + 1;
  const gamma = (n * U32) / (1 - n * U32);
  return {
    rhoLo: Math.sqrt(Math.max(0, rho2 - eta)),
    rhoHi: Math.sqrt(Math.max(0, rho2 + eta)),
    // + 1e-38: the reference's f32 underflow (each of its ≤ 2·nz + 1 roundings loses < 2⁻¹⁴⁹ absolutely).
    deltaU: 3 * F64_SLACK * uu + 1e-38,
    epsZ: SAFETY * (2 * gamma + 2.01 * U32) * zLen,
  };
}

/** τ: the k-th smallest upper bound (k = 1: `min`, which the caller may already have). */
function kthUpper(upper: Float64Array, N: number, k: number, scratch: Float64Array, min?: number): number {
  if (k === 1) {
    if (min !== undefined) return min;
    let t = Infinity;
    for (let j = 0; j < N; j++) if (upper[j] < t) t = upper[j];
    return t;
  }
  const s = scratch.subarray(0, N);
  s.set(upper.subarray(0, N));
  return kthSmallest(s, k);
}

/** First index i with sorted[i] ≥ x (sorted.length if none). */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with sorted[i] > x (sorted.length if none). */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function searchJs(z: Float32Array, P: number, cb: ProjectedCodebook, k: number, withZq: boolean): { indices: Uint32Array; zq: Float32Array | null } {
  const { codebook, N, nz, m, norms, nPad } = cb;
  const indices = new Uint32Array(P);
  const zq = withZq ? new Float32Array(nz * P) : null;
  const lower = new Float64Array(nPad);
  const upper = new Float64Array(nPad);
  const scratch = new Float64Array(N);
  const candD = new Float32Array(N);
  const candJ = new Uint32Array(N);
  const perm = new Uint32Array(N);
  const fullD = new Float32Array(N);
  const zp = new Float32Array(nz);
  const a = new Float64Array(m);
  for (let p = 0; p < P; p++) {
    const { zz, uu } = projectJs(z, P, p, cb, a);
    const t = positionTerms(cb, zz, uu, a);
    let idx: number;
    if (!t) {
      positionDistances(z, nz, P, p, cb.codebookT, norms, N, fullD);
      idx = kthByDistanceThenIndex(fullD, k, perm);
    } else {
      for (let c = 0; c < nz; c++) zp[c] = z[c * P + p];
      screenJs(cb, a, t, lower, upper);
      const tau = kthUpper(upper, N, k, scratch);
      let count = 0;
      for (let j = 0; j < N; j++) {
        if (lower[j] <= tau) {
          candJ[count] = j;
          candD[count] = exactDistance(zp, codebook, j, norms[j]);
          count++;
        }
      }
      // Candidates are in ascending index order, so (d, position) order is (d, index) order.
      idx = candJ[kthByDistanceThenIndex(candD.subarray(0, count), k, perm)];
    }
    indices[p] = idx;
    if (zq) for (let c = 0; c < nz; c++) zq[c * P + p] = codebook[idx * nz + c];
  }
  return { indices, zq };
}

/** The same search with the projection, the screen, the candidate scan and the exact distances (four candidates at a time) in wasm. */
function searchWasm(w: KnnWasm, z: Float32Array, P: number, cb: ProjectedCodebook, k: number, withZq: boolean): { indices: Uint32Array; zq: Float32Array | null } {
  const { codebook, N, nz, norms, nPad } = cb;
  const l = layoutFor(w, cb);
  const lat = latentArea(l, nz, P);
  const buf = w.mem.buffer;
  const f64 = new Float64Array(buf);
  const f32 = new Float32Array(buf);
  const i32 = new Int32Array(buf);
  f32.set(z.subarray(0, nz * P), lat.z / 4);
  w.project(lat.z, P, nz, l.mean, l.q, lat.a, lat.zz, lat.uu);
  const upper = f64.subarray(l.up / 8, l.up / 8 + nPad);
  const indices = new Uint32Array(P);
  const zq = withZq ? new Float32Array(nz * P) : null;
  const scratch = new Float64Array(nPad);
  const candD = new Float32Array(N + 3);
  const candJ = new Uint32Array(N + 3);
  const perm = new Uint32Array(N + 3);
  const fullD = new Float32Array(N);
  for (let p = 0; p < P; p++) {
    const aAt = lat.a / 8 + lat.mp * p;
    const t = positionTerms(cb, f64[lat.zz / 8 + p], f64[lat.uu / 8 + p], f64, aAt);
    let idx: number;
    if (!t) {
      positionDistances(z, nz, P, p, cb.codebookT, norms, N, fullD);
      idx = kthByDistanceThenIndex(fullD, k, perm);
    } else {
      // A window of ≥ k entries around a_0 in b_0 order gives τ' (an upper bound on the k-th distance);
      // every entry with (a_0 − b_j0)² + min c − max widening > τ' has L_j > τ' (A_j ≥ (a_0 − b_j0)²),
      // so only [a_0 − R, a_0 + R] in b_0 order needs the screen.
      const a0 = f64[aAt];
      const screen = (lo: number, hi: number) =>
        w.screen(8 * aAt, l.proj + 8 * lo, hi - lo, nPad, l.rhi + 8 * lo, l.rlo + 8 * lo, l.corr + 8 * lo, l.wid + 8 * lo, l.elen + 8 * lo, l.lo + 8 * lo, l.up + 8 * lo, l.min, t.rhoLo, t.rhoHi, t.deltaU, t.epsZ);
      let lo = 0;
      let hi = nPad;
      // Large k: most of the codebook qualifies anyway; one screen of all of it.
      if (k <= WINDOW_K_MAX) {
        const half = Math.max(k, 8);
        const at = lowerBound(l.b0, a0);
        let wHi = Math.min(N, Math.max(at + half, 2 * half));
        const wLo = Math.max(0, wHi - 2 * half) & ~1;
        wHi = Math.min(nPad, wHi + (wHi & 1));
        screen(wLo, wHi);
        const tauW = kthUpper(upper.subarray(wLo, wHi), wHi - wLo, k, scratch, k === 1 ? f64[l.min / 8] : undefined);
        const maxWiden = t.deltaU + l.maxWidenE + t.epsZ * cb.maxELen;
        // (Widened past the f64 rounding of a_0 ± R and of the bound itself.)
        const R = Math.sqrt(Math.max(0, tauW - l.minCorr + maxWiden)) * (1 + 1e-9) + 1e-12 * (Math.abs(a0) + 1);
        lo = lowerBound(l.b0, a0 - R) & ~1;
        hi = upperBound(l.b0, a0 + R);
        hi = Math.min(nPad, hi + (hi & 1));
      }
      screen(lo, hi);
      // k = 1: the screen's own minimum (a padding entry has U ≈ 1e300, never the minimum).
      const tau = kthUpper(upper.subarray(lo, hi), hi - lo, k, scratch, k === 1 ? f64[l.min / 8] : undefined);
      const count = w.select(l.lo + 8 * lo, hi - lo, tau, l.list);
      // Back to codebook indices, ascending (the (d, index) order of the selection below).
      for (let i = 0; i < count; i++) candJ[i] = l.order[lo + i32[l.list / 4 + i]];
      candJ.subarray(0, count).sort();
      i32.set(candJ.subarray(0, count), l.list / 4);
      for (let c = 0; c < nz; c++) f32[l.zp / 4 + c] = z[c * P + p];
      w.exact(l.zp, l.rows, l.norms, l.list, count, nz, l.out);
      for (let i = 0; i < count; i++) candD[i] = f32[l.out / 4 + i];
      const n = count;
      idx = candJ[kthByDistanceThenIndex(candD.subarray(0, n), k, perm)];
    }
    indices[p] = idx;
    if (zq) for (let c = 0; c < nz; c++) zq[c * P + p] = codebook[idx * nz + c];
  }
  return { indices, zq };
}
