/**
 * The lite net's work outside the convolutions (lite-net.ts): the input layout, the bicubic ×4
 * base, the two bilinear resizes and the output layout (pixel shuffle + clamp, the state). Plain
 * loops over the shared wasm memory, by LR row range, so the net's thread and its helper
 * (lite-helper.ts) each take half the rows of every job as they do for the convolutions: ~15 % of a
 * step ran on one thread before (engine/lite-net.bench.ts, `lastStepMs`).
 *
 * A job is one of LOOP's ids over LR rows [y0, y1) of a step whose layout is `LoopGeom` (byte
 * addresses and sizes, written into the control block for the helper). Rows of a job write
 * disjoint memory; a job reads only what earlier jobs and convolutions finished.
 *
 * Memory (besides the conv maps, see lite-net.ts): IN = [prev | cur | next] planar RGB, then the
 * state [C, h, w], as the step's inputs come; TMP = the bicubic's horizontal pass [3, h, 4w]; BASE
 * = the ×4 output [3, 4h, 4w]; ST = state_out [C, h, w]. Every value is rounded to float32 where the
 * ONNX graph's tensors are (TMP too: the same order and rounding as a separable Resize in f32).
 * The two loops over every output value run as wasm SIMD where the caller passes its kernels
 * (loops-simd.ts), with the same bits.
 */
import type { LoopKernels } from './loops-simd';

export const LOOP = {
  /** X0 from IN (layout NCHW → NHWC with the zero channels), and the base's horizontal pass of `cur`. */
  INPUTS: 1,
  /** CAT[C, 2C) = bilinear ×2 of F2 and CAT[2C, 3C) = bilinear ×4 of F4. */
  UPSAMPLE: 2,
  /** The base's vertical pass, + pixel shuffle of O[0, 48), clamp; state_out = leaky(O[48, 48 + C)). */
  OUTPUTS: 3,
} as const;
export type LoopId = (typeof LOOP)[keyof typeof LOOP];

/** A padded NHWC map (see conv-kernel.ts): pixel (x, y) at ptr + (y + 1)·row + (x + 1)·pix·4. */
export interface FMap {
  ptr: number; // byte address of padded pixel (−1, −1)
  w: number;
  h: number;
  pix: number; // floats per pixel
  row: number; // bytes per padded row
}

export interface LoopGeom {
  w: number;
  h: number;
  /** State channels. */
  C: number;
  /** LeakyReLU slope of state_out. */
  alpha: number;
  inPtr: number;
  tmpPtr: number;
  basePtr: number;
  stPtr: number;
  X0: FMap;
  CAT: FMap;
  F2: FMap;
  F4: FMap;
  O: FMap;
}

const SCALE = 4;
const IMG = 3 * SCALE * SCALE;
const MAPS = ['X0', 'CAT', 'F2', 'F4', 'O'] as const;
/** Int32 words of an encoded LoopGeom: 8 scalars + 5 maps × 5. */
export const GEOM_WORDS = 8 + 5 * MAPS.length;

/** `g` into `words` (Int32; alpha as its float32 bits), for the helper. */
export function encodeGeom(g: LoopGeom, words: Int32Array): void {
  const alphaBits = new Int32Array(Float32Array.of(g.alpha).buffer)[0];
  words.set([g.w, g.h, g.C, alphaBits, g.inPtr, g.tmpPtr, g.basePtr, g.stPtr]);
  MAPS.forEach((k, i) => words.set([g[k].ptr, g[k].w, g[k].h, g[k].pix, g[k].row], 8 + 5 * i));
}

export function decodeGeom(words: Int32Array): LoopGeom {
  const map = (i: number): FMap => {
    const o = 8 + 5 * i;
    return { ptr: words[o], w: words[o + 1], h: words[o + 2], pix: words[o + 3], row: words[o + 4] };
  };
  const alpha = new Float32Array(Int32Array.of(words[3]).buffer)[0];
  return { w: words[0], h: words[1], C: words[2], alpha, inPtr: words[4], tmpPtr: words[5], basePtr: words[6], stPtr: words[7], X0: map(0), CAT: map(1), F2: map(2), F4: map(3), O: map(4) };
}

/**
 * Run job `id` over LR rows [y0, y1). `kernels`: the calling thread's wasm SIMD forms of the two
 * output-side loops (loops-simd.ts; the same bits as the JS loops here, which run without them).
 */
export function runLoop(f32: Float32Array, id: LoopId, g: LoopGeom, y0: number, y1: number, kernels?: LoopKernels): void {
  if (id === LOOP.INPUTS) {
    packInputs(f32, g, y0, y1);
    bicubicRows(f32, g, y0, y1);
  } else if (id === LOOP.UPSAMPLE) {
    upsampleBilinear(f32, g.F2, g.CAT, g.C, 2, y0, y1);
    upsampleBilinear(f32, g.F4, g.CAT, 2 * g.C, 4, y0, y1);
  } else if (id === LOOP.OUTPUTS) {
    bicubicColumns(f32, g, SCALE * y0, SCALE * y1, kernels);
    if (kernels) addShuffleClampSimd(kernels, g, y0, y1);
    else addShuffleClamp(f32, g, y0, y1);
    leakyState(f32, g, y0, y1);
  } else {
    throw new Error(`lite net: no loop job ${String(id)}`);
  }
}

/** X0 = [prev | cur | next | state | zeros], NHWC, from IN's planes. */
function packInputs(f32: Float32Array, g: LoopGeom, y0: number, y1: number) {
  const { w, h, C, X0 } = g;
  const n = w * h;
  const xc = X0.pix;
  const inF = g.inPtr / 4;
  const [prev, cur, next, state] = [inF, inF + 3 * n, inF + 6 * n, inF + 9 * n];
  for (let y = y0; y < y1; y++) {
    let o = (X0.ptr + (y + 1) * X0.row) / 4 + xc;
    for (let x = 0; x < w; x++, o += xc) {
      const i = y * w + x;
      f32[o] = f32[prev + i];
      f32[o + 1] = f32[prev + n + i];
      f32[o + 2] = f32[prev + 2 * n + i];
      f32[o + 3] = f32[cur + i];
      f32[o + 4] = f32[cur + n + i];
      f32[o + 5] = f32[cur + 2 * n + i];
      f32[o + 6] = f32[next + i];
      f32[o + 7] = f32[next + n + i];
      f32[o + 8] = f32[next + 2 * n + i];
      for (let c = 0; c < C; c++) f32[o + 9 + c] = f32[state + c * n + i];
      for (let c = 9 + C; c < xc; c++) f32[o + c] = 0;
    }
  }
}

/**
 * ONNX Resize linear, half-pixel, ×s, of map `src` (C channels at channel 0) into channels
 * [dstCh, dstCh + C) of `dst` (s times its size), dst rows [y0, y1): source coordinate
 * (d + 0.5)/s − 0.5 clamped to [0, n − 1], as onnxruntime does.
 */
function upsampleBilinear(f32: Float32Array, src: FMap, dst: FMap, dstCh: number, s: number, y0: number, y1: number) {
  const C = src.pix;
  const taps = (n: number, out: number) => {
    const i0 = new Int32Array(out);
    const i1 = new Int32Array(out);
    const t = new Float32Array(out);
    for (let d = 0; d < out; d++) {
      const x = Math.min(Math.max((d + 0.5) / s - 0.5, 0), n - 1);
      i0[d] = Math.floor(x);
      i1[d] = Math.min(i0[d] + 1, n - 1);
      t[d] = x - i0[d];
    }
    return { i0, i1, t };
  };
  const X = taps(src.w, dst.w);
  const Y = taps(src.h, dst.h);
  const srcPix = (x: number, y: number) => (src.ptr + (y + 1) * src.row) / 4 + (x + 1) * C;
  for (let y = y0; y < y1; y++) {
    const ty = Y.t[y];
    let o = (dst.ptr + (y + 1) * dst.row) / 4 + dst.pix + dstCh;
    for (let x = 0; x < dst.w; x++, o += dst.pix) {
      const tx = X.t[x];
      const a = srcPix(X.i0[x], Y.i0[y]);
      const b = srcPix(X.i1[x], Y.i0[y]);
      const c = srcPix(X.i0[x], Y.i1[y]);
      const d = srcPix(X.i1[x], Y.i1[y]);
      const wa = (1 - tx) * (1 - ty);
      const wb = tx * (1 - ty);
      const wc = (1 - tx) * ty;
      const wd = tx * ty;
      for (let k = 0; k < C; k++) f32[o + k] = f32[a + k] * wa + f32[b + k] * wb + f32[c + k] * wc + f32[d + k] * wd;
    }
  }
}

/** Keys' cubic weights (a = −0.75) of the four taps around fraction t. */
function cubicWeights(t: number): [number, number, number, number] {
  const a = -0.75;
  const w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
  const w1 = ((a + 2) * t - (a + 3)) * t * t + 1;
  const u = 1 - t;
  const w2 = ((a + 2) * u - (a + 3)) * u * u + 1;
  const v = 2 - t;
  const w3 = ((a * v - 5 * a) * v + 8 * a) * v - 4 * a;
  return [w0, w1, w2, w3];
}

/** Taps (edge-clamped indices) and weights of ONNX Resize cubic ×4, half-pixel, along a side of n. */
function cubicTaps(n: number) {
  const out = SCALE * n;
  const idx = new Int32Array(4 * out);
  const wt = new Float32Array(4 * out);
  for (let d = 0; d < out; d++) {
    const x = (d + 0.5) / SCALE - 0.5;
    const x0 = Math.floor(x);
    const ws = cubicWeights(x - x0);
    for (let k = 0; k < 4; k++) {
      idx[4 * d + k] = Math.min(Math.max(x0 - 1 + k, 0), n - 1);
      wt[4 * d + k] = ws[k];
    }
  }
  return { idx, wt };
}

/** The base's horizontal pass: TMP rows [y0, y1) of each channel = cubic ×4 along x of `cur`. */
function bicubicRows(f32: Float32Array, g: LoopGeom, y0: number, y1: number) {
  const { w, h } = g;
  const W = SCALE * w;
  const X = cubicTaps(w);
  const cur = g.inPtr / 4 + 3 * w * h;
  for (let c = 0; c < 3; c++) {
    const src = cur + c * w * h;
    const tmp = g.tmpPtr / 4 + c * h * W;
    for (let y = y0; y < y1; y++) {
      const r = src + y * w;
      for (let x = 0; x < W; x++) {
        const j = 4 * x;
        f32[tmp + y * W + x] = f32[r + X.idx[j]] * X.wt[j] + f32[r + X.idx[j + 1]] * X.wt[j + 1] + f32[r + X.idx[j + 2]] * X.wt[j + 2] + f32[r + X.idx[j + 3]] * X.wt[j + 3];
      }
    }
  }
}

/**
 * The base's vertical pass: BASE rows [Y0, Y1) (output rows) of each channel from TMP; a row a
 * call of the wasm kernel where `k` is given (loops-simd.ts, the same bits), else in JS.
 */
function bicubicColumns(f32: Float32Array, g: LoopGeom, Y0: number, Y1: number, k?: LoopKernels) {
  const { w, h } = g;
  const W = SCALE * w;
  const H = SCALE * h;
  const Y = cubicTaps(h);
  for (let c = 0; c < 3; c++) {
    const tmp = g.tmpPtr / 4 + c * h * W;
    const dst = g.basePtr / 4 + c * H * W;
    for (let y = Y0; y < Y1; y++) {
      const j = 4 * y;
      const r0 = tmp + Y.idx[j] * W;
      const r1 = tmp + Y.idx[j + 1] * W;
      const r2 = tmp + Y.idx[j + 2] * W;
      const r3 = tmp + Y.idx[j + 3] * W;
      const [a0, a1, a2, a3] = [Y.wt[j], Y.wt[j + 1], Y.wt[j + 2], Y.wt[j + 3]];
      const d = dst + y * W;
      if (k) k.baseCols(4 * r0, 4 * r1, 4 * r2, 4 * r3, 4 * d, W, a0, a1, a2, a3);
      else for (let x = 0; x < W; x++) f32[d + x] = f32[r0 + x] * a0 + f32[r1 + x] * a1 + f32[r2 + x] * a2 + f32[r3 + x] * a3;
    }
  }
}

/** addShuffleClamp on the wasm kernel, one LR row a call. */
function addShuffleClampSimd(k: LoopKernels, g: LoopGeom, y0: number, y1: number) {
  const { w, h, O } = g;
  const W = SCALE * w;
  for (let y = y0; y < y1; y++) k.shuffleClamp(g.basePtr + SCALE * y * W * 4, W * 4, W * SCALE * h * 4, O.ptr + (y + 1) * O.row + O.pix * 4, O.pix * 4, w);
}

/** BASE (LR rows [y0, y1), i.e. output rows 4·y0 …) += PixelShuffle ×4 (CRD) of O[0, 48), then clamp to [0, 1]. */
function addShuffleClamp(f32: Float32Array, g: LoopGeom, y0: number, y1: number) {
  const { w, h, O } = g;
  const W = SCALE * w;
  const plane = W * SCALE * h;
  const base = g.basePtr / 4;
  for (let y = y0; y < y1; y++) {
    let o = (O.ptr + (y + 1) * O.row) / 4 + O.pix;
    for (let x = 0; x < w; x++, o += O.pix) {
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < SCALE; i++) {
          const row = base + c * plane + (SCALE * y + i) * W + SCALE * x;
          for (let j = 0; j < SCALE; j++) {
            const v = f32[row + j] + f32[o + c * 16 + i * 4 + j];
            f32[row + j] = v < 0 ? 0 : v > 1 ? 1 : v;
          }
        }
      }
    }
  }
}

/** ST rows [y0, y1) = leaky(O[48, 48 + C)), planar. */
function leakyState(f32: Float32Array, g: LoopGeom, y0: number, y1: number) {
  const { w, h, C, O, alpha } = g;
  const n = w * h;
  const st = g.stPtr / 4;
  for (let y = y0; y < y1; y++) {
    let o = (O.ptr + (y + 1) * O.row) / 4 + O.pix + IMG;
    for (let x = 0; x < w; x++, o += O.pix) {
      const i = y * w + x;
      for (let c = 0; c < C; c++) {
        const v = f32[o + c];
        f32[st + c * n + i] = v < 0 ? v * alpha : v;
      }
    }
  }
}
