/**
 * yuv.ts's YUV 4:2:0 → RGBA8 conversion at WebAssembly SIMD speed, with its bytes exactly.
 * yuv420ToRgba (yuv.ts) stays the reference; yuv420ToRgbaFast is what the decode paths call: this
 * kernel where WebAssembly SIMD runs, else the reference (same bytes either way).
 *
 * The reference computes out = clamp(⌊V + ½⌋, 0, 255) with V = 255·X (X = R, G, B) linear in the
 * luma Y ∈ [0, 255] and the chroma sums Su, Sv ∈ [0, 4080] (yuv.ts's header):
 *   V + ½ = a·Y + b·Su + c·Sv + d   (rationals; b = 0 for R, c = 0 for B).
 * Wasm SIMD has no table gather, so the kernel evaluates that linear form in 32-bit integer lanes
 * (four pixels per i32x4), in units of 2^−K with K = SIMD_BITS = 21 (the most that keeps every
 * value within ±2^31):
 *   F = A·Y + B·Su + C·Sv + D,   A, B, C = round(a, b, c · 2^K),   D = ⌈d·2^K − e_min⌉,
 * where e_min / e_max are the least / greatest value of Σ (A − a·2^K)·Y + (B − b·2^K)·Su + …
 * over the input box (each term's rounding error times 0 or the input's maximum).
 *
 * Why it is exact, and when it is not used. Write T = (V + ½)·2^K; then F = T + e with
 * 0 ≤ e < E := ⌈e_max − e_min⌉ + 1 for every input (the coefficient errors sum to [e_min, e_max],
 * D adds [−e_min, −e_min + 1)). Let F = q·2^K + r, 0 ≤ r < 2^K. If r ≥ E then
 * T = q·2^K + (r − e) with 0 < r − e < 2^K, so ⌊T·2^−K⌋ = q = F >> K: the reference's ⌊V + ½⌋.
 * If r < E the kernel cannot tell (T may lie just below q·2^K); such a pixel is flagged, and its
 * word is recomputed by the reference itself (yuv.ts pixelConverter: the same tables). So every
 * output byte is the reference's. A lane is flagged with probability about E/2^K (E ≤ 3600 for
 * every matrix, range and channel: ≤ 0.17 %); measured, 0.06 % of the pixels of real frames (the
 * sample, at 480×270 and 1080p) and 0.25 % of random ones.
 * One refinement: where a channel's rationals have a small common denominator `den`
 * (V + ½ = N/den) and E·den ≤ 2^K, no lane of it is flagged (its E is set to 0): V + ½ is then
 * either an integer, so F ∈ [T, T + E) and F >> K is it, or at least 1/den below the next
 * integer n, so F < T + E ≤ (n − 1/den)·2^K + 2^K/den = n·2^K and F >> K = n − 1 = ⌊V + ½⌋.
 * (BT.601 full range's R, FCC full range's R and B: FCC's exact ties, T a multiple of 2^K with
 * r = e < E, would otherwise send 1.6 % of the test frame’s pixels to the reference.)
 * Clipping to [0, 255] is the saturating narrowing i32 → i16 → u8 (the reference clamps too).
 * |F| < 2^31 for every input of every matrix and range is checked when the integers are made;
 * the intermediate sums may wrap (i32x4 arithmetic is modulo 2^32), only F's value matters.
 *
 * The kernel per luma row: chroma rows mixed vertically (3·near + far, as yuv.ts's mixRows, into
 * i32 rows with one replicated sample at each end), then 8 pixels a step: even and odd pixels in
 * separate i32x4 (S = 3·mix[k] + mix[k ∓ 1]), three channels each, the undecidable lanes'
 * mask, >> K, narrowed and shuffled into RGBA. Pixels past the last whole group of 8 in a row are
 * the reference's too. The planes are copied into the module's memory once; rows are converted in
 * bands of ~128 kB and copied out while still in cache.
 *
 * yuv-simd.test.ts checks: R and B exhaustively over every (Y, S) of every matrix and range
 * through the kernel itself, whole frames against yuv420ToRgba (random sizes, strides, odd edges,
 * all colours; real frames), the premises above (the bound on e with exact rationals, |F| < 2^31),
 * and that the fallback is needed (without it some flagged pixels differ).
 */
import {
  assemble,
  block,
  br,
  brIf,
  call,
  end,
  ensureMemory,
  get,
  I32,
  i16x8add,
  i16x8narrowI32x4S,
  i16x8shl,
  i32add,
  i32and,
  i32c,
  i32eqz,
  i32geS,
  i32load,
  i32ltS,
  i32ltu,
  i32mul,
  i32or,
  i32shl,
  i32shrS,
  i32store,
  i32sub,
  i32x4add,
  i32x4bitmask,
  i32x4extendHighI16x8U,
  i32x4extendLowI16x8U,
  i32x4ltU,
  i32x4mul,
  i32x4shl,
  i32x4shrS,
  i32x4shrU,
  i32x4splat,
  i8x16narrowI16x8U,
  i8x16shuffle,
  ifThen,
  instantiate,
  loop,
  selectOp,
  set,
  V128,
  v128and,
  v128anyTrue,
  v128load,
  v128load32splat,
  v128load8x8u,
  v128or,
  v128store,
  type ValType,
  type WasmFunc,
} from '../core/wasm-asm';
import { CHROMA_SUMS, DEFAULT_COLOUR, checkYuvArgs, exactCoefficients, pixelConverter, yuv420ToRgba, type Q, type YuvColour, type YuvPlanes } from './yuv';

/** Fixed-point bits of the kernel's integers (see the header: |F| < 2^31). */
export const SIMD_BITS = 21;

/** Largest luma and chroma sum: the input box the bounds are taken over. */
const MAX_Y = 255;
const MAX_S = CHROMA_SUMS - 1;

/** One channel's integers: F = A·Y + B·Su + C·Sv + D; lanes with F mod 2^K < E go to the reference. */
export interface ChannelInts {
  A: number;
  B: number;
  C: number;
  D: number;
  /** The flag threshold: `bound`, or 0 where no lane needs the reference (bound·den ≤ 2^K). */
  E: number;
  /** 0 ≤ F − (V + ½)·2^K < bound for every input. */
  bound: number;
  /** The common denominator of the channel's rationals (V + ½ = N / den). */
  den: bigint;
}

export interface SimdInts {
  r: ChannelInts;
  g: ChannelInts;
  b: ChannelInts;
}

// ── exact rationals (BigInt), as in yuv.ts ──
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const qn = (n: bigint, d = 1n): Q => {
  const g = gcd(n, d) || 1n;
  return d < 0n ? [-n / g, -d / g] : [n / g, d / g];
};
const qadd = (a: Q, b: Q): Q => qn(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
const qsub = (a: Q, b: Q): Q => qn(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
const qmul = (a: Q, b: Q): Q => qn(a[0] * b[0], a[1] * b[1]);
const floorQ = (a: Q): bigint => (a[0] >= 0n ? a[0] / a[1] : -((-a[0] + a[1] - 1n) / a[1]));
const ceilQ = (a: Q): bigint => -floorQ([-a[0], a[1]]);
/** Nearest integer (ties up). */
const roundQ = (a: Q): bigint => floorQ(qadd(a, [1n, 2n]));
const qmin0 = (a: Q): Q => (a[0] < 0n ? a : [0n, 1n]);
const qmax0 = (a: Q): Q => (a[0] > 0n ? a : [0n, 1n]);

/** The integers of one channel from its rational coefficients on (Y, Su, Sv) and constant d. */
function channelInts(coefs: readonly [Q, Q, Q], d: Q): ChannelInts {
  const ONE: Q = [1n << BigInt(SIMD_BITS), 1n];
  const maxes = [BigInt(MAX_Y), BigInt(MAX_S), BigInt(MAX_S)];
  const ints = coefs.map((c) => roundQ(qmul(c, ONE)));
  let eMin: Q = [0n, 1n];
  let eMax: Q = [0n, 1n];
  coefs.forEach((c, i) => {
    const errAtMax = qmul(qsub([ints[i], 1n], qmul(c, ONE)), [maxes[i], 1n]);
    eMin = qadd(eMin, qmin0(errAtMax));
    eMax = qadd(eMax, qmax0(errAtMax));
  });
  const D = ceilQ(qsub(qmul(d, ONE), eMin));
  const E = ceilQ(qsub(eMax, eMin)) + 1n;
  const lcm = (a: bigint, b: bigint) => (a / gcd(a, b)) * b;
  const den = [...coefs, d].reduce((m, c) => lcm(m, qn(c[0], c[1])[1]), 1n); // (yuv.ts's rationals are not reduced)
  // |F| < 2^31 over the box: F is monotone in each input, so its extremes are at the corners.
  let fMax = D;
  let fMin = D;
  ints.forEach((v, i) => {
    if (v > 0n) fMax += v * maxes[i];
    else fMin += v * maxes[i];
  });
  const LIM = 1n << 31n;
  if (fMax >= LIM || fMin < -LIM || E >= 1n << BigInt(SIMD_BITS)) throw new Error('yuv-simd: the integers leave the 32-bit range');
  // Where E·den ≤ 2^K no lane is undecidable (header): F >> K is the answer whatever r is.
  const decided = E * den <= 1n << BigInt(SIMD_BITS);
  return { A: Number(ints[0]), B: Number(ints[1]), C: Number(ints[2]), D: Number(D), E: decided ? 0 : Number(E), bound: Number(E), den };
}

const intsCache = new Map<string, SimdInts>();

/** The kernel's integers for a colour (see the header), made exactly from yuv.ts's rationals. */
export function simdInts(colour: YuvColour): SimdInts {
  const key = `${colour.matrix}/${colour.fullRange}`;
  let hit = intsCache.get(key);
  if (!hit) {
    const k = exactCoefficients(colour);
    const zero: Q = [0n, 1n];
    // V + ½ = a·Y + b·Su + c·Sv + (½ − a·y0 − 2048·(b + c))
    const dOf = (b: Q, c: Q): Q => qsub(qsub([1n, 2n], qmul(k.a, [BigInt(k.y0), 1n])), qmul([2048n, 1n], qadd(b, c)));
    hit = {
      r: channelInts([k.a, zero, k.vr], dOf(zero, k.vr)),
      g: channelInts([k.a, k.ug, k.vg], dOf(k.ug, k.vg)),
      b: channelInts([k.a, k.ub, zero], dOf(k.ub, zero)),
    };
    intsCache.set(key, hit);
  }
  return hit;
}

// ───────────── the module ─────────────

/** Memory map: constants, then parameters of the call, then the scratch rows, list, planes and band. */
const CONST_AT = 0; // 16 i32: A, Bg, Bb, Cr, Cg, Dr, Dg, Db, Er, Eg, Eb (splat when the call starts)
const PARAM_AT = 64; // i32 parameters of convert()
const P = {
  yBase: 0,
  yStride: 1,
  uBase: 2,
  vBase: 3,
  uvStride: 4,
  ch: 5,
  cw: 6,
  groups: 7,
  outBase: 8,
  outRow: 9,
  list: 10,
  mu: 11,
  mv: 12,
} as const;
const HEAP_AT = 128;

// mix(u0, u1, v0, v1, cw, mu, mv): mu[1 + k] = 3·u0[k] + u1[k] for k < cw (8 at a time: reads up
// to 7 bytes past a row and writes up to 7 words past cw + 1, both within padding), then the
// replicated ends mu[0] = mu[1], mu[cw + 1] = mu[cw]; likewise mv.
function mixFunc(): WasmFunc {
  const [U0, U1, V0, V1, CW, MU, MV, K, M] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const half = (src0: number, src1: number, dst: number) => [
    // m = 3·src0[k] + src1[k] as eight 16-bit lanes (≤ 1020)
    ...get(src0), ...get(K), ...i32add, ...v128load8x8u(), ...set(M),
    ...get(M), ...i32c(1), ...i16x8shl, ...get(M), ...i16x8add,
    ...get(src1), ...get(K), ...i32add, ...v128load8x8u(), ...i16x8add, ...set(M),
    ...get(dst), ...get(K), ...i32c(2), ...i32shl, ...i32add, ...get(M), ...i32x4extendLowI16x8U, ...v128store(4),
    ...get(dst), ...get(K), ...i32c(2), ...i32shl, ...i32add, ...get(M), ...i32x4extendHighI16x8U, ...v128store(20),
  ];
  const ends = (dst: number) => [
    ...get(dst), ...get(dst), ...i32load(4), ...i32store(0),
    ...get(dst), ...get(CW), ...i32c(2), ...i32shl, ...i32add, ...get(dst), ...get(CW), ...i32c(2), ...i32shl, ...i32add, ...i32load(0), ...i32store(4),
  ];
  const body = [
    ...i32c(0), ...set(K),
    ...block, ...loop,
    ...get(K), ...get(CW), ...i32ltu, ...i32eqz, ...brIf(1),
    ...half(U0, U1, MU),
    ...half(V0, V1, MV),
    ...get(K), ...i32c(8), ...i32add, ...set(K),
    ...br(0),
    ...end, ...end,
    ...ends(MU),
    ...ends(MV),
  ];
  return { name: 'mix', params: [I32, I32, I32, I32, I32, I32, I32], locals: [I32, V128], body };
}

/**
 * The RGBA bytes of 4 even (a: lanes 0–3 of each narrowed half) and 4 odd pixels: after the two
 * narrowings, RG holds R then G and BA holds B then 255, each as [p0, p2, p4, p6, p1, p3, p5, p7].
 */
function rgbaShuffle(firstPixel: number): number[] {
  const lanes: number[] = [];
  for (let p = firstPixel; p < firstPixel + 4; p++) {
    const i = p & 1 ? 4 + (p >> 1) : p >> 1;
    lanes.push(i, 8 + i, 16 + i, 24 + i);
  }
  return lanes;
}

// convert(y0, y1) → flagged groups: rows [y0, y1) into the band at outBase (row y at
// (y − y0)·outRow), whole groups of 8 pixels; each group with an undecidable lane appends
// (y << 16 | x, mask) to the list (mask bit m: pixel x + 2m, bit 4 + m: pixel x + 2m + 1).
function convertFunc(): WasmFunc {
  let n = 0;
  const at = () => n++;
  const [Y0, Y1] = [at(), at()];
  const i32s = ['y', 'j', 'j2', 'g', 'yp', 'op', 'mp', 'vp', 'count', 'cw', 'ch', 'groups', 'mu', 'mv'] as const;
  const L = Object.fromEntries(i32s.map((k) => [k, at()])) as Record<(typeof i32s)[number], number>;
  const nI32 = i32s.length;
  const vecs = ['A', 'Bg', 'Bb', 'Cr', 'Cg', 'Dr', 'Dg', 'Db', 'Er', 'Eg', 'Eb', 'MASK', 'LO16', 'A255', 'T', 'c3', 'suE', 'suO', 'svE', 'svO', 'yy', 'ayE', 'ayO', 'rE', 'rO', 'gE', 'gO', 'bE', 'bO', 'mE', 'mO', 'RG', 'BA'] as const;
  const V = Object.fromEntries(vecs.map((k) => [k, at()])) as Record<(typeof vecs)[number], number>;
  const param = (k: keyof typeof P) => [...i32c(0), ...i32load(PARAM_AT + 4 * P[k])];
  const splatConst = (i: number, v: number) => [...i32c(0), ...v128load32splat(CONST_AT + 4 * i), ...set(v)];
  const splatI32 = (value: number, v: number) => [...i32c(value), ...i32x4splat, ...set(v)];
  const K = SIMD_BITS;
  // one channel of one parity: F = ay + B·su + C·sv + D (terms with coefficient 0 left out)
  const channel = (ay: number, su: number | null, Bv: number | null, sv: number | null, Cv: number | null, Dv: number, out: number) => [
    ...get(ay),
    ...(su !== null && Bv !== null ? [...get(su), ...get(Bv), ...i32x4mul, ...i32x4add] : []),
    ...(sv !== null && Cv !== null ? [...get(sv), ...get(Cv), ...i32x4mul, ...i32x4add] : []),
    ...get(Dv), ...i32x4add, ...set(out),
  ];
  const undecided = (f: number, E: number) => [...get(f), ...get(V.MASK), ...v128and, ...get(E), ...i32x4ltU];
  const byteOf = (a: number, b: number) => [...get(a), ...i32c(K), ...i32x4shrS, ...get(b), ...i32c(K), ...i32x4shrS, ...i16x8narrowI32x4S];
  const sums = (ptr: number, e: number, o: number) => [
    ...get(ptr), ...v128load(4), ...set(V.T),
    ...get(V.T), ...i32c(1), ...i32x4shl, ...get(V.T), ...i32x4add, ...set(V.c3),
    ...get(V.c3), ...get(ptr), ...v128load(0), ...i32x4add, ...set(e),
    ...get(V.c3), ...get(ptr), ...v128load(8), ...i32x4add, ...set(o),
  ];
  const rowAddr = (base: keyof typeof P, rowLocal: number) => [...param(base), ...get(rowLocal), ...param('uvStride'), ...i32mul, ...i32add];
  const group = [
    ...sums(L.mp, V.suE, V.suO),
    ...sums(L.vp, V.svE, V.svO),
    ...get(L.yp), ...v128load8x8u(), ...set(V.yy),
    ...get(V.yy), ...get(V.LO16), ...v128and, ...get(V.A), ...i32x4mul, ...set(V.ayE),
    ...get(V.yy), ...i32c(16), ...i32x4shrU, ...get(V.A), ...i32x4mul, ...set(V.ayO),
    ...channel(V.ayE, null, null, V.svE, V.Cr, V.Dr, V.rE),
    ...channel(V.ayO, null, null, V.svO, V.Cr, V.Dr, V.rO),
    ...channel(V.ayE, V.suE, V.Bg, V.svE, V.Cg, V.Dg, V.gE),
    ...channel(V.ayO, V.suO, V.Bg, V.svO, V.Cg, V.Dg, V.gO),
    ...channel(V.ayE, V.suE, V.Bb, null, null, V.Db, V.bE),
    ...channel(V.ayO, V.suO, V.Bb, null, null, V.Db, V.bO),
    ...undecided(V.rE, V.Er), ...undecided(V.gE, V.Eg), ...v128or, ...undecided(V.bE, V.Eb), ...v128or, ...set(V.mE),
    ...undecided(V.rO, V.Er), ...undecided(V.gO, V.Eg), ...v128or, ...undecided(V.bO, V.Eb), ...v128or, ...set(V.mO),
    ...get(V.mE), ...get(V.mO), ...v128or, ...v128anyTrue,
    ...ifThen,
    // list[count] = (y << 16 | 8g, bitmask(mE) | bitmask(mO) << 4)
    ...param('list'), ...get(L.count), ...i32c(3), ...i32shl, ...i32add,
    ...get(L.y), ...i32c(16), ...i32shl, ...get(L.g), ...i32c(3), ...i32shl, ...i32or, ...i32store(0),
    ...param('list'), ...get(L.count), ...i32c(3), ...i32shl, ...i32add,
    ...get(V.mE), ...i32x4bitmask, ...get(V.mO), ...i32x4bitmask, ...i32c(4), ...i32shl, ...i32or, ...i32store(4),
    ...get(L.count), ...i32c(1), ...i32add, ...set(L.count),
    ...end,
    ...byteOf(V.rE, V.rO), ...byteOf(V.gE, V.gO), ...i8x16narrowI16x8U, ...set(V.RG),
    ...byteOf(V.bE, V.bO), ...get(V.A255), ...i8x16narrowI16x8U, ...set(V.BA),
    ...get(L.op), ...get(V.RG), ...get(V.BA), ...i8x16shuffle(rgbaShuffle(0)), ...v128store(0),
    ...get(L.op), ...get(V.RG), ...get(V.BA), ...i8x16shuffle(rgbaShuffle(4)), ...v128store(16),
  ];
  const body = [
    ...['A', 'Bg', 'Bb', 'Cr', 'Cg', 'Dr', 'Dg', 'Db', 'Er', 'Eg', 'Eb'].flatMap((k, i) => splatConst(i, V[k as keyof typeof V])),
    ...splatI32((1 << K) - 1, V.MASK),
    ...splatI32(0xffff, V.LO16),
    ...splatI32(0x00ff00ff, V.A255), // 255 in every 16-bit lane: the alpha bytes
    ...param('cw'), ...set(L.cw),
    ...param('ch'), ...set(L.ch),
    ...param('groups'), ...set(L.groups),
    ...param('mu'), ...set(L.mu),
    ...param('mv'), ...set(L.mv),
    ...i32c(0), ...set(L.count),
    ...get(Y0), ...set(L.y),
    ...block, ...loop, // rows
    ...get(L.y), ...get(Y1), ...i32ltS, ...i32eqz, ...brIf(1),
    // j = y >> 1; j2 = odd y ? min(j + 1, ch − 1) : max(j − 1, 0)
    ...get(L.y), ...i32c(1), ...i32shrS, ...set(L.j),
    ...get(L.ch), ...i32c(1), ...i32sub, // (ch − 1)
    ...get(L.j), ...i32c(1), ...i32add, // (j + 1)
    ...get(L.j), ...i32c(1), ...i32add, ...get(L.ch), ...i32geS,
    ...selectOp, // j + 1 ≥ ch ? ch − 1 : j + 1
    ...i32c(0),
    ...get(L.j), ...i32c(1), ...i32sub,
    ...get(L.j), ...i32c(1), ...i32sub, ...i32c(0), ...i32ltS,
    ...selectOp, // j − 1 < 0 ? 0 : j − 1
    ...get(L.y), ...i32c(1), ...i32and,
    ...selectOp, ...set(L.j2),
    ...rowAddr('uBase', L.j), ...rowAddr('uBase', L.j2), ...rowAddr('vBase', L.j), ...rowAddr('vBase', L.j2),
    ...get(L.cw), ...get(L.mu), ...get(L.mv), ...call(0),
    ...param('yBase'), ...get(L.y), ...param('yStride'), ...i32mul, ...i32add, ...set(L.yp),
    ...param('outBase'), ...get(L.y), ...get(Y0), ...i32sub, ...param('outRow'), ...i32mul, ...i32add, ...set(L.op),
    ...get(L.mu), ...set(L.mp),
    ...get(L.mv), ...set(L.vp),
    ...i32c(0), ...set(L.g),
    ...block, ...loop, // groups of 8 pixels
    ...get(L.g), ...get(L.groups), ...i32ltS, ...i32eqz, ...brIf(1),
    ...group,
    ...get(L.yp), ...i32c(8), ...i32add, ...set(L.yp),
    ...get(L.op), ...i32c(32), ...i32add, ...set(L.op),
    ...get(L.mp), ...i32c(16), ...i32add, ...set(L.mp),
    ...get(L.vp), ...i32c(16), ...i32add, ...set(L.vp),
    ...get(L.g), ...i32c(1), ...i32add, ...set(L.g),
    ...br(0),
    ...end, ...end,
    ...get(L.y), ...i32c(1), ...i32add, ...set(L.y),
    ...br(0),
    ...end, ...end,
    ...get(L.count),
  ];
  return { name: 'convert', params: [I32, I32], locals: [...new Array<ValType>(nI32).fill(I32), ...new Array<ValType>(vecs.length).fill(V128)], body, results: [I32] };
}

interface YuvWasm {
  mem: WebAssembly.Memory;
  convert(y0: number, y1: number): number;
}

let wasm: YuvWasm | null | undefined;

function yuvWasm(): YuvWasm | null {
  if (wasm === undefined) {
    const inst = instantiate(assemble([mixFunc(), convertFunc()]));
    wasm = inst ? { mem: inst.exports.mem as WebAssembly.Memory, convert: inst.exports.convert as YuvWasm['convert'] } : null;
  }
  return wasm;
}

/** True where the wasm SIMD kernel runs (else yuv420ToRgbaFast is yuv420ToRgba). */
export function yuvSimdAvailable(): boolean {
  return yuvWasm() !== null;
}

const align16 = (n: number) => (n + 15) & ~15;
/** Output rows per band: ~128 kB, so a band is still in cache when it is copied out. */
const BAND_BYTES = 128 * 1024;

/** Pixels the last call recomputed with the reference (flagged lanes; not the row tails): for tests and benches. */
export let lastFlaggedPixels = 0;

export interface SimdOptions {
  /**
   * false: leave the undecidable pixels as the fixed point gave them (tests only: shows that the
   * fallback is needed). Default true.
   */
  exactFallback?: boolean;
}

/**
 * yuv420ToRgba's bytes from the wasm SIMD kernel (see the header); null where WebAssembly SIMD is
 * unavailable. Same arguments, checks and errors as yuv420ToRgba.
 */
export function yuv420ToRgbaSimd(
  p: YuvPlanes,
  colour: YuvColour = DEFAULT_COLOUR,
  out: Uint8ClampedArray = new Uint8ClampedArray(p.width * p.height * 4),
  opts: SimdOptions = {},
): Uint8ClampedArray | null {
  const w0 = yuvWasm();
  if (!w0) return null;
  checkYuvArgs(p, out);
  if (out.byteOffset % 4 !== 0) {
    // whole 32-bit words below: convert into an aligned buffer, as the reference does
    const tmp = yuv420ToRgbaSimd(p, colour, undefined, opts)!;
    out.set(tmp);
    return out;
  }
  const { width: w, height: h, yStride, uvStride } = p;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const groups = w >> 3;
  const bandRows = Math.max(1, Math.min(h, Math.floor(BAND_BYTES / (4 * w))));
  const yLen = yStride * (h - 1) + w;
  const uvLen = uvStride * (ch - 1) + cw;
  // memory: mixed rows (cw + 2 words, +8 for the 8-wide writes), list, planes (+16 for the 8-wide reads), band
  const muAt = HEAP_AT;
  const mvAt = muAt + align16(4 * (cw + 10));
  const listAt = mvAt + align16(4 * (cw + 10));
  const yAt = listAt + align16(8 * bandRows * Math.max(groups, 1));
  const uAt = yAt + align16(yLen + 16);
  const vAt = uAt + align16(uvLen + 16);
  const bandAt = vAt + align16(uvLen + 16);
  ensureMemory(w0.mem, bandAt + bandRows * w * 4);
  const heap = new Uint8Array(w0.mem.buffer);
  heap.set(p.y.subarray(0, yLen), yAt);
  heap.set(p.u.subarray(0, uvLen), uAt);
  heap.set(p.v.subarray(0, uvLen), vAt);
  const i32 = new Int32Array(w0.mem.buffer);
  const t = simdInts(colour);
  i32.set([t.r.A, t.g.B, t.b.B, t.r.C, t.g.C, t.r.D, t.g.D, t.b.D, t.r.E, t.g.E, t.b.E], CONST_AT / 4);
  const params = new Array<number>(13);
  params[P.yBase] = yAt;
  params[P.yStride] = yStride;
  params[P.uBase] = uAt;
  params[P.vBase] = vAt;
  params[P.uvStride] = uvStride;
  params[P.ch] = ch;
  params[P.cw] = cw;
  params[P.groups] = groups;
  params[P.outBase] = bandAt;
  params[P.outRow] = 4 * w;
  params[P.list] = listAt;
  params[P.mu] = muAt;
  params[P.mv] = mvAt;
  i32.set(params, PARAM_AT / 4);

  const out8 = new Uint8Array(out.buffer, out.byteOffset, w * h * 4);
  const out32 = new Uint32Array(out.buffer, out.byteOffset, w * h);
  const word = pixelConverter(p, colour);
  const fallback = opts.exactFallback !== false;
  let flagged = 0;
  for (let y0 = 0; y0 < h; y0 += bandRows) {
    const y1 = Math.min(h, y0 + bandRows);
    const n = w0.convert(y0, y1);
    out8.set(heap.subarray(bandAt, bandAt + (y1 - y0) * 4 * w), y0 * 4 * w);
    for (let i = 0; i < n; i++) {
      const xy = i32[listAt / 4 + 2 * i];
      const mask = i32[listAt / 4 + 2 * i + 1];
      const y = xy >>> 16;
      const x = xy & 0xffff;
      for (let m = 0; m < 8; m++) {
        if (!(mask & (1 << m))) continue;
        const px = x + (m < 4 ? 2 * m : 2 * (m - 4) + 1);
        flagged++;
        if (fallback) out32[y * w + px] = word(px, y);
      }
    }
    // the pixels after the last whole group of 8
    for (let y = y0; y < y1; y++) for (let x = groups * 8; x < w; x++) out32[y * w + x] = word(x, y);
  }
  lastFlaggedPixels = flagged;
  return out;
}

/** The conversion the decode paths use: the SIMD kernel where it runs, else the reference (same bytes). */
export function yuv420ToRgbaFast(p: YuvPlanes, colour: YuvColour = DEFAULT_COLOUR, out: Uint8ClampedArray = new Uint8ClampedArray(p.width * p.height * 4)): Uint8ClampedArray {
  return yuv420ToRgbaSimd(p, colour, out) ?? yuv420ToRgba(p, colour, out);
}
