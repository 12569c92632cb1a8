/**
 * The project's one 8-bit YUV 4:2:0 → RGBA8 conversion, used by every decode path of an 8-bit
 * 4:2:0 stream: Debian's native ffmpeg in the Node CLI and ffmpeg.wasm in the media worker both
 * hand over the raw planes (`-f rawvideo -pix_fmt yuv420p`, or yuvj420p: the stream's own format,
 * so no swscale runs), WebCodecs hands over its I420
 * / NV12 planes (VideoFrame.copyTo); all three convert here, so they give the same bytes
 * (H.264/VP9/AV1 decoding itself is bit-exact in any conformant decoder). Other pixel formats
 * (4:2:2, 4:4:4, 10-bit, RGB images, palettes) keep ffmpeg's own conversion (swscale, SWS_FLAGS).
 *
 * It is the exact real-valued conversion, rounded half up, not swscale's: swscale's lookup tables
 * are biased (limited-range white, Y 235, gives 253; its fixed point truncates). Measured on the
 * quality bench's 120 held-out clean LR frames, encoded to yuv420p exactly (float BT.601, 2×2 mean
 * chroma, rounded): swscale (SWS_FLAGS) decodes them −1.76 / −1.06 / −1.13 levels (R/G/B) off
 * the source, this conversion +0.01 / +0.10 / +0.24 (what is left is 4:2:0 and 8-bit rounding).
 *
 * The formula, per colour matrix (Kr, Kb; Kg = 1 − Kr − Kb) and range:
 *   limited: Y' = (Y − 16) / 219,  Pb = (U − 128) / 224,  Pr = (V − 128) / 224
 *   full:    Y' = Y / 255,         Pb = (U − 128) / 255,  Pr = (V − 128) / 255
 *   R = Y' + 2(1 − Kr)·Pr,   B = Y' + 2(1 − Kb)·Pb,
 *   G = Y' − 2(1 − Kb)·Kb/Kg·Pb − 2(1 − Kr)·Kr/Kg·Pr,
 *   out = clamp(⌊255·X + ½⌋, 0, 255)   (X = R, G, B; round half up)
 * with Kr, Kb as the decimal fractions of the standards (MATRICES below; ffmpeg's luma
 * coefficients). The matrix is the stream's colorspace as ffmpeg's scale filter reads it with
 * in_color_matrix 'auto' (bt709, fcc, smpte240m, bt2020nc/c; anything else, untagged included,
 * BT.601), the range its color_range (full for 'pc' and yuvj420p).
 *
 * Chroma siting and upsampling. U and V at a luma pixel are interpolated bilinearly from the
 * half-resolution planes, chroma sample (i, j) sitting at luma position (2i + ½, 2j + ½), i.e.
 * centred between its 2×2 luma pixels in both directions (JPEG / MPEG-1 siting). Why that one:
 * - it is what ffmpeg's own rgb → yuv420p writes, and every 4:2:0 frame of this project is made
 *   by it (the FFmpeg stage, the web condition of the quality bench, the export): swscale
 *   downsamples to centred chroma both ways (get_local_pos with vf_scale's out_v_chr_pos 128 and
 *   the default horizontal position). Measured with Debian ffmpeg 5.1 and SWS_FLAGS: a linear
 *   ramp in R along x (or y) gives chroma column (row) i the value of luma position 2i + 0.53
 *   (the 0.03 is 8-bit rounding), not 2i (MPEG-2 "left" siting);
 * - H.264 streams declare nothing better: x264 as ffmpeg drives it writes no
 *   chroma_loc_info (trace_headers: chroma_loc_info_present_flag 0), which ffprobe reports as
 *   'left' only because that is the spec's default, though the data is centred. Following the
 *   declared 'left' would shift every decoded chroma edge by ½ luma pixel against ffmpeg's encoder.
 * So luma pixel x (and likewise y) takes ¾ of chroma sample ⌊x/2⌋ and ¼ of its neighbour on the
 * side of x (⌊x/2⌋ − 1 for even x, ⌊x/2⌋ + 1 for odd x), the edges replicated: per pixel
 * U = S_U / 16 with the integer S_U = 9a + 3b + 3c + d (weights ¾·¾, ¾·¼, ¼·¾, ¼·¼).
 *
 * Exact arithmetic, fast. Before clipping, 255·X is linear in (Y, S_U, S_V):
 *   V = a·(Y − y0) + b·(S_U − 2048) + c·(S_V − 2048)
 * with rationals a, b, c from the decimal constants above (b = 0 for R, c = 0 for B). Per colour
 * the tables below hold, in units of 2^−K (K = 42),
 *   TY[Y] = ⌈(a·(Y − y0) + ½)·2^K⌉,  TU[S] = ⌈b·(S − 2048)·2^K⌉,  TV[S] = ⌈c·(S − 2048)·2^K⌉,
 * built exactly with BigInt, and a pixel is ⌊(TY + TU + TV)·2^−K⌋, clipped. Proof that this is
 * ⌊V + ½⌋ for every input:
 *   F = TY + TU + TV = (V + ½)·2^K + e with 0 ≤ e < 3 (three ceilings), so ⌊F·2^−K⌋ can only
 *   differ from ⌊V + ½⌋ when an integer lies in (V + ½, V + ½ + 3·2^−K], i.e. when V is less than
 *   3·2^−K below a half-integer without being one (a tie, V exactly m + ½, has e ≥ 0 and rounds
 *   up, as it should). With D a common denominator of a, b, c, V = N/D and its distance to any
 *   half-integer m + ½ is |2N − (2m + 1)D| / 2D: zero or ≥ 1/(2D). So the result is exact as
 *   soon as 3·2^−K ≤ 1/(2D), i.e. D ≤ 2^K/6 = 7.3e11. The largest D of all matrices, ranges and
 *   channels is 5.9e11 (BT.2020 limited range, G); BT.601 limited needs 1.5e10.
 *   Every F, and every partial sum, is an integer below 2^52 in magnitude (|V| + ½ < 2^10), so the
 *   doubles holding them are exact, and ·2^−K is an exact power-of-two scaling.
 * yuv.test.ts checks each premise (every table entry is that ceiling, computed independently;
 * D ≤ 2^K/6 for every matrix, range and channel; the magnitudes), compares R and B with an exact
 * integer reference over every (Y, S) and G over random and corner inputs, and whole frames with
 * a plain float64 reference.
 *
 * The loop uses the tables scaled by 2^−K (exact) and the luma table offset so that `| 0` gives
 * ⌊V + ½⌋ as an index into clip tables (LoopTables): a pixel is 5 table reads and 4 additions
 * for the colour, 3 float → int conversions, 3 clip reads and one 32-bit store. Measured
 * (`npm run bench yuv`, Node, CPU time, a loaded 2-core VM): 17 ms a 1080p frame, 1.0 ms at
 * 480×270 — the same as the swscale port it replaces (18 / 1.1 ms), which shared one chroma
 * sample between two pixels and interpolated nothing horizontally.
 *
 * This file is the reference. The decode paths call yuv-simd.ts's yuv420ToRgbaFast: the same
 * bytes from a wasm SIMD kernel (its header has the argument, its tests compare with this file),
 * about 4–5× faster; this loop where WebAssembly SIMD is missing.
 */

export interface YuvPlanes {
  width: number;
  height: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
  /** Bytes per row of each plane. */
  yStride: number;
  uvStride: number;
}

/** One plane's place in a buffer (WebCodecs' PlaneLayout). */
export interface PlaneLayout {
  offset: number;
  stride: number;
}

/**
 * The 4:2:0 planes of a w×h frame copied out as `format` (VideoFrame.copyTo's layout): I420 and
 * I420A (alpha ignored, as ffmpeg's decoders ignore a VP9/AV1 alpha channel) are used in place,
 * NV12's interleaved chroma is split. Other formats, or a layout too small for w×h: a reason.
 */
export function planesOf(format: string | null, buf: Uint8Array, layout: readonly PlaneLayout[], w: number, h: number): YuvPlanes | string {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const fits = (l: PlaneLayout | undefined, rowBytes: number, rows: number) => !!l && l.stride >= rowBytes && l.offset + l.stride * (rows - 1) + rowBytes <= buf.length;
  if (format === 'I420' || format === 'I420A') {
    if (!fits(layout[0], w, h) || !fits(layout[1], cw, ch) || !fits(layout[2], cw, ch)) return `the ${format} planes do not hold ${w}×${h}`;
    if (layout[1].stride !== layout[2].stride) return 'the U and V planes have different strides';
    return { width: w, height: h, y: buf.subarray(layout[0].offset), u: buf.subarray(layout[1].offset), v: buf.subarray(layout[2].offset), yStride: layout[0].stride, uvStride: layout[1].stride };
  }
  if (format === 'NV12') {
    if (!fits(layout[0], w, h) || !fits(layout[1], 2 * cw, ch)) return `the NV12 planes do not hold ${w}×${h}`;
    const { offset, stride } = layout[1];
    const u = new Uint8Array(cw * ch);
    const v = new Uint8Array(cw * ch);
    for (let r = 0; r < ch; r++) {
      const row = offset + r * stride;
      for (let c = 0; c < cw; c++) {
        u[r * cw + c] = buf[row + 2 * c];
        v[r * cw + c] = buf[row + 2 * c + 1];
      }
    }
    return { width: w, height: h, y: buf.subarray(layout[0].offset), u, v, yStride: layout[0].stride, uvStride: cw };
  }
  return `decoded frames come as ${format ?? 'an opaque (GPU) format'}, not 8-bit 4:2:0`;
}

/**
 * A packed yuv420p frame as ffmpeg's rawvideo writes it (Y w×h, then U and V ⌈w/2⌉×⌈h/2⌉, no
 * row padding) viewed as planes. `visibleW`×`visibleH` (≤ w×h) converts only the top-left part,
 * for a frame padded to even size: the crop of the whole frame's conversion, since a pixel's
 * chroma never comes from beyond the next chroma sample on its own side.
 */
export function packedPlanes(buf: Uint8Array, w: number, h: number, visibleW = w, visibleH = h): YuvPlanes {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  if (buf.length < yuv420FrameBytes(w, h)) throw new RangeError(`a ${w}×${h} yuv420p frame needs ${yuv420FrameBytes(w, h)} bytes, got ${buf.length}`);
  if (!(visibleW > 0 && visibleW <= w && visibleH > 0 && visibleH <= h)) throw new RangeError(`visible size ${visibleW}×${visibleH} is not within ${w}×${h}`);
  return {
    width: visibleW,
    height: visibleH,
    y: buf.subarray(0, w * h),
    u: buf.subarray(w * h, w * h + cw * ch),
    v: buf.subarray(w * h + cw * ch, w * h + 2 * cw * ch),
    yStride: w,
    uvStride: cw,
  };
}

/** Bytes of one packed yuv420p frame of w×h (ffmpeg's rawvideo). */
export function yuv420FrameBytes(w: number, h: number): number {
  return w * h + 2 * ((w + 1) >> 1) * ((h + 1) >> 1);
}

/** The YUV → RGB matrices ffmpeg's scale filter tells apart (in_color_matrix). */
export type YuvMatrix = 'bt601' | 'bt709' | 'fcc' | 'smpte240m' | 'bt2020';

export interface YuvColour {
  matrix: YuvMatrix;
  /** Full ('pc', JPEG) range; false: limited ('tv', MPEG) range. */
  fullRange: boolean;
}

/** What ffmpeg assumes for untagged video. */
export const DEFAULT_COLOUR: YuvColour = { matrix: 'bt601', fullRange: false };

/**
 * Kr and Kb of each matrix as exact decimal fractions [numerator, denominator]: the values of the
 * standards, as ffmpeg lists them (luma coefficients: BT.601 0.299/0.114, BT.709 0.2126/0.0722,
 * FCC 0.30/0.11, SMPTE 240M 0.212/0.087, BT.2020 non-constant 0.2627/0.0593).
 */
export const MATRICES: Record<YuvMatrix, { kr: readonly [number, number]; kb: readonly [number, number] }> = {
  bt601: { kr: [299, 1000], kb: [114, 1000] },
  bt709: { kr: [2126, 10000], kb: [722, 10000] },
  fcc: { kr: [30, 100], kb: [11, 100] },
  smpte240m: { kr: [212, 1000], kb: [87, 1000] },
  bt2020: { kr: [2627, 10000], kb: [593, 10000] },
};

/**
 * The colour interpretation ffmpeg's scale filter gives a frame, from what ffprobe (or ffmpeg's
 * stream line) reports for the stream (`color_space`, `color_range`, `pix_fmt`), as vf_scale.c
 * does with in_color_matrix 'auto'.
 */
export function colourOf(colorSpace?: string, colorRange?: string, pixFmt?: string): YuvColour {
  let matrix: YuvMatrix = 'bt601';
  if (colorSpace === 'bt709') matrix = 'bt709';
  else if (colorSpace === 'fcc') matrix = 'fcc';
  else if (colorSpace === 'smpte240m') matrix = 'smpte240m';
  else if (colorSpace === 'bt2020nc' || colorSpace === 'bt2020c') matrix = 'bt2020';
  const fullRange = colorRange === 'pc' || colorRange === 'jpeg' || ((colorRange === undefined || colorRange === 'unknown') && pixFmt === 'yuvj420p');
  return { matrix, fullRange };
}

// ───────────── the exact tables ─────────────

/** Fixed-point bits of the tables (see the header's proof: needs 2^K ≥ 6·D, and |F| < 2^53). */
export const FIXED_POINT_BITS = 42;
/** Chroma sums S = 9a + 3b + 3c + d run over 0 … 16·255. */
export const CHROMA_SUMS = 16 * 255 + 1;
const SCALE = 2 ** -FIXED_POINT_BITS;

/** A rational number [num, den] with den > 0 (BigInt, exact). */
export type Q = readonly [bigint, bigint];
const q = (n: bigint | number, d: bigint | number = 1n): Q => [BigInt(n), BigInt(d)];
const mul = (a: Q, b: Q): Q => [a[0] * b[0], a[1] * b[1]];
/** a / b for b > 0. */
const div = (a: Q, b: Q): Q => [a[0] * b[1], a[1] * b[0]];
const neg = (a: Q): Q => [-a[0], a[1]];
const sub = (a: Q, b: Q): Q => [a[0] * b[1] - b[0] * a[1], a[1] * b[1]];
/** ⌈n/d⌉ for d > 0. */
const ceilDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? (n + d - 1n) / d : -(-n / d));

/** The exact coefficients of V = a·(Y − y0) + Σ coef·(S − 2048) for each output channel. */
export interface ExactCoefficients {
  /** 255/219 (limited) or 1 (full), and the luma offset y0. */
  a: Q;
  y0: number;
  /** Chroma coefficients per unit of S (the 1/16 of the interpolation included). */
  vr: Q;
  ug: Q;
  vg: Q;
  ub: Q;
}

/** The conversion's rational coefficients for a colour (from MATRICES and the range; yuv-simd.ts derives its integers from them too). */
export function exactCoefficients(c: YuvColour): ExactCoefficients {
  const m = MATRICES[c.matrix];
  const kr = q(m.kr[0], m.kr[1]);
  const kb = q(m.kb[0], m.kb[1]);
  const kg = sub(sub(q(1), kr), kb);
  const two = q(2);
  // 255 · (chroma scale) · (1/16 of the interpolation sum)
  const chroma = c.fullRange ? q(255, 255 * 16) : q(255, 224 * 16);
  const crv = mul(two, sub(q(1), kr));
  const cbu = mul(two, sub(q(1), kb));
  return {
    a: c.fullRange ? q(1) : q(255, 219),
    y0: c.fullRange ? 0 : 16,
    vr: mul(chroma, crv),
    ug: neg(mul(chroma, div(mul(cbu, kb), kg))),
    vg: neg(mul(chroma, div(mul(crv, kr), kg))),
    ub: mul(chroma, cbu),
  };
}

/** Per-plane contributions in units of 2^−K (see the header). */
export interface ConversionTables {
  y: Float64Array;
  vr: Float64Array;
  ug: Float64Array;
  vg: Float64Array;
  ub: Float64Array;
}

const ONE = 1n << BigInt(FIXED_POINT_BITS);

function chromaTable(coef: Q): Float64Array {
  const t = new Float64Array(CHROMA_SUMS);
  for (let s = 0; s < CHROMA_SUMS; s++) t[s] = Number(ceilDiv(coef[0] * BigInt(s - 2048) * ONE, coef[1]));
  return t;
}

const tableCache = new Map<string, ConversionTables>();

/** The fixed-point tables of a colour (built once, exactly, with BigInt; ~5 ms). */
export function conversionTables(c: YuvColour): ConversionTables {
  const key = `${c.matrix}/${c.fullRange}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  const k = exactCoefficients(c);
  const y = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    // ⌈(a·(Y − y0) + ½)·2^K⌉ = ⌈(2·a.num·(Y − y0) + a.den)·2^K / (2·a.den)⌉
    y[i] = Number(ceilDiv((2n * k.a[0] * BigInt(i - k.y0) + k.a[1]) * ONE, 2n * k.a[1]));
  }
  const t: ConversionTables = { y, vr: chromaTable(k.vr), ug: chromaTable(k.ug), vg: chromaTable(k.vg), ub: chromaTable(k.ub) };
  // The pixel loop's clip index needs every sum within (−1024, 1024)·2^K (CLIP_OFFSET); the
  // matrices give |V| < 600. Checked at the extremes of each table, never failing for MATRICES.
  const lo = (a: Float64Array) => Math.min(...a);
  const hi = (a: Float64Array) => Math.max(...a);
  const sums = [lo(y) + Math.min(lo(t.vr), lo(t.ug) + lo(t.vg), lo(t.ub)), hi(y) + Math.max(hi(t.vr), hi(t.ug) + hi(t.vg), hi(t.ub))];
  if (sums.some((s) => !(Math.abs(s * SCALE) < CLIP_OFFSET - 1))) throw new Error(`yuv: ${key} leaves the clip table's range`);
  tableCache.set(key, t);
  return t;
}

// ───────────── the pixel loop ─────────────

/**
 * The loop's form of the tables: scaled by 2^−K (exact: a power of two), the luma table offset by
 * CLIP_OFFSET, and the chroma tables interleaved per chroma sum (u: G's then B's term, v: G's then
 * R's), so one pixel's chroma terms share cache lines. Every value and every sum the loop forms is
 * then a multiple of 2^−42 in (0, 2^11) — at most 53 significant bits, so exact in a double — and
 * `| 0` of it, positive, is ⌊V + ½⌋ + CLIP_OFFSET, the index into the clip tables.
 */
interface LoopTables {
  y: Float64Array;
  u: Float64Array;
  v: Float64Array;
}

const CLIP_OFFSET = 1024;

const loopCache = new WeakMap<ConversionTables, LoopTables>();
function loopTables(t: ConversionTables): LoopTables {
  let l = loopCache.get(t);
  if (!l) {
    const u = new Float64Array(2 * CHROMA_SUMS);
    const v = new Float64Array(2 * CHROMA_SUMS);
    for (let s = 0; s < CHROMA_SUMS; s++) {
      u[2 * s] = t.ug[s] * SCALE;
      u[2 * s + 1] = t.ub[s] * SCALE;
      v[2 * s] = t.vg[s] * SCALE;
      v[2 * s + 1] = t.vr[s] * SCALE;
    }
    l = { y: t.y.map((x) => x * SCALE + CLIP_OFFSET), u, v };
    loopCache.set(t, l);
  }
  return l;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Byte b of an RGBA pixel as a bit shift within its 32-bit word. */
const shiftOf = (b: number) => (LITTLE_ENDIAN ? 8 * b : 24 - 8 * b);

/**
 * Clip tables: ⌊V + ½⌋ + CLIP_OFFSET → the clipped byte, shifted into its place in the RGBA word
 * (alpha 255 rides in B's). Int32, so the loop's `|` stays in small-integer arithmetic.
 */
function clipTable(shift: number, extra: number): Int32Array {
  const t = new Int32Array(2 * CLIP_OFFSET);
  for (let i = 0; i < t.length; i++) {
    const v = i - CLIP_OFFSET;
    t[i] = ((v < 0 ? 0 : v > 255 ? 255 : v) << shift) | extra;
  }
  return t;
}
const CLIP_R = clipTable(shiftOf(0), 0);
const CLIP_G = clipTable(shiftOf(1), 0);
const CLIP_B = clipTable(shiftOf(2), 255 << shiftOf(3));

/** Vertically mixed chroma rows (3·near + far), with one replicated sample at each end. */
let mixU = new Int32Array(0);
let mixV = new Int32Array(0);

/**
 * One luma row's chroma, vertically: 3·row j + row j2 (the ¾/¼ weights ×4) into mixU/mixV[1 … cw],
 * with mix[0] = mix[1] and mix[cw + 1] = mix[cw] (the replicated edges).
 */
function mixRows(U: Uint8Array, V: Uint8Array, o0: number, o1: number, cw: number): void {
  const mu = mixU;
  const mv = mixV;
  for (let k = 0; k < cw; k++) {
    mu[k + 1] = 3 * U[o0 + k] + U[o1 + k];
    mv[k + 1] = 3 * V[o0 + k] + V[o1 + k];
  }
  mu[0] = mu[1];
  mv[0] = mv[1];
  mu[cw + 1] = mu[cw];
  mv[cw + 1] = mv[cw];
}

/**
 * One row of pixels from the mixed chroma rows: pixels 2k and 2k + 1 take ¾ of chroma k and ¼ of
 * chroma k − 1 and k + 1 respectively (S = 3·mix[k] + mix[k ∓ 1], doubled to index the interleaved
 * tables). The three mixed samples around k ride along in registers.
 */
function pixelRow(o32: Uint32Array, o: number, Y: Uint8Array, yo: number, w: number, t: LoopTables): void {
  const { y: TY, u: TU, v: TV } = t;
  const mu = mixU;
  const mv = mixV;
  let prevU = mu[0];
  let curU = mu[1];
  let prevV = mv[0];
  let curV = mv[1];
  const pairs = w >> 1;
  for (let k = 0; k < pairs; k++) {
    const nextU = mu[k + 2];
    const nextV = mv[k + 2];
    const cu = 3 * curU;
    const cv = 3 * curV;
    let su = (cu + prevU) << 1;
    let sv = (cv + prevV) << 1;
    let ty = TY[Y[yo]];
    o32[o] = CLIP_R[(ty + TV[sv + 1]) | 0] | CLIP_G[(ty + TU[su] + TV[sv]) | 0] | CLIP_B[(ty + TU[su + 1]) | 0];
    su = (cu + nextU) << 1;
    sv = (cv + nextV) << 1;
    ty = TY[Y[yo + 1]];
    o32[o + 1] = CLIP_R[(ty + TV[sv + 1]) | 0] | CLIP_G[(ty + TU[su] + TV[sv]) | 0] | CLIP_B[(ty + TU[su + 1]) | 0];
    yo += 2;
    o += 2;
    prevU = curU;
    curU = nextU;
    prevV = curV;
    curV = nextV;
  }
  if (w & 1) {
    // the last pixel of an odd width is even: ¾ of chroma k = pairs, ¼ of k − 1
    const su = (3 * curU + prevU) << 1;
    const sv = (3 * curV + prevV) << 1;
    const ty = TY[Y[yo]];
    o32[o] = CLIP_R[(ty + TV[sv + 1]) | 0] | CLIP_G[(ty + TU[su] + TV[sv]) | 0] | CLIP_B[(ty + TU[su + 1]) | 0];
  }
}

/** yuv420ToRgba's argument checks (RangeError): a positive integer size, planes and output big enough. */
export function checkYuvArgs(p: YuvPlanes, out: Uint8ClampedArray): void {
  const { width: w, height: h, y: Y, u: U, v: V, yStride, uvStride } = p;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new RangeError(`yuv420ToRgba: bad size ${w}×${h}`);
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  if (yStride < w || uvStride < cw || Y.length < yStride * (h - 1) + w || U.length < uvStride * (ch - 1) + cw || V.length < uvStride * (ch - 1) + cw) {
    throw new RangeError(`yuv420ToRgba: planes too small for ${w}×${h} (strides ${yStride}, ${uvStride})`);
  }
  if (out.length < w * h * 4) throw new RangeError(`yuv420ToRgba: output too small for ${w}×${h}`);
}

/**
 * Convert one 8-bit 4:2:0 frame to RGBA8 (alpha 255) exactly (see the header). Chroma planes are
 * ⌈w/2⌉ × ⌈h/2⌉. `colour` as colourOf() gives it for the stream (default: untagged, i.e.
 * BT.601 limited range).
 */
export function yuv420ToRgba(p: YuvPlanes, colour: YuvColour = DEFAULT_COLOUR, out: Uint8ClampedArray = new Uint8ClampedArray(p.width * p.height * 4)): Uint8ClampedArray {
  checkYuvArgs(p, out);
  const { width: w, height: h, y: Y, u: U, v: V, yStride, uvStride } = p;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const t = loopTables(conversionTables(colour));
  // Whole 32-bit pixels: into `out` directly when it is word-aligned, else through a copy.
  const aligned = out.byteOffset % 4 === 0;
  const o32 = aligned ? new Uint32Array(out.buffer, out.byteOffset, w * h) : new Uint32Array(w * h);
  if (mixU.length < cw + 2) {
    mixU = new Int32Array(cw + 2);
    mixV = new Int32Array(cw + 2);
  }
  for (let y = 0; y < h; y++) {
    // ¾ of chroma row ⌊y/2⌋, ¼ of the row above (even y) or below (odd y), edges replicated
    const j = y >> 1;
    const j2 = y & 1 ? Math.min(j + 1, ch - 1) : Math.max(j - 1, 0);
    mixRows(U, V, j * uvStride, j2 * uvStride, cw);
    pixelRow(o32, y * w, Y, y * yStride, w, t);
  }
  if (!aligned) out.set(new Uint8Array(o32.buffer));
  return out;
}

/**
 * yuv420ToRgba's value of single pixels: the same chroma sums, tables and clipping, one pixel at a
 * time, as the RGBA word the loop stores (platform byte order, like its Uint32Array). yuv-simd.ts
 * takes from here the few pixels its fixed point cannot decide and the tail of each row.
 */
export function pixelConverter(p: YuvPlanes, colour: YuvColour = DEFAULT_COLOUR): (x: number, y: number) => number {
  const { height: h, y: Y, u: U, v: V, yStride, uvStride } = p;
  const { y: TY, u: TU, v: TV } = loopTables(conversionTables(colour));
  const cw = (p.width + 1) >> 1;
  const ch = (h + 1) >> 1;
  return (x, y) => {
    // rows and columns as yuv420ToRgba mixes them: ¾ of chroma ⌊·/2⌋, ¼ of its neighbour on the pixel's side, edges replicated
    const j = y >> 1;
    const j2 = y & 1 ? Math.min(j + 1, ch - 1) : Math.max(j - 1, 0);
    const k = x >> 1;
    const k2 = x & 1 ? Math.min(k + 1, cw - 1) : Math.max(k - 1, 0);
    const r0 = j * uvStride;
    const r1 = j2 * uvStride;
    const su = (3 * (3 * U[r0 + k] + U[r1 + k]) + 3 * U[r0 + k2] + U[r1 + k2]) << 1;
    const sv = (3 * (3 * V[r0 + k] + V[r1 + k]) + 3 * V[r0 + k2] + V[r1 + k2]) << 1;
    const ty = TY[Y[y * yStride + x]];
    return CLIP_R[(ty + TV[sv + 1]) | 0] | CLIP_G[(ty + TU[su] + TV[sv]) | 0] | CLIP_B[(ty + TU[su + 1]) | 0];
  };
}
