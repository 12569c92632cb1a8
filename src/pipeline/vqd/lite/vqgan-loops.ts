/**
 * The VQGAN program's non-convolution loops in wasm SIMD (vqgan-net.ts adds them to its module):
 * GroupNorm's statistics and its affine + SiLU, and the non-local block's attention. As JS loops
 * they took longer than every convolution of the decoder together (SiLU's exp on each of ~3 M
 * values, the attention's n²·c products at ~0.5 GFLOP/s).
 *
 * Maps are padded NHWC (conv-kernel.ts); every address is in bytes and points at the first
 * interior pixel's first channel; channels are taken four at a time (`nvec` = channels / 4, the
 * maps' pixel stride holds at least that many).
 *
 * exp: Cephes' expf on four lanes — x clamped to [−87.34, 88.38], n = nearest(x·log2 e),
 * r = x − n·ln 2 (two-part constant), e^r by its degree-7 polynomial, times 2^n built in the
 * exponent bits; within 2 ulp of the true exp over the clamped range (vqgan-loops.test.ts measures
 * it against Math.exp). SiLU is x / (1 + exp(−x)), as ORT's sigmoid times x up to that rounding.
 */
import * as A from '../../../core/wasm-asm';

export const CHAN_SUMS = 'vq_chan_sums';
export const CHAN_SQDEV = 'vq_chan_sqdev';
export const NORM_APPLY = 'vq_norm_apply';
export const ATTENTION = 'vq_attention';
/** Test entry: dst[i] = exp(src[i]) for i < 4·n (four lanes a step). */
export const EXP4 = 'vq_exp4';

export interface VqLoopKernels {
  /** out[c] += Σ x[c] over the w×h pixels (f64 per channel, out holds 4·nvec of them). */
  chanSums(src: number, pixB: number, rowB: number, w: number, h: number, nvec: number, out: number): void;
  /** out[c] += Σ (x[c] − mean[c])², mean and out f64 per channel. */
  chanSqdev(src: number, pixB: number, rowB: number, w: number, h: number, nvec: number, mean: number, out: number): void;
  /** dst = x·a + b per channel (a, b f32 per channel), then SiLU if silu ≠ 0. */
  normApply(src: number, pixB: number, rowB: number, dst: number, dPixB: number, dRowB: number, w: number, h: number, nvec: number, a: number, b: number, silu: number): void;
  /**
   * q, k, v, o: n positions × 4·nvec channels, contiguous; s: scratch of n rounded up to 4 floats.
   * o_i = Σ_j softmax_j(q_i·k_j·scale) v_j.
   */
  attention(q: number, k: number, v: number, o: number, n: number, nvec: number, scale: number, s: number): void;
  exp4(src: number, dst: number, n: number): void;
}

export function vqLoopKernelsOf(exports: WebAssembly.Exports): VqLoopKernels {
  const f = (name: string) => exports[name] as (...a: number[]) => void;
  return { chanSums: f(CHAN_SUMS), chanSqdev: f(CHAN_SQDEV), normApply: f(NORM_APPLY), attention: f(ATTENTION), exp4: f(EXP4) };
}

type Code = number[][];
const emit = (b: number[], ...ops: Code) => ops.forEach((o) => b.push(...o));
const splat = (v: number): Code => [A.f32c(v), A.f32x4splat];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** exp of the f32x4 in local x, left on the stack; n and r are scratch v128 locals (x is overwritten). */
function expCode(x: number, n: number, r: number): Code {
  return [
    A.get(x), ...splat(88.3762626647949), A.f32x4pmin, ...splat(-87.3365447504), A.f32x4pmax, A.set(x),
    A.get(x), ...splat(1.44269504088896341), A.f32x4mul, A.f32x4nearest, A.set(n),
    A.get(x), A.get(n), ...splat(0.693359375), A.f32x4mul, A.f32x4sub, A.get(n), ...splat(-2.12194440e-4), A.f32x4mul, A.f32x4sub, A.set(r),
    ...splat(1.9875691500e-4), A.get(r), A.f32x4mul, ...splat(1.3981999507e-3), A.f32x4add,
    A.get(r), A.f32x4mul, ...splat(8.3334519073e-3), A.f32x4add,
    A.get(r), A.f32x4mul, ...splat(4.1665795894e-2), A.f32x4add,
    A.get(r), A.f32x4mul, ...splat(1.6666665459e-1), A.f32x4add,
    A.get(r), A.f32x4mul, ...splat(5.0000001201e-1), A.f32x4add,
    A.get(r), A.f32x4mul, A.get(r), A.f32x4mul, A.get(r), A.f32x4add, ...splat(1), A.f32x4add,
    A.get(n), A.i32x4truncSatF32x4S, A.i32c(127), A.i32x4splat, A.i32x4add, A.i32c(23), A.i32x4shl,
    A.f32x4mul,
  ];
}

/**
 * The pixel loops every map kernel shares: for y < h, for each pixel of the row, body(p, d) with p
 * (and d, a second map's pixel) the pixel's byte address.
 */
function pixelLoops(b: number[], l: { y: number; h: number; row: number; rowB: number; p: number; end: number; w: number; pixB: number; d?: { row: number; rowB: number; p: number; pixB: number } }, body: () => void) {
  emit(b, A.i32c(0), A.set(l.y));
  emit(b, A.block, A.loop, A.get(l.y), A.get(l.h), A.i32geS, A.brIf(1));
  emit(b, A.get(l.row), A.set(l.p), A.get(l.row), A.get(l.w), A.get(l.pixB), A.i32mul, A.i32add, A.set(l.end));
  if (l.d) emit(b, A.get(l.d.row), A.set(l.d.p));
  emit(b, A.block, A.loop, A.get(l.p), A.get(l.end), A.i32geS, A.brIf(1));
  body();
  emit(b, A.get(l.p), A.get(l.pixB), A.i32add, A.set(l.p));
  if (l.d) emit(b, A.get(l.d.p), A.get(l.d.pixB), A.i32add, A.set(l.d.p));
  emit(b, A.br(0), A.end, A.end);
  emit(b, A.get(l.row), A.get(l.rowB), A.i32add, A.set(l.row));
  if (l.d) emit(b, A.get(l.d.row), A.get(l.d.rowB), A.i32add, A.set(l.d.row));
  emit(b, A.get(l.y), A.i32c(1), A.i32add, A.set(l.y), A.br(0), A.end, A.end);
}

/** for (o = 0; o < nvec·16; o += 16) body(): o the channel block's byte offset. */
function vecLoop(b: number[], o: number, endV: number, body: () => void) {
  emit(b, A.i32c(0), A.set(o), A.block, A.loop, A.get(o), A.get(endV), A.i32geS, A.brIf(1));
  body();
  emit(b, A.get(o), A.i32c(16), A.i32add, A.set(o), A.br(0), A.end, A.end);
}

/** chan_sums (mode 'sum') and chan_sqdev (mode 'sqdev'). */
function chanStats(mode: 'sum' | 'sqdev'): A.WasmFunc {
  // params: src, pixB, rowB, w, h, nvec, [mean,] out
  const sq = mode === 'sqdev';
  const [src, pixB, rowB, w, h, nvec] = [0, 1, 2, 3, 4, 5];
  const mean = sq ? 6 : -1;
  const out = sq ? 7 : 6;
  const base = out + 1;
  const [y, row, p, end, o, endV, acc] = [base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6];
  const [x, lo, hi] = [base + 7, base + 8, base + 9];
  const b: number[] = [];
  emit(b, A.get(nvec), A.i32c(16), A.i32mul, A.set(endV), A.get(src), A.set(row));
  pixelLoops(b, { y, h, row, rowB, p, end, w, pixB }, () => {
    vecLoop(b, o, endV, () => {
      emit(b, A.get(p), A.get(o), A.i32add, A.v128load(), A.set(x));
      emit(b, A.get(x), A.f64x2promoteLowF32x4, A.set(lo), A.get(x), A.get(x), A.i8x16shuffle(HIGH_TO_LOW), A.f64x2promoteLowF32x4, A.set(hi));
      if (sq) {
        // (x − mean)² in f64; mean at mean + 2·o (8 bytes a channel, o counts 4 bytes a channel)
        emit(b, A.get(mean), A.get(o), A.get(o), A.i32add, A.i32add, A.set(acc));
        emit(b, A.get(lo), A.get(acc), A.v128load(), A.f64x2sub, A.tee(lo), A.get(lo), A.f64x2mul, A.set(lo));
        emit(b, A.get(hi), A.get(acc), A.v128load(16), A.f64x2sub, A.tee(hi), A.get(hi), A.f64x2mul, A.set(hi));
      }
      emit(b, A.get(out), A.get(o), A.get(o), A.i32add, A.i32add, A.set(acc));
      emit(b, A.get(acc), A.get(acc), A.v128load(), A.get(lo), A.f64x2add, A.v128store());
      emit(b, A.get(acc), A.get(acc), A.v128load(16), A.get(hi), A.f64x2add, A.v128store(16));
    });
  });
  const params = sq ? [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32] : [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32];
  return { name: sq ? CHAN_SQDEV : CHAN_SUMS, params: params as A.ValType[], locals: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.V128, A.V128, A.V128], body: b };
}

function normApply(): A.WasmFunc {
  const [src, pixB, rowB, dst, dPixB, dRowB, w, h, nvec, pa, pb, silu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [y, row, p, end, o, endV, drow, dp] = [12, 13, 14, 15, 16, 17, 18, 19];
  const [v, t, n, r] = [20, 21, 22, 23];
  const b: number[] = [];
  emit(b, A.get(nvec), A.i32c(16), A.i32mul, A.set(endV), A.get(src), A.set(row), A.get(dst), A.set(drow));
  pixelLoops(b, { y, h, row, rowB, p, end, w, pixB, d: { row: drow, rowB: dRowB, p: dp, pixB: dPixB } }, () => {
    vecLoop(b, o, endV, () => {
      emit(b, A.get(p), A.get(o), A.i32add, A.v128load(), A.get(pa), A.get(o), A.i32add, A.v128load(), A.f32x4mul, A.get(pb), A.get(o), A.i32add, A.v128load(), A.f32x4add, A.set(v));
      emit(b, A.get(silu), A.ifThen);
      // v / (1 + exp(−v))
      emit(b, ...splat(0), A.get(v), A.f32x4sub, A.set(t));
      emit(b, A.get(v), ...splat(1), ...expCode(t, n, r), A.f32x4add, A.f32x4div, A.set(v));
      emit(b, A.end);
      emit(b, A.get(dp), A.get(o), A.i32add, A.get(v), A.v128store());
    });
  });
  return { name: NORM_APPLY, params: new Array<A.ValType>(12).fill(A.I32), locals: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.V128, A.V128, A.V128, A.V128], body: b };
}

function attention(): A.WasmFunc {
  const [q, k, v, out, n, nvec, scale, s] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, j, o, endV, qi, kj, acc, sj, n4] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [max, total] = [17, 18];
  const [va, vx, vn, vr, vs] = [19, 20, 21, 22, 23];
  const b: number[] = [];
  // endV = nvec·16: the bytes of one channel block loop, and of one position's row of q, k, v, o.
  emit(b, A.get(nvec), A.i32c(16), A.i32mul, A.set(endV));
  emit(b, A.get(n), A.i32c(3), A.i32add, A.i32c(-4), A.i32and, A.set(n4));
  emit(b, A.i32c(0), A.set(i), A.block, A.loop, A.get(i), A.get(n), A.i32geS, A.brIf(1));
  emit(b, A.get(q), A.get(i), A.get(endV), A.i32mul, A.i32add, A.set(qi));
  // scores s_j = q_i·k_j·scale, and their max
  emit(b, A.f32c(-Infinity), A.set(max), A.get(k), A.set(kj), A.i32c(0), A.set(j));
  emit(b, A.block, A.loop, A.get(j), A.get(n), A.i32geS, A.brIf(1));
  emit(b, A.v128zero, A.set(va));
  vecLoop(b, o, endV, () => emit(b, A.get(va), A.get(qi), A.get(o), A.i32add, A.v128load(), A.get(kj), A.get(o), A.i32add, A.v128load(), A.f32x4mul, A.f32x4add, A.set(va)));
  emit(b, A.get(va), A.f32x4extractLane(0), A.get(va), A.f32x4extractLane(1), A.f32add, A.get(va), A.f32x4extractLane(2), A.get(va), A.f32x4extractLane(3), A.f32add, A.f32add, A.get(scale), A.f32mul, A.set(sj));
  emit(b, A.get(s), A.get(j), A.i32c(2), A.i32shl, A.i32add, A.get(sj), A.f32store());
  emit(b, A.get(max), A.get(sj), A.f32max, A.set(max));
  emit(b, A.get(kj), A.get(endV), A.i32add, A.set(kj), A.get(j), A.i32c(1), A.i32add, A.set(j), A.br(0), A.end, A.end);
  // The lanes past n up to n4: max − 1000, whose exp clamps to ~1e-38, nothing beside a total ≥ 1 (the max's own 1).
  emit(b, A.block, A.loop, A.get(j), A.get(n4), A.i32geS, A.brIf(1));
  emit(b, A.get(s), A.get(j), A.i32c(2), A.i32shl, A.i32add, A.get(max), A.f32c(1000), A.f32sub, A.f32store());
  emit(b, A.get(j), A.i32c(1), A.i32add, A.set(j), A.br(0), A.end, A.end);
  // p_j = exp(s_j − max), four at a time; the total of the n real ones
  emit(b, A.v128zero, A.set(vs), A.i32c(0), A.set(j));
  emit(b, A.block, A.loop, A.get(j), A.get(n4), A.i32geS, A.brIf(1));
  emit(b, A.get(s), A.get(j), A.i32c(2), A.i32shl, A.i32add, A.set(acc));
  emit(b, A.get(acc), A.v128load(), A.get(max), A.f32x4splat, A.f32x4sub, A.set(vx));
  emit(b, A.get(acc), ...expCode(vx, vn, vr), A.tee(vx), A.v128store());
  emit(b, A.get(vs), A.get(vx), A.f32x4add, A.set(vs));
  emit(b, A.get(j), A.i32c(4), A.i32add, A.set(j), A.br(0), A.end, A.end);
  emit(b, A.get(vs), A.f32x4extractLane(0), A.get(vs), A.f32x4extractLane(1), A.f32add, A.get(vs), A.f32x4extractLane(2), A.get(vs), A.f32x4extractLane(3), A.f32add, A.f32add, A.set(total));
  // o_i = Σ_j p_j v_j / total, one channel block at a time
  vecLoop(b, o, endV, () => {
    emit(b, A.v128zero, A.set(va), A.get(v), A.get(o), A.i32add, A.set(kj), A.i32c(0), A.set(j));
    emit(b, A.block, A.loop, A.get(j), A.get(n), A.i32geS, A.brIf(1));
    emit(b, A.get(va), A.get(s), A.get(j), A.i32c(2), A.i32shl, A.i32add, A.v128load32splat(), A.get(kj), A.v128load(), A.f32x4mul, A.f32x4add, A.set(va));
    emit(b, A.get(kj), A.get(endV), A.i32add, A.set(kj), A.get(j), A.i32c(1), A.i32add, A.set(j), A.br(0), A.end, A.end);
    emit(b, A.get(out), A.get(i), A.get(endV), A.i32mul, A.i32add, A.get(o), A.i32add, A.get(va), A.get(total), A.f32x4splat, A.f32x4div, A.v128store());
  });
  emit(b, A.get(i), A.i32c(1), A.i32add, A.set(i), A.br(0), A.end, A.end);
  return {
    name: ATTENTION,
    params: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.F32, A.I32],
    locals: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.F32, A.I32, A.F32, A.F32, A.V128, A.V128, A.V128, A.V128, A.V128],
    body: b,
  };
}

function exp4(): A.WasmFunc {
  const [src, dst, n] = [0, 1, 2];
  const [i, x, vn, vr] = [3, 4, 5, 6];
  const b: number[] = [];
  emit(b, A.i32c(0), A.set(i), A.block, A.loop, A.get(i), A.get(n), A.i32geS, A.brIf(1));
  emit(b, A.get(src), A.get(i), A.i32c(4), A.i32shl, A.i32add, A.v128load(), A.set(x));
  emit(b, A.get(dst), A.get(i), A.i32c(4), A.i32shl, A.i32add, ...expCode(x, vn, vr), A.v128store());
  emit(b, A.get(i), A.i32c(1), A.i32add, A.set(i), A.br(0), A.end, A.end);
  return { name: EXP4, params: [A.I32, A.I32, A.I32], locals: [A.I32, A.V128, A.V128, A.V128], body: b };
}

/** The kernels, for the program's module. */
export function vqLoopFunctions(): A.WasmFunc[] {
  return [chanStats('sum'), chanStats('sqdev'), normApply(), attention(), exp4()];
}
