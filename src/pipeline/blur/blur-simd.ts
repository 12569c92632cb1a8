/**
 * The Blur stage's CPU function at wasm SIMD speed, with blur-cpu.ts's bits exactly.
 *
 * blurCpu sums, for every output pixel, f32(k · in) over the taps in (dy, dx) order into an f32
 * accumulator that starts at +0. The kernel below does the same for 16 adjacent pixels at once
 * (four f32x4 accumulators): per tap one splat of k, then per vector f32x4.mul and f32x4.add —
 * IEEE f32, unfused, in the same order — so every lane's sequence of roundings is the
 * reference's. Borders: the plane is first copied into a buffer padded by the reflection of
 * blurCpu (`reflectIndex`), so the kernel only reads straight rows. blur-simd.test.ts checks
 * equality bit for bit against blurCpu.
 *
 * Where WebAssembly SIMD is missing, `blurFast` is blurCpu.
 */
import { createImage, type ImageF32 } from '../../core/image';
import { assemble, block, brIf, br, end, ensureMemory, f32load, f32x4add, f32x4mul, f32x4splat, get, i32add, i32c, i32eqz, i32ltu, i32mul, i32shl, I32, instantiate, loop, set, V128, v128load, v128store, v128zero } from '../../core/wasm-asm';
import { blurCpu, reflectIndex } from './blur-cpu';
import { kernelSide, kernelSupport } from './kernel';

/** Output pixels per step of the kernel's inner loop (four f32x4 accumulators). */
const LANES = 16;

// blur(src, dst, kptr, W16, H, PW, T): dst[y][x] for x < W16 (a multiple of 16), y < H, from the
// padded plane src [H + T − 1][PW] and the T×T kernel at kptr (byte addresses).
const [SRC, DST, KPTR, W16, H, PW, T] = [0, 1, 2, 3, 4, 5, 6];
const [Y, X, DY, DX, ROWP, P, KP, OUTP, ROWBYTES] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
const ACC = [16, 17, 18, 19];
const KV = 20;

function blurModule(): Uint8Array {
  const body: number[] = [
    ...get(PW), ...i32c(2), ...i32shl, ...set(ROWBYTES),
    ...get(DST), ...set(OUTP),
    ...i32c(0), ...set(Y),
    ...block, ...loop, // rows
    ...get(Y), ...get(H), ...i32ltu, ...i32eqz, ...brIf(1),
    ...i32c(0), ...set(X),
    ...block, ...loop, // 16-pixel steps
    ...get(X), ...get(W16), ...i32ltu, ...i32eqz, ...brIf(1),
    ...ACC.flatMap((a) => [...v128zero, ...set(a)]),
    // rowp = src + y·rowBytes + 4x; kp = kptr
    ...get(SRC), ...get(Y), ...get(ROWBYTES), ...i32mul, ...i32add, ...get(X), ...i32c(2), ...i32shl, ...i32add, ...set(ROWP),
    ...get(KPTR), ...set(KP),
    ...i32c(0), ...set(DY),
    ...loop, // dy (T ≥ 1: do-while)
    ...get(ROWP), ...set(P),
    ...i32c(0), ...set(DX),
    ...loop, // dx
    ...get(KP), ...f32load(), ...f32x4splat, ...set(KV),
    ...ACC.flatMap((a, i) => [...get(a), ...get(KV), ...get(P), ...v128load(16 * i), ...f32x4mul, ...f32x4add, ...set(a)]),
    ...get(P), ...i32c(4), ...i32add, ...set(P),
    ...get(KP), ...i32c(4), ...i32add, ...set(KP),
    ...get(DX), ...i32c(1), ...i32add, ...set(DX),
    ...get(DX), ...get(T), ...i32ltu, ...brIf(0),
    ...end,
    ...get(ROWP), ...get(ROWBYTES), ...i32add, ...set(ROWP),
    ...get(DY), ...i32c(1), ...i32add, ...set(DY),
    ...get(DY), ...get(T), ...i32ltu, ...brIf(0),
    ...end,
    ...ACC.flatMap((a, i) => [...get(OUTP), ...get(a), ...v128store(16 * i)]),
    ...get(OUTP), ...i32c(4 * LANES), ...i32add, ...set(OUTP),
    ...get(X), ...i32c(LANES), ...i32add, ...set(X),
    ...br(0),
    ...end, ...end,
    ...get(Y), ...i32c(1), ...i32add, ...set(Y),
    ...br(0),
    ...end, ...end,
  ];
  return assemble([{ name: 'blur', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128], body }]);
}

interface BlurWasm {
  mem: WebAssembly.Memory;
  blur(src: number, dst: number, kptr: number, w16: number, h: number, pw: number, t: number): void;
}

let wasm: BlurWasm | null | undefined;

function blurWasm(): BlurWasm | null {
  if (wasm === undefined) {
    const inst = instantiate(blurModule());
    wasm = inst ? { mem: inst.exports.mem as WebAssembly.Memory, blur: inst.exports.blur as BlurWasm['blur'] } : null;
  }
  return wasm;
}

/** True where the wasm SIMD kernel runs (else blurFast is blurCpu). */
export function blurSimdAvailable(): boolean {
  return blurWasm() !== null;
}

const align16 = (n: number) => (n + 15) & ~15;

/** blurCpu's result, bit for bit, from the wasm SIMD kernel; null where it is unavailable. */
export function blurSimd(img: ImageF32, kernel: Float32Array, size = kernelSide(kernel)): ImageF32 | null {
  if (kernel.length !== size * size) throw new RangeError(`kernel has ${kernel.length} taps, not ${size}²`);
  const w = blurWasm();
  if (!w) return null;
  const { width: W, height: Hh, channels: C } = img;
  const half = (size - 1) / 2;
  const r = kernelSupport(kernel, size);
  const t = 2 * r + 1;
  const w16 = Math.ceil(W / LANES) * LANES;
  const pw = w16 + 2 * r;
  const ph = Hh + 2 * r;
  const kBytes = align16(4 * t * t);
  const srcAt = kBytes;
  const dstAt = srcAt + align16(4 * pw * ph);
  ensureMemory(w.mem, dstAt + 4 * w16 * Hh);
  const heap = () => new Float32Array(w.mem.buffer);
  let f = heap();
  // The taps inside the support, row by row: the reference's (dy, dx) order.
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) f[(dy + r) * t + dx + r] = kernel[(half + dy) * size + half + dx];
  // Padded column → source column (reflected); columns past W + r only feed lanes past W (dropped).
  const cols = new Int32Array(pw);
  for (let px = 0; px < pw; px++) cols[px] = px < W + 2 * r ? reflectIndex(px - r, W) : -1;
  const out = createImage(W, Hh, C);
  const src = img.data;
  for (let c = 0; c < C; c++) {
    f = heap();
    const plane = c * Hh * W;
    for (let py = 0; py < ph; py++) {
      const row = plane + reflectIndex(py - r, Hh) * W;
      const at = srcAt / 4 + py * pw;
      for (let px = 0; px < pw; px++) {
        const sx = cols[px];
        f[at + px] = sx < 0 ? 0 : src[row + sx];
      }
    }
    w.blur(srcAt, dstAt, 0, w16, Hh, pw, t);
    f = heap();
    for (let y = 0; y < Hh; y++) out.data.set(f.subarray(dstAt / 4 + y * w16, dstAt / 4 + y * w16 + W), plane + y * W);
  }
  return out;
}

/**
 * Runs the kernel a few dozen times on a small frame. V8 first runs wasm as baseline code and
 * compiles the optimised version in the background once a function has run enough; measured in
 * Chromium on the 2-core VM, a 480×270 blur took 50–120 ms on the first calls against 13–20 ms
 * warm, and 27–43 ms on the first call after this warm-up (~35 ms). Called when the CPU path loads,
 * so the first slider moves do not pay for it.
 */
export function warmUpBlur(): void {
  if (!blurWasm()) return;
  const img = createImage(48, 48, 3);
  const k = new Float32Array(21 * 21).fill(1 / 441);
  for (let i = 0; i < 40; i++) blurSimd(img, k, 21);
}

/** The Blur stage's CPU function: the SIMD kernel where it runs, else the reference (same bits either way). */
export function blurFast(img: ImageF32, kernel: Float32Array, size = kernelSide(kernel)): ImageF32 {
  return blurSimd(img, kernel, size) ?? blurCpu(img, kernel, size);
}
