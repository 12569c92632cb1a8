/**
 * The project's one 8-bit YUV 4:2:0 → RGBA8 conversion: a bit-exact port of what FFmpeg 5.1's
 * libswscale does for `yuv420p → rgba` with our SWS_FLAGS (bicubic+accurate_rnd+bitexact), the
 * conversion every decode path must agree on:
 * - ffmpeg.wasm in the media worker (@ffmpeg/core 0.12 = FFmpeg 5.1, swscale's C code),
 * - Debian's native ffmpeg 5.1 in the Node CLI (with SWS_FLAGS its x86 SIMD paths are off or exact),
 * - the WebCodecs path (VideoDecoder → I420 planes → this file), which has no swscale.
 * H.264/VP9/AV1 decoding is itself bit-exact across conformant decoders, so with this the three
 * give the same bytes. yuv.test.ts checks it against Debian ffmpeg on random and real planes,
 * every matrix, both ranges, odd and tiny sizes.
 *
 * What swscale does here (libswscale/utils.c, output.c, yuv2rgb.c, libavfilter/vf_scale.c):
 * - Matrix and range: vf_scale's in_color_matrix 'auto' takes the frame's colorspace
 *   (parse_yuv_type: bt709, fcc, smpte240m, bt2020 → their own coefficients, anything else
 *   → BT.601); the range is the frame's (full for 'pc' / yuvj420p), else limited.
 * - Luma is unscaled (identity filters). Chroma is upsampled vertically only, by swscale's bicubic
 *   (B 0, C 0.6) at MPEG-2 (vertically centred) siting, with its fixed-point filter coefficients
 *   (initFilter below, integer for integer). Even widths: each horizontal pixel pair shares one
 *   chroma sample and RGB comes from swscale's lookup tables (yuv2rgb_X_c_template with the
 *   ff_yuv2rgb_c_init_tables tables, including their quirk that limited-range white, Y 235, gives
 *   253). Odd widths: swscale forces full chroma interpolation: chroma is also upsampled
 *   horizontally (bicubic, same siting rules) and RGB comes from 30-bit arithmetic
 *   (yuv2rgb_full_X_c_template / yuv2rgb_write_full).
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

/** swscale's YUV → RGB coefficient sets (ff_yuv2rgb_coeffs). */
export type YuvMatrix = 'bt601' | 'bt709' | 'fcc' | 'smpte240m' | 'bt2020';

export interface YuvColour {
  matrix: YuvMatrix;
  /** Full ('pc', JPEG) range; false: limited ('tv', MPEG) range. */
  fullRange: boolean;
}

/** What ffmpeg assumes for untagged video. */
export const DEFAULT_COLOUR: YuvColour = { matrix: 'bt601', fullRange: false };

/** ff_yuv2rgb_coeffs rows: crv, cbu, cgu, cgv (×2^16). */
const COEFFS: Record<YuvMatrix, readonly [number, number, number, number]> = {
  bt709: [117489, 138438, 13975, 34925],
  bt601: [104597, 132201, 25675, 53279],
  fcc: [104448, 132798, 24759, 53109],
  smpte240m: [117579, 136230, 16907, 35559],
  bt2020: [110013, 140363, 12277, 42626],
};

/**
 * The colour interpretation ffmpeg's scale filter gives a frame, from what ffprobe reports for the
 * stream (`color_space`, `color_range`, `pix_fmt`), as vf_scale.c does with in_color_matrix 'auto'.
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

// ───────────── exact integer helpers (C semantics) ─────────────

/** C's `/` on int64: truncation toward zero. */
const cdiv = (a: bigint, b: bigint): bigint => a / b; // BigInt division truncates, as C does
/** C's ROUNDED_DIV. */
const roundedDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a + (b >> 1n) : a - (b >> 1n)) / b;
const abs = (a: bigint): bigint => (a < 0n ? -a : a);

interface Filter {
  /** First source line/column of each output one. */
  pos: Int32Array;
  /** size coefficients per output, normalised to `one`. */
  coef: Int32Array;
  size: number;
}

/**
 * swscale's initFilter (utils.c) for the one case used here: SWS_BICUBIC|SWS_BITEXACT with default
 * parameters, no src/dst vectors, C code paths (filterAlign 1). `xInc` 16.16 step, `srcPos` and
 * `dstPos` the chroma positions from get_local_pos, `one` 1<<12 (vertical) or 1<<14 (horizontal).
 */
function initFilter(xInc: number, srcW: number, dstW: number, one: number, srcPos: number, dstPos: number): Filter {
  const log2 = (v: number) => (v > 0 ? 31 - Math.clz32(v) : 0);
  const fone = 1n << BigInt(54 - Math.min(log2(Math.floor(srcW / dstW)), 8));
  const X = BigInt(xInc);
  let filterSize: number;
  let filter: bigint[];
  const pos = new Int32Array(dstW);

  if (Math.abs(xInc - 0x10000) < 10 && srcPos === dstPos) {
    filterSize = 1;
    filter = new Array<bigint>(dstW).fill(fone);
    for (let i = 0; i < dstW; i++) pos[i] = i;
  } else {
    const sizeFactor = 4; // bicubic
    filterSize = xInc <= 1 << 16 ? 1 + sizeFactor : 1 + Math.floor((sizeFactor * srcW + dstW - 1) / dstW);
    filterSize = Math.max(Math.min(filterSize, srcW - 2), 1);
    filter = new Array<bigint>(dstW * filterSize);
    const B = 0n;
    const C = BigInt(Math.trunc(0.6 * (1 << 24)));
    let xDstInSrc = ((BigInt(dstPos) * X) >> 7n) - ((BigInt(srcPos) * 0x10000n) >> 7n);
    for (let i = 0; i < dstW; i++) {
      let xx = Number(cdiv(xDstInSrc - BigInt(filterSize - 2) * (1n << 16n), 1n << 17n));
      pos[i] = xx;
      for (let j = 0; j < filterSize; j++) {
        let d = abs(BigInt(xx) * (1n << 17n) - xDstInSrc) << 13n;
        if (xInc > 1 << 16) d = (d * BigInt(dstW)) / BigInt(srcW);
        let coeff: bigint;
        if (d >= 1n << 31n) {
          coeff = 0n;
        } else {
          const dd = (d * d) >> 30n;
          const ddd = (dd * d) >> 30n;
          if (d < 1n << 30n) {
            coeff = (12n * (1n << 24n) - 9n * B - 6n * C) * ddd + (-18n * (1n << 24n) + 12n * B + 6n * C) * dd + (6n * (1n << 24n) - 2n * B) * (1n << 30n);
          } else {
            coeff = (-B - 6n * C) * ddd + (6n * B + 30n * C) * dd + (-12n * B - 48n * C) * d + (8n * B + 24n * C) * (1n << 30n);
          }
        }
        coeff = cdiv(coeff, (1n << 54n) / fone);
        filter[i * filterSize + j] = coeff;
        xx++;
      }
      xDstInSrc += 2n * X;
    }
  }

  // (no src/dst filter vectors: filter2 = filter)
  const filter2Size = filterSize;
  const filter2 = filter;

  // Step 1: find the smallest size, shifting near-zero leading taps out.
  let minFilterSize = 0;
  const cutoffLimit = 0.002 * Number(fone);
  for (let i = dstW - 1; i >= 0; i--) {
    let min = filter2Size;
    let cutOff = 0n;
    for (let j = 0; j < filter2Size; j++) {
      cutOff += abs(filter2[i * filter2Size]);
      if (Number(cutOff) > cutoffLimit) break;
      if (i < dstW - 1 && pos[i] >= pos[i + 1]) break;
      let k: number;
      for (k = 1; k < filter2Size; k++) filter2[i * filter2Size + k - 1] = filter2[i * filter2Size + k];
      filter2[i * filter2Size + k - 1] = 0n;
      pos[i]++;
    }
    cutOff = 0n;
    for (let j = filter2Size - 1; j > 0; j--) {
      cutOff += abs(filter2[i * filter2Size + j]);
      if (Number(cutOff) > cutoffLimit) break;
      min--;
    }
    if (min > minFilterSize) minFilterSize = min;
  }
  const size = minFilterSize; // filterAlign 1
  const f = new Array<bigint>(dstW * size);
  for (let i = 0; i < dstW; i++) {
    for (let j = 0; j < size; j++) f[i * size + j] = j >= filter2Size ? 0n : filter2[i * filter2Size + j];
    // (SWS_BITEXACT zeroes taps j >= minFilterSize: none here, size == minFilterSize)
  }

  // Fix borders: fold taps outside the source onto its edge samples.
  for (let i = 0; i < dstW; i++) {
    if (pos[i] < 0) {
      for (let j = 1; j < size; j++) {
        const left = Math.max(j + pos[i], 0);
        f[i * size + left] += f[i * size + j];
        f[i * size + j] = 0n;
      }
      pos[i] = 0;
    }
    if (pos[i] + size > srcW) {
      const shift = pos[i] + Math.min(size - srcW, 0);
      let acc = 0n;
      for (let j = size - 1; j >= 0; j--) {
        if (pos[i] + j >= srcW) {
          acc += f[i * size + j];
          f[i * size + j] = 0n;
        }
      }
      for (let j = size - 1; j >= 0; j--) f[i * size + j] = j < shift ? 0n : f[i * size + j - shift];
      pos[i] -= shift;
      f[i * size + srcW - 1 - pos[i]] += acc;
    }
  }

  // Normalise to `one`, carrying the rounding error from tap to tap.
  const coef = new Int32Array(dstW * size);
  const ONE = BigInt(one);
  for (let i = 0; i < dstW; i++) {
    let sum = 0n;
    for (let j = 0; j < size; j++) sum += f[i * size + j];
    sum = (sum + ONE / 2n) / ONE;
    if (sum === 0n) sum = 1n;
    let error = 0n;
    for (let j = 0; j < size; j++) {
      const v = f[i * size + j] + error;
      const intV = roundedDiv(v, sum);
      coef[i * size + j] = Number(intV);
      error = v - intV * sum;
    }
  }
  return { pos, coef, size };
}

/** get_local_pos (utils.c): a chroma position (1/256 luma sample) in the subsampled grid. */
function localPos(chrSubsample: number, pos: number): number {
  if (pos === -1 || pos <= -513) pos = (128 << chrSubsample) - 128;
  pos += 128;
  return pos >> chrSubsample;
}

/** The vertical chroma filter for a frame height (src_v_chr_pos 128, as vf_scale sets for yuv420p). */
function verticalChromaFilter(height: number): Filter {
  const chrSrcH = (height + 1) >> 1;
  const chrYInc = Math.floor((chrSrcH * 65536 + (height >> 1)) / height);
  return initFilter(chrYInc, chrSrcH, height, 1 << 12, localPos(1, 128), localPos(0, -513));
}

/** The horizontal chroma filter for odd widths (full chroma interpolation). */
function horizontalChromaFilter(width: number): Filter {
  const chrSrcW = (width + 1) >> 1;
  const chrXInc = Math.floor((chrSrcW * 65536 + (width >> 1)) / width);
  return initFilter(chrXInc, chrSrcW, width, 1 << 14, localPos(1, -513), localPos(0, -513));
}

const filterCache = new Map<string, Filter>();
function cached(key: string, make: () => Filter): Filter {
  let f = filterCache.get(key);
  if (!f) {
    if (filterCache.size > 32) filterCache.clear();
    f = make();
    filterCache.set(key, f);
  }
  return f;
}

// ───────────── ff_yuv2rgb_c_init_tables ─────────────

interface Tables {
  /** The 8-bit luma table (one plane of swscale's y_table32; the three planes hold equal values). */
  lut: Uint8Array;
  /** Table offsets by clipped chroma value: red from V, green from U and V, blue from U. */
  rV: Int32Array;
  gU: Int32Array;
  gV: Int32Array;
  bU: Int32Array;
  /** The 30-bit path's coefficients (yuv2rgb_y_coeff etc.) for odd widths. */
  yOffset: number;
  yCoeff: number;
  v2r: number;
  v2g: number;
  u2g: number;
  u2b: number;
}

const HEADROOM = 512; // YUVRGB_TABLE_LUMA_HEADROOM
const PLANE = 1024 + 2 * HEADROOM;

function roundToInt16(f: bigint): number {
  const r = Number((f + (1n << 15n)) >> 16n);
  if (r < -0x7fff) return -0x8000; // (uint16_t)0x8000 read back as int16
  if (r > 0x7fff) return 0x7fff;
  return r;
}

const tableCache = new Map<string, Tables>();
function tables(c: YuvColour): Tables {
  const key = `${c.matrix}/${c.fullRange}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  const t = COEFFS[c.matrix];
  let crv = BigInt(t[0]);
  let cbu = BigInt(t[1]);
  let cgu = -BigInt(t[2]);
  let cgv = -BigInt(t[3]);
  let cy = 1n << 16n;
  let oy = 0n;
  if (!c.fullRange) {
    cy = (cy * 255n) / 219n;
    oy = 16n << 16n;
  } else {
    crv = (crv * 224n) / 255n;
    cbu = (cbu * 224n) / 255n;
    cgu = (cgu * 224n) / 255n;
    cgv = (cgv * 224n) / 255n;
  }
  // contrast = saturation = 1<<16, brightness = 0: the scalings below are identities.
  const yOffset = roundToInt16(oy * (1n << 9n));
  const yCoeff = roundToInt16(cy * (1n << 13n));
  const v2r = roundToInt16(crv * (1n << 13n));
  const v2g = roundToInt16(cgv * (1n << 13n));
  const u2g = roundToInt16(cgu * (1n << 13n));
  const u2b = roundToInt16(cbu * (1n << 13n));

  const scale = (x: bigint) => (x * (1n << 16n) + 0x8000n) / (cy > 1n ? cy : 1n);
  crv = scale(crv);
  cbu = scale(cbu);
  cgu = scale(cgu);
  cgv = scale(cgv);

  const yoffs = (c.fullRange ? 384 : 326) + HEADROOM;
  const lut = new Uint8Array(PLANE);
  const yb0 = -(384n << 16n) - BigInt(HEADROOM) * cy - oy;
  for (let i = 0; i < PLANE; i++) {
    const yb = yb0 + BigInt(i) * cy;
    const v = Number((yb + 0x8000n) >> 16n);
    lut[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  // fill_table: entry for chroma value x points at y_table + yoffs - (inc >> 9) + ((x * inc) >> 16).
  const fill = (inc: bigint, base: number) => {
    const a = new Int32Array(256);
    for (let x = 0; x < 256; x++) a[x] = base - Number(inc >> 9n) + Number((BigInt(x) * inc) >> 16n);
    return a;
  };
  const out: Tables = {
    lut,
    rV: fill(crv, yoffs),
    gU: fill(cgu, yoffs),
    gV: fill(cgv, 0),
    bU: fill(cbu, yoffs),
    yOffset,
    yCoeff,
    v2r,
    v2g,
    u2g,
    u2b,
  };
  tableCache.set(key, out);
  return out;
}

/**
 * packed_vscale (vscale.c) takes swscale's 1-tap output path for a 2-tap chroma filter whose
 * weights are a plain split of 4096: it then uses the nearer line (weight of the second < 2048)
 * or the mean of the two, not the weights. Returns that second weight, or -1 for the general path.
 */
function packed1Alpha(f: Filter, y: number): number {
  if (f.size !== 2) return -1;
  const a = f.coef[2 * y];
  const b = f.coef[2 * y + 1];
  return a + b === 4096 && b >= 0 && b <= 4096 ? b : -1;
}

const clip8 = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : x);

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Byte b of an RGBA pixel as a bit shift within its 32-bit word. */
const shiftOf = (b: number) => (LITTLE_ENDIAN ? 8 * b : 24 - 8 * b);
/** Alpha 255 in place, as an int32 (kept a small integer so V8 folds it into the pixel loops). */
const OPAQUE = (255 << shiftOf(3)) | 0;

/** The luma table as three 32-bit planes (R, G, B in place), as swscale's y_table32 holds it. */
const wordCache = new WeakMap<Tables, Uint32Array[]>();
function wordTables(t: Tables): Uint32Array[] {
  let w = wordCache.get(t);
  if (!w) {
    w = [0, 1, 2].map((c) => Uint32Array.from(t.lut, (x) => (x << shiftOf(c)) >>> 0));
    wordCache.set(t, w);
  }
  return w;
}

/** Row buffers of chroma table offsets, reused from call to call (the conversion is synchronous). */
let scratch: Int32Array[] = [];
function scratchRows(n: number): Int32Array[] {
  if (!scratch.length || scratch[0].length < n) scratch = [0, 1, 2].map(() => new Int32Array(n));
  return scratch;
}

/** yuv2rgb_1_c_template's chroma: line o0 alone (o1 = o0) or the mean of lines o0 and o1; no weights. */
function chromaRowMean(U: Uint8Array, V: Uint8Array, o0: number, o1: number, cw: number, t: Tables, rRow: Int32Array, gRow: Int32Array, bRow: Int32Array): void {
  const { rV, gU, gV, bU } = t;
  for (let i = 0; i < cw; i++) {
    const u = (U[o0 + i] + U[o1 + i] + 1) >> 1;
    const v = (V[o0 + i] + V[o1 + i] + 1) >> 1;
    rRow[i] = rV[v];
    gRow[i] = gU[u] + gV[v];
    bRow[i] = bU[u];
  }
}

/** One row of chroma, any filter length (chroma heights < 6 give 1–3 taps). */
function chromaRowN(U: Uint8Array, V: Uint8Array, a0: number, stride: number, coef: Int32Array, c0: number, fs: number, cw: number, t: Tables, rRow: Int32Array, gRow: Int32Array, bRow: Int32Array): void {
  const { rV, gU, gV, bU } = t;
  for (let i = 0; i < cw; i++) {
    let su = 1 << 18;
    let sv = 1 << 18;
    for (let j = 0, o = a0 + i; j < fs; j++, o += stride) {
      const k = coef[c0 + j] << 7;
      su += U[o] * k;
      sv += V[o] * k;
    }
    const u = clip8(su >> 19);
    const v = clip8(sv >> 19);
    rRow[i] = rV[v];
    gRow[i] = gU[u] + gV[v];
    bRow[i] = bU[u];
  }
}

/** One row of chroma for the even-width path, 4-tap filter: table offsets per chroma sample. */
function chromaRow4(U: Uint8Array, V: Uint8Array, a0: number, stride: number, coef: Int32Array, c0: number, cw: number, t: Tables, rRow: Int32Array, gRow: Int32Array, bRow: Int32Array): void {
  const k0 = coef[c0] << 7;
  const k1 = coef[c0 + 1] << 7;
  const k2 = coef[c0 + 2] << 7;
  const k3 = coef[c0 + 3] << 7;
  const a1 = a0 + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  const { rV, gU, gV, bU } = t;
  for (let i = 0; i < cw; i++) {
    const u = clip8(((1 << 18) + U[a0 + i] * k0 + U[a1 + i] * k1 + U[a2 + i] * k2 + U[a3 + i] * k3) >> 19);
    const v = clip8(((1 << 18) + V[a0 + i] * k0 + V[a1 + i] * k1 + V[a2 + i] * k2 + V[a3 + i] * k3) >> 19);
    rRow[i] = rV[v];
    gRow[i] = gU[u] + gV[v];
    bRow[i] = bU[u];
  }
}

/** One row of pixels for the even-width path: each pair shares its chroma sample (no full_chroma_int). */
function pixelRow(o32: Uint32Array, o: number, Y: Uint8Array, yo: number, cw: number, rRow: Int32Array, gRow: Int32Array, bRow: Int32Array, LR: Uint32Array, LG: Uint32Array, LB: Uint32Array): void {
  for (let i = 0; i < cw; i++, o += 2) {
    const r = rRow[i];
    const g = gRow[i];
    const b = bRow[i];
    const y1 = Y[yo + 2 * i];
    const y2 = Y[yo + 2 * i + 1];
    o32[o] = LR[r + y1] | LG[g + y1] | LB[b + y1] | OPAQUE;
    o32[o + 1] = LR[r + y2] | LG[g + y2] | LB[b + y2] | OPAQUE;
  }
}

/** Even widths: chroma shared by pixel pairs, RGB from the lookup tables (yuv2rgb_X_c_template). */
function evenFrame(o32: Uint32Array, p: YuvPlanes, t: Tables, vf: Filter): void {
  const { width: w, height: h, y: Y, u: U, v: V, yStride, uvStride } = p;
  const cw = w >> 1;
  const { pos, coef, size: fs } = vf;
  const [LR, LG, LB] = wordTables(t);
  const [rRow, gRow, bRow] = scratchRows(cw);
  for (let y = 0; y < h; y++) {
    // Vertical chroma: 15-bit inputs (x << 7), 12-bit coefficients, (sum + 2^18) >> 19; values
    // outside 0…255 land on the tables' clipped headroom.
    const a0 = pos[y] * uvStride;
    const alpha = packed1Alpha(vf, y);
    if (alpha >= 0) chromaRowMean(U, V, a0, alpha < 2048 ? a0 : a0 + uvStride, cw, t, rRow, gRow, bRow);
    else if (fs === 4) chromaRow4(U, V, a0, uvStride, coef, 4 * y, cw, t, rRow, gRow, bRow);
    else chromaRowN(U, V, a0, uvStride, coef, y * fs, fs, cw, t, rRow, gRow, bRow);
    pixelRow(o32, y * w, Y, y * yStride, cw, rRow, gRow, bRow, LR, LG, LB);
  }
}

/**
 * Convert one 8-bit 4:2:0 frame to RGBA8 (alpha 255), byte for byte as ffmpeg 5.1 does with
 * SWS_FLAGS. Chroma planes are ceil(w/2) × ceil(h/2). `colour` as colourOf() gives it for the
 * stream (default: untagged, i.e. BT.601 limited range).
 */
export function yuv420ToRgba(p: YuvPlanes, colour: YuvColour = DEFAULT_COLOUR, out = new Uint8ClampedArray(p.width * p.height * 4)): Uint8ClampedArray {
  const { width: w, height: h, y: Y, u: U, v: V, yStride, uvStride } = p;
  if (!(w > 0 && h > 0)) throw new RangeError(`yuv420ToRgba: bad size ${w}×${h}`);
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  if (yStride < w || uvStride < cw || Y.length < yStride * (h - 1) + w || U.length < uvStride * (ch - 1) + cw || V.length < uvStride * (ch - 1) + cw) {
    throw new RangeError(`yuv420ToRgba: planes too small for ${w}×${h} (strides ${yStride}, ${uvStride})`);
  }
  if (out.length < w * h * 4) throw new RangeError(`yuv420ToRgba: output too small for ${w}×${h}`);
  // Whole 32-bit pixels: into `out` directly when it is word-aligned, else through a copy.
  const aligned = out.byteOffset % 4 === 0;
  const o32 = aligned ? new Uint32Array(out.buffer, out.byteOffset, w * h) : new Uint32Array(w * h);
  const t = tables(colour);
  const vf = cached(`v${h}`, () => verticalChromaFilter(h));
  const fs = vf.size;
  const { pos, coef } = vf;

  if ((w & 1) === 0) {
    evenFrame(o32, p, t, vf);
  } else {
    // Odd width: full chroma interpolation. Horizontal bicubic into 15 bits (hScale8To15_c:
    // FFMIN(sum >> 7, 32767)), then per pixel the 30-bit arithmetic of yuv2rgb_write_full.
    const hf = cached(`h${w}`, () => horizontalChromaFilter(w));
    const hs = hf.size;
    const uH = new Int32Array(ch * w);
    const vH = new Int32Array(ch * w);
    for (let r = 0; r < ch; r++) {
      const ro = r * uvStride;
      for (let x = 0; x < w; x++) {
        let su = 0;
        let sv = 0;
        const q = ro + hf.pos[x];
        for (let j = 0; j < hs; j++) {
          const k = hf.coef[x * hs + j];
          su += U[q + j] * k;
          sv += V[q + j] * k;
        }
        uH[r * w + x] = Math.min(su >> 7, 32767);
        vH[r * w + x] = Math.min(sv >> 7, 32767);
      }
    }
    const { yOffset, yCoeff, v2r, v2g, u2g, u2b } = t;
    const clip30 = (a: number) => (a & ~0x3fffffff ? (~a >> 31) & 0x3fffffff : a);
    const sr = shiftOf(0);
    const sg = shiftOf(1);
    const sb = shiftOf(2);
    const uRow = new Int32Array(w);
    const vRow = new Int32Array(w);
    for (let y = 0; y < h; y++) {
      const p0 = pos[y];
      const alpha = packed1Alpha(vf, y);
      if (alpha >= 2048) {
        // yuv2rgb_full_1_c_template, two lines: their sum, centred, × 2
        for (let x = 0; x < w; x++) {
          uRow[x] = (uH[p0 * w + x] + uH[(p0 + 1) * w + x] - (128 << 8)) * 2;
          vRow[x] = (vH[p0 * w + x] + vH[(p0 + 1) * w + x] - (128 << 8)) * 2;
        }
      } else {
        // yuv2rgb_full_X_c_template (one line, alpha < 2048, gives the same as a 4096 tap)
        const taps = alpha >= 0 ? 1 : fs;
        for (let x = 0; x < w; x++) {
          let uu = (1 << 9) - (128 << 19);
          let vv = (1 << 9) - (128 << 19);
          for (let j = 0; j < taps; j++) {
            const k = alpha >= 0 ? 4096 : coef[y * fs + j];
            uu += uH[(p0 + j) * w + x] * k;
            vv += vH[(p0 + j) * w + x] * k;
          }
          uRow[x] = uu >> 10;
          vRow[x] = vv >> 10;
        }
      }
      const yo = y * yStride;
      let o = y * w;
      for (let x = 0; x < w; x++, o++) {
        const uu = uRow[x];
        const vv = vRow[x];
        // Y: (Y << 7) × 4096 + 2^9 >> 10 = Y << 9
        const yy = (Math.imul((Y[yo + x] << 9) - yOffset, yCoeff) + (1 << 21)) | 0;
        let R = (yy + Math.imul(vv, v2r)) | 0;
        let G = (yy + Math.imul(vv, v2g) + Math.imul(uu, u2g)) | 0;
        let B = (yy + Math.imul(uu, u2b)) | 0;
        if ((R | G | B) & 0xc0000000) {
          R = clip30(R);
          G = clip30(G);
          B = clip30(B);
        }
        o32[o] = ((R >> 22) << sr) | ((G >> 22) << sg) | ((B >> 22) << sb) | OPAQUE;
      }
    }
  }
  if (!aligned) out.set(new Uint8Array(o32.buffer));
  return out;
}
