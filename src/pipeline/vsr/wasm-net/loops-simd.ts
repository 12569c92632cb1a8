/**
 * The two output-side loops of a lite net step (lite-loops.ts) that touch every output value, in
 * wasm SIMD: the bicubic base's vertical pass and "base + PixelShuffle(O), clamped". At 480×272 LR
 * they write 3 × 1920 × 1088 floats each; as JS loops they were a fifth of a two-thread step once
 * the convolutions ran by Winograd.
 *
 * Bit for bit the JS loops' results (loops-simd.test.ts): JS sums the four products of the vertical
 * pass in f64 and rounds once when it stores to the f32 map, so these kernels do too — f32 lanes
 * promoted to f64x2, the same products and sums in the same order, demoted once; an f32 + f32 sum
 * rounded from f64 is the f32 sum, so the shuffle-add is f32x4.add; and `v < 0 ? 0 : v > 1 ? 1 : v`
 * is pmax then pmin, which keep −0 and NaN as JS does.
 *
 * Both are functions of the net's own module (lite-net.ts adds them), so they run on its memory on
 * either thread; addresses are bytes.
 */
import * as A from '../../../core/wasm-asm';

export const BASE_COLS = 'base_cols';
export const SHUFFLE_CLAMP = 'shuffle_clamp';

/** The kernels a thread's instance exports, for runLoop (lite-loops.ts). */
export interface LoopKernels {
  /** dst[i] = r0[i]·a0 + r1[i]·a1 + r2[i]·a2 + r3[i]·a3 (f64 sums, one rounding), i < n (a multiple of 4). */
  baseCols(r0: number, r1: number, r2: number, r3: number, dst: number, n: number, a0: number, a1: number, a2: number, a3: number): void;
  /**
   * One LR row of w pixels: for each pixel x, channel c < 3 and sub-row i < 4, the four outputs at
   * base + c·planeB + i·rowB + 16x get + O's channels c·16 + i·4 … + 3 (O's pixel x at o + x·oPixB),
   * clamped to [0, 1].
   */
  shuffleClamp(base: number, rowB: number, planeB: number, o: number, oPixB: number, w: number): void;
}

export function loopKernelsOf(exports: WebAssembly.Exports): LoopKernels {
  return { baseCols: exports[BASE_COLS] as LoopKernels['baseCols'], shuffleClamp: exports[SHUFFLE_CLAMP] as LoopKernels['shuffleClamp'] };
}

// Lanes 2, 3 of an f32x4 moved to 0, 1 (then promoted), and [lo0, lo1, hi0, hi1] from two demoted halves.
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const JOIN = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

function baseCols(): A.WasmFunc {
  const [r0, r1, r2, r3, dst, n] = [0, 1, 2, 3, 4, 5];
  const a = [6, 7, 8, 9]; // f64 weights
  const i = 10; // byte offset
  const end = 11;
  const v = [12, 13, 14, 15]; // the four rows' f32x4
  const lo = 16;
  const hi = 17;
  const b: number[] = [];
  const add = (...ops: number[][]) => ops.forEach((o) => b.push(...o));
  const rows = [r0, r1, r2, r3];
  // One f64x2 half: ((x0·a0 + x1·a1) + x2·a2) + x3·a3, as JS evaluates the expression.
  const half = (high: boolean) => {
    for (let k = 0; k < 4; k++) {
      add(A.get(v[k]));
      if (high) add(A.get(v[k]), A.i8x16shuffle(HIGH_TO_LOW));
      add(A.f64x2promoteLowF32x4, A.get(a[k]), A.f64x2splat, A.f64x2mul);
      if (k > 0) add(A.f64x2add);
    }
  };
  add(A.get(n), A.i32c(2), A.i32shl, A.set(end), A.i32c(0), A.set(i));
  add(A.block, A.loop, A.get(i), A.get(end), A.i32geS, A.brIf(1));
  for (let k = 0; k < 4; k++) add(A.get(rows[k]), A.get(i), A.i32add, A.v128load(), A.set(v[k]));
  half(false);
  add(A.set(lo));
  half(true);
  add(A.set(hi));
  add(A.get(dst), A.get(i), A.i32add, A.get(lo), A.f32x4demoteF64x2Zero, A.get(hi), A.f32x4demoteF64x2Zero, A.i8x16shuffle(JOIN), A.v128store());
  add(A.get(i), A.i32c(16), A.i32add, A.set(i), A.br(0), A.end, A.end);
  return { name: BASE_COLS, params: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32, A.F64, A.F64, A.F64, A.F64], locals: [A.I32, A.I32, A.V128, A.V128, A.V128, A.V128, A.V128, A.V128], body: b };
}

function shuffleClamp(): A.WasmFunc {
  const [base, rowB, planeB, o, oPixB, w] = [0, 1, 2, 3, 4, 5];
  const x = 6;
  const at = 7; // the pixel's first output (channel 0, sub-row 0)
  const pix = 8; // O's pixel
  const one = 9;
  const b: number[] = [];
  const add = (...ops: number[][]) => ops.forEach((op) => b.push(...op));
  add(A.f32c(1), A.f32x4splat, A.set(one), A.i32c(0), A.set(x), A.get(base), A.set(at), A.get(o), A.set(pix));
  add(A.block, A.loop, A.get(x), A.get(w), A.i32geS, A.brIf(1));
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 4; i++) {
      // address: at + c·planeB + i·rowB
      const addr = () => add(A.get(at), A.get(planeB), A.i32c(c), A.i32mul, A.i32add, A.get(rowB), A.i32c(i), A.i32mul, A.i32add);
      addr();
      addr();
      add(A.v128load(), A.get(pix), A.v128load((c * 16 + i * 4) * 4), A.f32x4add, A.v128zero, A.f32x4pmax, A.get(one), A.f32x4pmin, A.v128store());
    }
  }
  add(A.get(at), A.i32c(16), A.i32add, A.set(at), A.get(pix), A.get(oPixB), A.i32add, A.set(pix));
  add(A.get(x), A.i32c(1), A.i32add, A.set(x), A.br(0), A.end, A.end);
  return { name: SHUFFLE_CLAMP, params: [A.I32, A.I32, A.I32, A.I32, A.I32, A.I32], locals: [A.I32, A.I32, A.I32, A.V128], body: b };
}

/** The two kernels, for the net's module. */
export function loopFunctions(): A.WasmFunc[] {
  return [baseCols(), shuffleClamp()];
}
