/**
 * A tiny WebAssembly assembler: enough of the binary format to write a few hand-vectorised CPU
 * kernels (pipeline/blur/blur-simd.ts, pipeline/vqd/knn-projected.ts, media/yuv-simd.ts) as code
 * here, with no toolchain and no binary blob in the repo. It lives in core (plain JS, no browser or
 * Node specifics) so that every layer above may use it. One module = one memory (exported as "mem") and a list of functions over i32/f32/v128
 * locals; the body is written as a flat list of opcodes (the helpers below), as in the text
 * format's flat form.
 *
 * Why wasm: the CPU references round every product and sum to f32 in a fixed order, which JS
 * can only do one lane at a time (Math.fround). Wasm's f32x4.mul / f32x4.add are IEEE f32
 * operations, unfused (the spec forbids contracting them), so four lanes give exactly the
 * reference's bits, four at a time.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

export interface WasmFunc {
  name: string;
  params: ValType[];
  /** Extra locals after the params (indices continue after them). */
  locals: ValType[];
  /** Instruction bytes, without the final `end`. */
  body: number[];
  /** Result types (none by default). */
  results?: ValType[];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

/**
 * Assemble a module: one memory of `pages` 64 KiB pages (exported "mem"), the functions exported by
 * name. `importMemory`: the memory is not the module's own but imported as env.mem, shared between
 * threads (at least `pages`, at most `maximum` pages), so several instances of the module, one per
 * thread, work on the same bytes (instantiate with `{ env: { mem } }`).
 */
export function assemble(funcs: WasmFunc[], pages = 1, importMemory?: { maximum: number }): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec((f.results ?? []).map((t) => [t]))]);
  const code = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const exports = [...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('mem'), 0x02, 0x00]];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    // Imports: env.mem, a shared memory (limits flag 3: shared, with a maximum).
    ...(importMemory ? section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(pages), ...uleb(importMemory.maximum)]])) : []),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...(importMemory ? [] : section(5, vec([[0x00, ...uleb(pages)]]))),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}

// ---- instructions (flat form) ----
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32c = (v: number) => [0x41, ...sleb(v | 0)];
/** call the function of that index (its place in assemble's list). */
export const call = (i: number) => [0x10, ...uleb(i)];
export const f64c = (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
export const f32c = (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)];
export const i32add = [0x6a];
export const i32sub = [0x6b];
export const i32mul = [0x6c];
export const i32shl = [0x74];
export const i32ltu = [0x49];
export const i32eqz = [0x45];
export const i32ltS = [0x48];
export const i32geS = [0x4e];
export const i32and = [0x71];
export const i32or = [0x72];
export const i32shrS = [0x75];
/** select: (a, b, cond) → cond ? a : b. */
export const selectOp = [0x1b];
/** block / loop with no result; `end` closes either. br / br_if count enclosing labels from 0. */
export const block = [0x02, 0x40];
export const loop = [0x03, 0x40];
export const end = [0x0b];
export const br = (d: number) => [0x0c, ...uleb(d)];
export const brIf = (d: number) => [0x0d, ...uleb(d)];
/** if (no result) … end, on the i32 on the stack. */
export const ifThen = [0x04, 0x40];
/** f32.load / f64.load / i32.store / f64.store at [addr + offset] (natural alignment hint). */
export const f32load = (offset = 0) => [0x2a, 2, ...uleb(offset)];
export const f32store = (offset = 0) => [0x38, 2, ...uleb(offset)];
export const f32add = [0x92];
export const f32sub = [0x93];
export const f32mul = [0x94];
export const f32max = [0x97];
export const f64load = (offset = 0) => [0x2b, 3, ...uleb(offset)];
export const i32load = (offset = 0) => [0x28, 2, ...uleb(offset)];
export const i32load8u = (offset = 0) => [0x2d, 0, ...uleb(offset)];
export const i32store = (offset = 0) => [0x36, 2, ...uleb(offset)];
export const f64store = (offset = 0) => [0x39, 3, ...uleb(offset)];
export const f64le = [0x65];
export const f64add = [0xa0];
export const f64sub = [0xa1];
export const f64mul = [0xa2];
export const f64min = [0xa4];
export const f64promote = [0xbb];
const simd = (op: number) => [0xfd, ...uleb(op)];
/** v128.load / v128.store at [addr + offset] (alignment hint 1: any address). */
export const v128load = (offset = 0) => [...simd(0x00), 0, ...uleb(offset)];
export const v128store = (offset = 0) => [...simd(0x0b), 0, ...uleb(offset)];
export const v128zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** 8 bytes at [addr + offset], each zero-extended to a 16-bit lane (v128.load8x8_u). */
export const v128load8x8u = (offset = 0) => [...simd(0x02), 0, ...uleb(offset)];
/** The i32 at [addr + offset] in all four lanes (v128.load32_splat). */
export const v128load32splat = (offset = 0) => [...simd(0x09), 0, ...uleb(offset)];
/** i8x16.shuffle: byte i of the result is byte lanes[i] of a ‖ b (0–15 from a, 16–31 from b). */
export function i8x16shuffle(lanes: readonly number[]): number[] {
  if (lanes.length !== 16 || lanes.some((l) => !(Number.isInteger(l) && l >= 0 && l < 32))) throw new RangeError(`i8x16.shuffle needs 16 lanes in 0…31, got ${lanes.join(',')}`);
  return [...simd(0x0d), ...lanes];
}
export const i32x4splat = simd(0x11);
export const v128and = simd(0x4e);
export const v128or = simd(0x50);
/** 1 if any bit of the v128 is set. */
export const v128anyTrue = simd(0x53);
/** Signed 16-bit lanes → unsigned bytes, saturating to 0…255 (lanes of a, then of b). */
export const i8x16narrowI16x8U = simd(0x66);
/** Signed 32-bit lanes → signed 16-bit, saturating (lanes of a, then of b). */
export const i16x8narrowI32x4S = simd(0x85);
export const i16x8shl = simd(0x8b);
export const i16x8add = simd(0x8e);
/** The sign bit of each 32-bit lane as bits 0–3 of an i32. */
export const i32x4bitmask = simd(0xa4);
export const i32x4extendLowI16x8U = simd(0xa9);
export const i32x4extendHighI16x8U = simd(0xaa);
/** Shifts take the v128 and then an i32 count. */
export const i32x4shl = simd(0xab);
export const i32x4shrS = simd(0xac);
export const i32x4shrU = simd(0xad);
/** i32x4 add / mul wrap modulo 2^32, lane by lane. */
export const i32x4add = simd(0xae);
export const i32x4mul = simd(0xb5);
/** Unsigned lane compare: all ones where a < b. */
export const i32x4ltU = simd(0x3a);
export const f32x4splat = simd(0x13);
/** Replace lane i of an f32x4 with the f32 on the stack. */
export const f32x4replace = (i: number) => [...simd(0x20), i];
export const f32x4add = simd(0xe4);
export const f32x4sub = simd(0xe5);
export const f32x4mul = simd(0xe6);
export const f32x4max = simd(0xe9);
export const f32x4div = simd(0xe7);
/** Round to the nearest integer, ties to even (f32x4.nearest). */
export const f32x4nearest = simd(0x6a);
/** f32 lanes → i32 lanes, truncated toward zero, saturating (NaN → 0). */
export const i32x4truncSatF32x4S = simd(0xf8);
/** Lane i of an f32x4 as an f32. */
export const f32x4extractLane = (i: number) => [...simd(0x1f), i];
/** pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a, lane-wise: JS's `v < 0 ? 0 : v` exactly (−0 and NaN kept). */
export const f32x4pmin = simd(0xea);
export const f32x4pmax = simd(0xeb);
/** f64x2 of lanes 0, 1 of an f32x4 (exact), and f32x4 [round(a0), round(a1), 0, 0] of an f64x2. */
export const f64x2promoteLowF32x4 = simd(0x5f);
export const f32x4demoteF64x2Zero = simd(0x5e);
/**
 * a·b + c in one instruction (relaxed SIMD): fused or not as the hardware does it, so results may
 * differ from f32x4mul + f32x4add in the last bit. Only for kernels compared with a tolerance,
 * never where a CPU reference's bits must be kept; check relaxedSimd() first.
 */
export const f32x4relaxedMadd = simd(0x105);
export const f64x2splat = simd(0x14);
export const f64x2abs = simd(0xec);
export const f64x2add = simd(0xf0);
export const f64x2sub = simd(0xf1);
export const f64x2mul = simd(0xf2);
export const f64x2min = simd(0xf4);
export const f64x2max = simd(0xf5);
/** Lane 0 / 1 of an f64x2 as an f64. */
export const f64x2lane = (i: number) => [...simd(0x21), i];

/** The compiled module's exports, or null where WebAssembly SIMD is missing (callers keep their JS path). */
export function instantiate(bytes: Uint8Array): WebAssembly.Instance | null {
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes as BufferSource)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource));
}

let relaxed: boolean | undefined;
/** True where this engine compiles relaxed SIMD (f32x4relaxedMadd): Chromium since 114; Node 20 only behind a flag. */
export function relaxedSimd(): boolean {
  if (relaxed === undefined) {
    // (v128, v128, v128) -> v128: relaxed_madd of its params.
    const probe = assemble([{ name: 'f', params: [V128, V128, V128], locals: [], results: [V128], body: [...get(0), ...get(1), ...get(2), ...f32x4relaxedMadd] }]);
    relaxed = typeof WebAssembly !== 'undefined' && WebAssembly.validate(probe as BufferSource);
  }
  return relaxed;
}

/** Grows `mem` so it holds at least `bytes`. */
export function ensureMemory(mem: WebAssembly.Memory, bytes: number): void {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}
