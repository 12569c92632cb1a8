/**
 * Hand-vectorised 2-D convolutions in wasm SIMD for the VSR net's CPU path (lite-net.ts): the
 * multiply-adds that are nearly all of a step's work.
 *
 * Why not ORT's wasm EP for them: measured on this project's 2-core VM (single thread, 32→32 3×3
 * at 480×272, Node 20's V8), MLAS's wasm kernels ran 6.7–8.0 G multiply-adds/s; this kernel 11.6–13.6
 * with separate mul + add, 16.7–22.4 with relaxed SIMD's fused multiply-add (Chromium ships it).
 * The reason is the layout: MLAS's wasm path is im2col + a generic GEMM over NCHW; here the data
 * are NHWC and each output block stays in registers over all 9·ci taps.
 *
 * Layout (all byte addresses into the one memory of the net's module):
 * - Feature maps are NHWC float32 with a zero border of one pixel ("padded"): pixel (x, y) of a
 *   map whose pixel stride is `pix` floats and row stride `row` bytes is at
 *   origin + (y + 1)·row + (x + 1)·pix·4. A map may be a channel slice of a wider one (the fuse
 *   input is [f1 | up2 | up4] in one 96-channel buffer): `pix` is the buffer's channel count.
 * - Weights are [tap][ci][co] (co contiguous; taps row-major over ky, kx), then co biases.
 *
 * Blocking: an output block of P pixels along x × 4·V channels lives in P·V v128 accumulators over
 * the whole reduction; per tap and input channel one splat load per pixel and V weight loads feed
 * P·V multiply-adds. P·V ≤ 8 keeps accumulators, weights and the splat within x64's 16 vector
 * registers (P 2, V 4 measured best: 16.7–22.4 G/s; P 4, V 2 17.0; P 3, V 4 10.3: spills).
 * Columns left over (width not a multiple of P) run through the same function generated with P 1.
 *
 * Epilogue, in ORT's order: acc + bias, then + residual (the residual block's skip, read at the
 * output pixel, so writing in place over the skip's own map is safe), then ReLU or LeakyReLU
 * (max(a, α·a), valid for 0 ≤ α ≤ 1).
 */
import * as A from '../../../core/wasm-asm';

export type Activation = 'none' | 'relu' | 'leaky';

export interface ConvSpec {
  /** Kernel side: 3 (pad 1) or 1 (pad 0). */
  k: 1 | 3;
  stride: 1 | 2;
  ci: number;
  /** Output channels: a multiple of 4·V (V: vectors per block, chosen here). */
  co: number;
  /** Floats between neighbouring pixels of the input map (≥ ci) and of the output map (≥ co). */
  inPix: number;
  outPix: number;
  act: Activation;
  /** LeakyReLU's slope (act 'leaky'). */
  alpha?: number;
  /** out = conv + bias + res, res a map with the output's pixel stride (its own row stride). */
  residual: boolean;
}

/** Params of every kernel function (i32): see ConvCall. */
const PARAMS = 11;
/** One call: rows y0 … y1 − 1 and columns x0 … x0 + xn − 1 (multiples of the function's P) of the output. */
export interface ConvCall {
  inPtr: number; // padded origin of the input map (its pixel (−1, −1))
  inRow: number; // bytes
  wPtr: number;
  outPtr: number; // padded origin of the output map
  outRow: number;
  resPtr: number; // padded origin of the residual map (ignored without residual)
  resRow: number;
  y0: number;
  y1: number;
  x0: number;
  xn: number;
}

/** Vectors per block for `co` output channels. */
export function vectorsPerBlock(co: number): number {
  if (co % 16 === 0) return 4;
  if (co % 8 === 0) return 2;
  if (co % 4 === 0) return 1;
  throw new RangeError(`conv: ${co} output channels, not a multiple of 4`);
}

/** Pixels per block for V vectors per block: P·V = 8 accumulators (see the header). */
export const pixelsPerBlock = (v: number): number => 8 / v;

/** A stable name for the function of `spec` with P pixels per block. */
export function kernelName(spec: ConvSpec, p: number, fused: boolean): string {
  return `conv_k${spec.k}s${spec.stride}_ci${spec.ci}co${spec.co}_in${spec.inPix}out${spec.outPix}_${spec.act}${spec.act === 'leaky' ? spec.alpha : ''}${spec.residual ? '_res' : ''}_p${p}${fused ? 'f' : ''}`;
}

/**
 * The wasm function of `spec` with P pixels per block; `fused`: relaxed SIMD multiply-add (check
 * A.relaxedSimd()), else f32x4.mul then f32x4.add.
 */
export function convFunction(spec: ConvSpec, p: number, fused: boolean): A.WasmFunc {
  const { k, stride, ci, co, inPix, outPix, act, residual } = spec;
  const v = vectorsPerBlock(co);
  const [inPtr, inRow, wPtr, outPtr, outRow, resPtr, resRow, y0, y1, x0, xn] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // i32 locals
  const y = PARAMS, x = PARAMS + 1, cob = PARAMS + 2, ip = PARAMS + 3, wp = PARAMS + 4, end = PARAMS + 5, inB = PARAMS + 6, oB = PARAMS + 7, xEnd = PARAMS + 8;
  const nI32 = 9;
  // v128 locals
  const acc0 = PARAMS + nI32;
  const w0 = acc0 + p * v;
  const s = w0 + v;
  const locals = [...new Array<number>(nI32).fill(A.I32), ...new Array<number>(p * v + v + 1).fill(A.V128)] as A.ValType[];
  const taps = k * k;
  const wTap = ci * co * 4; // bytes of one tap's weights
  const biasOff = taps * wTap;
  const inPixB = inPix * 4;
  const outPixB = outPix * 4;
  const blocks = co / (4 * v);
  const b: number[] = [];
  const add = (...ops: number[][]) => ops.forEach((o) => b.push(...o));

  add(A.get(x0), A.get(xn), A.i32add, A.set(xEnd));
  add(A.get(y0), A.set(y));
  add(A.block, A.loop);
  add(A.get(y), A.get(y1), A.i32geS, A.brIf(1));
  add(A.get(x0), A.set(x));
  add(A.block, A.loop);
  add(A.get(x), A.get(xEnd), A.i32geS, A.brIf(1));
  // inB: the input pixel of tap (0, 0) for output (x, y): padded (stride·y + off, stride·x + off), off 0 for k 3, 1 for k 1.
  const off = k === 3 ? 0 : 1;
  add(A.get(inPtr), A.get(y), A.i32c(stride), A.i32mul, A.i32c(off), A.i32add, A.get(inRow), A.i32mul, A.i32add);
  add(A.get(x), A.i32c(stride), A.i32mul, A.i32c(off), A.i32add, A.i32c(inPixB), A.i32mul, A.i32add, A.set(inB));
  // oB: output pixel (x, y) in the padded map.
  add(A.get(outPtr), A.get(y), A.i32c(1), A.i32add, A.get(outRow), A.i32mul, A.i32add, A.get(x), A.i32c(1), A.i32add, A.i32c(outPixB), A.i32mul, A.i32add, A.set(oB));
  add(A.i32c(0), A.set(cob));
  add(A.loop);
  for (let a = 0; a < p * v; a++) add(A.v128zero, A.set(acc0 + a));
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const tap = ky * k + kx;
      add(A.get(inB), A.i32c(kx * inPixB), A.i32add, A.get(inRow), A.i32c(ky), A.i32mul, A.i32add, A.set(ip));
      add(A.get(ip), A.i32c(ci * 4), A.i32add, A.set(end));
      add(A.get(wPtr), A.i32c(tap * wTap), A.i32add, A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.set(wp));
      add(A.loop);
      for (let j = 0; j < v; j++) add(A.get(wp), A.v128load(16 * j), A.set(w0 + j));
      for (let q = 0; q < p; q++) {
        add(A.get(ip), A.v128load32splat(q * stride * inPixB), A.set(s));
        for (let j = 0; j < v; j++) {
          const a = acc0 + q * v + j;
          if (fused) add(A.get(s), A.get(w0 + j), A.get(a), A.f32x4relaxedMadd, A.set(a));
          else add(A.get(a), A.get(s), A.get(w0 + j), A.f32x4mul, A.f32x4add, A.set(a));
        }
      }
      add(A.get(wp), A.i32c(co * 4), A.i32add, A.set(wp));
      add(A.get(ip), A.i32c(4), A.i32add, A.tee(ip), A.get(end), A.i32ltu, A.brIf(0), A.end);
    }
  }
  // Epilogue: bias, residual, activation, store.
  for (let j = 0; j < v; j++) add(A.get(wPtr), A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.v128load(biasOff + 16 * j), A.set(w0 + j));
  for (let q = 0; q < p; q++) {
    for (let j = 0; j < v; j++) {
      const a = acc0 + q * v + j;
      const at = q * outPixB + 16 * j; // byte offset from the block's output address
      add(A.get(a), A.get(w0 + j), A.f32x4add, A.set(a));
      if (residual) {
        // res address = resPtr + oB − outPtr + cob·16v, the same pixel and channels in the residual map (rows may differ in stride).
        add(A.get(a), A.get(resPtr), A.get(y), A.i32c(1), A.i32add, A.get(resRow), A.i32mul, A.i32add, A.get(x), A.i32c(1), A.i32add, A.i32c(outPixB), A.i32mul, A.i32add);
        add(A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.v128load(at), A.f32x4add, A.set(a));
      }
      if (act === 'relu') add(A.get(a), A.v128zero, A.f32x4max, A.set(a));
      else if (act === 'leaky') add(A.get(a), A.get(a), A.f32c(spec.alpha ?? 0.01), A.f32x4splat, A.f32x4mul, A.f32x4max, A.set(a));
      add(A.get(oB), A.get(cob), A.i32c(16 * v), A.i32mul, A.i32add, A.get(a), A.v128store(at));
    }
  }
  add(A.get(cob), A.i32c(1), A.i32add, A.tee(cob), A.i32c(blocks), A.i32ltu, A.brIf(0), A.end);
  add(A.get(x), A.i32c(p), A.i32add, A.set(x), A.br(0), A.end, A.end);
  add(A.get(y), A.i32c(1), A.i32add, A.set(y), A.br(0), A.end, A.end);
  return { name: kernelName(spec, p, fused), params: new Array<number>(PARAMS).fill(A.I32) as A.ValType[], locals, body: b };
}

/**
 * Call a kernel function with `c`'s arguments, in ConvCall's order, then `scratch`: a Winograd
 * kernel's twelfth parameter (winograd-kernel.ts); these kernels take eleven, and a wasm function
 * called from JS ignores arguments past its parameters, so one call serves both kinds.
 */
export function callConv(fn: (...args: number[]) => void, c: ConvCall, scratch = 0): void {
  fn(c.inPtr, c.inRow, c.wPtr, c.outPtr, c.outRow, c.resPtr, c.resRow, c.y0, c.y1, c.x0, c.xn, scratch);
}

/** Weights [co][ci][k][k] (ONNX's OIHW) and biases [co] → this kernel's [tap][ci][co] + [co]. */
export function packWeights(w: Float32Array, bias: Float32Array, co: number, ci: number, k: number, ciPadded = ci): Float32Array {
  const taps = k * k;
  const out = new Float32Array(taps * ciPadded * co + co);
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let t = 0; t < taps; t++) out[(t * ciPadded + i) * co + o] = w[(o * ci + i) * taps + t];
  out.set(bias, taps * ciPadded * co);
  return out;
}
