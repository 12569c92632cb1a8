/**
 * 3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3), in wasm SIMD, for the VSR
 * net's CPU path (lite-net.ts): nearly all of a step's multiply-adds are such convolutions.
 *
 * Why: the direct kernel (conv-kernel.ts) already keeps its output block in registers and runs
 * close to this CPU's fused multiply-add rate, so only fewer multiplies can make it faster. F(2×2,
 * 3×3) computes a 2×2 output tile from a 4×4 input patch with 16 products per input and output
 * channel where the direct form needs 36: Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A (Lavin & Gray, 2016).
 * With the transforms the work per tile falls by ~1.8× for 32 → 32 channels.
 *
 * Per output row pair, the tiles of the row are taken in segments of SEG tiles:
 *   1. input transform: each 4×4 patch, four channels at a time (one v128 per pixel), into
 *      U[ξ][t][ci] (ξ = 4·row + column of the transformed patch, 16 of them);
 *   2. 16 small matrix products M[ξ][t][co] = Σ_ci U[ξ][t][ci] · W[ξ][ci][co], register-blocked as
 *      the direct kernel is (P tiles × 4·V channels in P·V accumulators, one splat per tile and
 *      channel, V weight loads);
 *   3. output transform of the 16 M[ξ] of each tile into its 2×2 outputs, then the direct kernel's
 *      epilogue in ORT's order: + bias, + residual, activation.
 * U and M live in a scratch area (one per thread, winogradScratchBytes) small enough for the caches:
 * SEG = 8 tiles of 96 input and 80 output channels are 88 KiB, of 32 and 32 channels 32 KiB.
 *
 * Layout: maps as in conv-kernel.ts (NHWC, one-pixel zero border, channel slices). Weights: the
 * layer's direct weights ([tap][ci][co] + co biases, packWeights) are followed by its Winograd weights
 * [ξ][ci][co] (winogradWeights): the kernel takes the direct weights' address, so a layer's
 * Winograd rows and its direct odd column / row (the caller runs those with conv-kernel.ts) share one
 * call's arguments. Parameters: ConvCall's eleven (call with conv-kernel.ts callConv), rows y0 … y1 − 1 and columns x0 … x0 + xn − 1 all
 * even in number and start, then the scratch address.
 *
 * Accuracy: the weight transform is computed in f64 and rounded once; the input transform adds and
 * subtracts inputs in f32 (values of up to 4·max|x|), each product sum runs over ci terms (not 9·ci),
 * and the output transform adds nine of the sums. The rounding error is a small multiple of the
 * direct kernel's: winograd-kernel.test.ts states and checks the bound against f64 sums.
 */
import * as A from '../../../core/wasm-asm';
import { vectorsPerBlock, pixelsPerBlock, type ConvSpec } from './conv-kernel';

/**
 * Tiles per segment: a multiple of every pixelsPerBlock (a segment's blocks never run past its
 * scratch). Measured on the 480×272 step (Node, one thread, vsr): 4 → 1.75×, 8 → 1.79×,
 * 12 → 1.84×, 16 → 1.71×, 32 → 1.62×, 64 → 1.53× the direct kernels' speed: small segments keep
 * U and M in the L1 / L2 caches.
 */
export const SEG = 8;
const PARAMS = 12;

/** Whether a layer runs as Winograd: 3×3, stride 1, channels in whole vectors. */
export const winogradFits = (spec: ConvSpec): boolean => spec.k === 3 && spec.stride === 1 && spec.ci % 4 === 0 && spec.co % 4 === 0;

/** Bytes of one thread's scratch for a layer of ci → co channels (U then M). */
export const winogradScratchBytes = (ci: number, co: number): number => 16 * SEG * (ci + co) * 4;

/** Bytes of a layer's direct weights (packWeights' output): the Winograd weights start there. */
export const directWeightBytes = (spec: ConvSpec): number => (spec.k * spec.k * spec.ci * spec.co + spec.co) * 4;

/** The wasm export name of `spec`'s Winograd kernel. */
export const winogradName = (spec: ConvSpec, fused: boolean): string =>
  `wino_ci${spec.ci}co${spec.co}_in${spec.inPix}out${spec.outPix}_${spec.act}${spec.act === 'leaky' ? spec.alpha : ''}${spec.residual ? '_res' : ''}${fused ? 'f' : ''}`;

// F(2, 3)'s filter transform G (4×3).
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/**
 * Weights [co][ci][3][3] (ONNX's OIHW) → [ξ][ciPadded][co] with ξ = 4·i + j of G g Gᵀ, in f64
 * rounded once to f32; padded input channels get zeros. No biases (they stay in the direct block).
 */
export function winogradWeights(w: Float32Array, co: number, ci: number, ciPadded = ci): Float32Array {
  const out = new Float32Array(16 * ciPadded * co);
  const gg = new Float64Array(12);
  for (let o = 0; o < co; o++) {
    for (let c = 0; c < ci; c++) {
      const g = w.subarray((o * ci + c) * 9, (o * ci + c) * 9 + 9);
      // gg = G g (4×3)
      for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) gg[i * 3 + j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
      // (G g) Gᵀ (4×4)
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const v = gg[i * 3] * G[j][0] + gg[i * 3 + 1] * G[j][1] + gg[i * 3 + 2] * G[j][2];
          out[((i * 4 + j) * ciPadded + c) * co + o] = v;
        }
      }
    }
  }
  return out;
}

/** The wasm function of `spec`'s Winograd kernel; `fused`: relaxed SIMD multiply-add, else mul + add. */
export function winogradFunction(spec: ConvSpec, fused: boolean): A.WasmFunc {
  if (!winogradFits(spec)) throw new RangeError(`winograd: ${spec.k}×${spec.k} stride ${spec.stride}, ${spec.ci} → ${spec.co} does not fit`);
  const { ci, co, inPix, outPix, act, residual } = spec;
  const v = vectorsPerBlock(co);
  const p = pixelsPerBlock(v);
  const [inPtr, inRow, wPtr, outPtr, outRow, resPtr, resRow, y0, y1, x0, xn, scr] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  // i32 locals
  let next = PARAMS;
  const i32 = () => next++;
  const y = i32(), s0 = i32(), n = i32(), nr = i32(), t = i32(), g = i32(), xi = i32(), cob = i32(), up = i32(), wp = i32(), end = i32(), mp = i32(), b0 = i32(), b1 = i32(), b2 = i32(), b3 = i32(), tiles = i32(), gEnd = i32(), r0 = i32(), r1 = i32();
  const nI32 = next - PARAMS;
  // v128 locals
  const d = Array.from({ length: 16 }, () => next++);
  const e = Array.from({ length: 16 }, () => next++);
  const acc = Array.from({ length: p * v }, () => next++);
  const wv = Array.from({ length: v }, () => next++);
  const s = next++;
  const bias = next++;
  const alpha = next++;
  const nV128 = next - PARAMS - nI32;
  const locals = [...new Array<number>(nI32).fill(A.I32), ...new Array<number>(nV128).fill(A.V128)] as A.ValType[];

  const inPixB = inPix * 4;
  const outPixB = outPix * 4;
  const uXi = SEG * ci * 4; // bytes between U[ξ] and U[ξ + 1]
  const mOff = 16 * uXi; // M after U
  const mXi = SEG * co * 4;
  const wOwn = directWeightBytes(spec); // Winograd weights after the direct ones
  const wXi = ci * co * 4;
  const biasOff = 9 * ci * co * 4; // the direct block's biases
  const blocks = co / (4 * v);
  const b: number[] = [];
  const add = (...ops: number[][]) => ops.forEach((o) => b.push(...o));
  const sub = (x: number, z: number) => [...A.get(x), ...A.get(z), ...A.f32x4sub];
  const sum = (x: number, z: number) => [...A.get(x), ...A.get(z), ...A.f32x4add];

  add(A.get(xn), A.i32c(1), A.i32shrS, A.set(tiles));
  if (act === 'leaky') add(A.f32c(spec.alpha ?? 0.01), A.f32x4splat, A.set(alpha));
  add(A.get(y0), A.set(y));
  add(A.block, A.loop); // rows, two at a time
  add(A.get(y), A.get(y1), A.i32geS, A.brIf(1));
  add(A.i32c(0), A.set(s0));
  add(A.block, A.loop); // segments
  add(A.get(s0), A.get(tiles), A.i32geS, A.brIf(1));
  // n = min(SEG, tiles − s0); nr = n rounded up to p.
  add(A.get(tiles), A.get(s0), A.i32sub, A.tee(n), A.i32c(SEG), A.get(n), A.i32c(SEG), A.i32ltS, A.selectOp, A.set(n));
  add(A.get(n), A.i32c(p - 1), A.i32add, A.i32c(-p), A.i32and, A.set(nr));

  // 1. Input transform: tile t's patch at padded rows y … y + 3, columns x0 + 2(s0 + t) … + 3.
  add(A.i32c(0), A.set(t));
  add(A.loop);
  // b0: padded (y, x0 + 2(s0 + t)); up: U[0][t][0].
  add(A.get(inPtr), A.get(y), A.get(inRow), A.i32mul, A.i32add, A.get(x0), A.get(s0), A.get(t), A.i32add, A.i32c(1), A.i32shl, A.i32add, A.i32c(inPixB), A.i32mul, A.i32add, A.set(b0));
  add(A.get(scr), A.get(t), A.i32c(ci * 4), A.i32mul, A.i32add, A.set(up));
  add(A.get(up), A.i32c(ci * 4), A.i32add, A.set(gEnd));
  add(A.loop); // four input channels at a time
  add(A.get(b0), A.get(inRow), A.i32add, A.set(b1), A.get(b1), A.get(inRow), A.i32add, A.set(b2), A.get(b2), A.get(inRow), A.i32add, A.set(b3));
  const rows = [b0, b1, b2, b3];
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) add(A.get(rows[r]), A.v128load(c * inPixB), A.set(d[r * 4 + c]));
  // Bᵀ d: e[0] = d0 − d2, e[1] = d1 + d2, e[2] = d2 − d1, e[3] = d1 − d3 (rows), per column.
  for (let c = 0; c < 4; c++) {
    const [d0, d1, d2, d3] = [0, 1, 2, 3].map((r) => d[r * 4 + c]);
    add(sub(d0, d2), A.set(e[c]), sum(d1, d2), A.set(e[4 + c]), sub(d2, d1), A.set(e[8 + c]), sub(d1, d3), A.set(e[12 + c]));
  }
  // (Bᵀ d) B: the same along each row; store V[r][c] at U[4r + c][t][channels].
  for (let r = 0; r < 4; r++) {
    const [e0, e1, e2, e3] = [0, 1, 2, 3].map((c) => e[r * 4 + c]);
    const out = [sub(e0, e2), sum(e1, e2), sub(e2, e1), sub(e1, e3)];
    out.forEach((val, c) => add(A.get(up), val, A.v128store((r * 4 + c) * uXi)));
  }
  add(A.get(b0), A.i32c(16), A.i32add, A.set(b0));
  add(A.get(up), A.i32c(16), A.i32add, A.tee(up), A.get(gEnd), A.i32ltu, A.brIf(0), A.end);
  add(A.get(t), A.i32c(1), A.i32add, A.tee(t), A.get(n), A.i32ltS, A.brIf(0), A.end);

  // 2. M[ξ] = U[ξ] · W[ξ] for the segment's tiles (nr: whole blocks; the tiles past n are unused).
  add(A.i32c(0), A.set(xi));
  add(A.loop);
  add(A.i32c(0), A.set(t));
  add(A.loop);
  add(A.i32c(0), A.set(cob));
  add(A.loop);
  for (const a of acc) add(A.v128zero, A.set(a));
  // up = U[ξ][t][0], wp = W[ξ][0][cob·4v], end = up + ci·4
  add(A.get(scr), A.get(xi), A.i32c(uXi), A.i32mul, A.i32add, A.get(t), A.i32c(ci * 4), A.i32mul, A.i32add, A.tee(up), A.i32c(ci * 4), A.i32add, A.set(end));
  add(A.get(wPtr), A.i32c(wOwn), A.i32add, A.get(xi), A.i32c(wXi), A.i32mul, A.i32add, A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.set(wp));
  add(A.loop);
  for (let j = 0; j < v; j++) add(A.get(wp), A.v128load(16 * j), A.set(wv[j]));
  for (let q = 0; q < p; q++) {
    add(A.get(up), A.v128load32splat(q * ci * 4), A.set(s));
    for (let j = 0; j < v; j++) {
      const a = acc[q * v + j];
      if (fused) add(A.get(s), A.get(wv[j]), A.get(a), A.f32x4relaxedMadd, A.set(a));
      else add(A.get(a), A.get(s), A.get(wv[j]), A.f32x4mul, A.f32x4add, A.set(a));
    }
  }
  add(A.get(wp), A.i32c(co * 4), A.i32add, A.set(wp));
  add(A.get(up), A.i32c(4), A.i32add, A.tee(up), A.get(end), A.i32ltu, A.brIf(0), A.end);
  // mp = M[ξ][t][cob·4v]
  add(A.get(scr), A.i32c(mOff), A.i32add, A.get(xi), A.i32c(mXi), A.i32mul, A.i32add, A.get(t), A.i32c(co * 4), A.i32mul, A.i32add, A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.set(mp));
  for (let q = 0; q < p; q++) for (let j = 0; j < v; j++) add(A.get(mp), A.get(acc[q * v + j]), A.v128store(q * co * 4 + 16 * j));
  add(A.get(cob), A.i32c(1), A.i32add, A.tee(cob), A.i32c(blocks), A.i32ltS, A.brIf(0), A.end);
  add(A.get(t), A.i32c(p), A.i32add, A.tee(t), A.get(nr), A.i32ltS, A.brIf(0), A.end);
  add(A.get(xi), A.i32c(1), A.i32add, A.tee(xi), A.i32c(16), A.i32ltS, A.brIf(0), A.end);

  // 3. Output transform and epilogue: tile t's outputs at padded rows y + 1, y + 2, columns x0 + 2(s0 + t) + 1, + 2.
  add(A.i32c(0), A.set(t));
  add(A.loop);
  // b0 / b1: output rows; r0 / r1: residual rows; mp: M[0][t][0]; g: channel byte offset.
  add(A.get(x0), A.get(s0), A.get(t), A.i32add, A.i32c(1), A.i32shl, A.i32add, A.i32c(1), A.i32add, A.i32c(outPixB), A.i32mul, A.set(b2)); // column bytes
  add(A.get(outPtr), A.get(y), A.i32c(1), A.i32add, A.get(outRow), A.i32mul, A.i32add, A.get(b2), A.i32add, A.tee(b0), A.get(outRow), A.i32add, A.set(b1));
  if (residual) add(A.get(resPtr), A.get(y), A.i32c(1), A.i32add, A.get(resRow), A.i32mul, A.i32add, A.get(b2), A.i32add, A.tee(r0), A.get(resRow), A.i32add, A.set(r1));
  add(A.get(scr), A.i32c(mOff), A.i32add, A.get(t), A.i32c(co * 4), A.i32mul, A.i32add, A.set(mp));
  add(A.i32c(0), A.set(g));
  add(A.loop); // four output channels at a time
  for (let k = 0; k < 16; k++) add(A.get(mp), A.v128load(k * mXi), A.set(d[k]));
  // Aᵀ m: e[0] = m0 + m1 + m2, e[1] = m1 − m2 − m3 (rows), per column.
  for (let c = 0; c < 4; c++) {
    const [m0, m1, m2, m3] = [0, 1, 2, 3].map((r) => d[r * 4 + c]);
    add(sum(m0, m1), A.get(m2), A.f32x4add, A.set(e[c]), sub(m1, m2), A.get(m3), A.f32x4sub, A.set(e[4 + c]));
  }
  add(A.get(wPtr), A.get(g), A.i32add, A.v128load(biasOff), A.set(bias));
  for (let i = 0; i < 2; i++) {
    const [f0, f1, f2, f3] = [0, 1, 2, 3].map((c) => e[i * 4 + c]);
    const outs = [[...sum(f0, f1), ...A.get(f2), ...A.f32x4add], [...sub(f1, f2), ...A.get(f3), ...A.f32x4sub]];
    outs.forEach((val, j) => {
      const a = s;
      add(val, A.get(bias), A.f32x4add, A.set(a));
      if (residual) add(A.get(a), A.get(i ? r1 : r0), A.get(g), A.i32add, A.v128load(j * outPixB), A.f32x4add, A.set(a));
      if (act === 'relu') add(A.get(a), A.v128zero, A.f32x4max, A.set(a));
      else if (act === 'leaky') add(A.get(a), A.get(a), A.get(alpha), A.f32x4mul, A.f32x4max, A.set(a));
      add(A.get(i ? b1 : b0), A.get(g), A.i32add, A.get(a), A.v128store(j * outPixB));
    });
  }
  add(A.get(mp), A.i32c(16), A.i32add, A.set(mp));
  add(A.get(g), A.i32c(16), A.i32add, A.tee(g), A.i32c(co * 4), A.i32ltS, A.brIf(0), A.end);
  add(A.get(t), A.i32c(1), A.i32add, A.tee(t), A.get(n), A.i32ltS, A.brIf(0), A.end);

  add(A.get(s0), A.i32c(SEG), A.i32add, A.set(s0), A.br(0), A.end, A.end);
  add(A.get(y), A.i32c(2), A.i32add, A.set(y), A.br(0), A.end, A.end);
  return { name: winogradName(spec, fused), params: new Array<number>(PARAMS).fill(A.I32) as A.ValType[], locals, body: b };
}
