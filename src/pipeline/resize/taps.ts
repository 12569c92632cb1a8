/**
 * Per-axis weight tables: for each output index along one axis, a fixed number
 * of (input index, weight) taps. Built once per (inSize, outSize, method,
 * options) in float64, stored as float32 — the exact numbers both the CPU
 * reference and the WGSL kernels multiply by, so the two agree to the rounding
 * of their sums. Border replication is folded into the table (clamped indices,
 * duplicates merged), so the kernels never branch on edges. Rows with fewer
 * taps than the widest are padded with weight 0.
 *
 * The formulas mirror PyTorch's CPU kernels (aten/src/ATen/native/UpSample.h and
 * cpu/UpSampleKernel.cpp) for align_corners=False; see options.ts.
 */
import { BICUBIC_A, BICUBIC_A_ANTIALIAS, LANCZOS_A, type ResampleFilter, type ResizeOptions } from './options';

export interface AxisTaps {
  readonly inSize: number;
  readonly outSize: number;
  /** Taps per output index (the widest row; shorter rows are zero-padded). */
  readonly taps: number;
  /** outSize × taps input indices, each in [0, inSize). */
  readonly index: Uint32Array;
  /** outSize × taps weights; each row sums to 1 up to float32 rounding. */
  readonly weight: Float32Array;
}

type Row = Map<number, number>;

function add(row: Row, index: number, w: number): void {
  row.set(index, (row.get(index) ?? 0) + w);
}

const clampIndex = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);

/** Keys cubic convolution kernel with parameter a, support [−2, 2]. */
export function keysCubic(x: number, a: number): number {
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

const triangle = (x: number) => Math.max(0, 1 - Math.abs(x));

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** Lanczos kernel with `a` lobes: sinc(x)·sinc(x/a) inside (−a, a), 0 outside (PIL's lanczos_filter for a = 3). */
export function lanczos(x: number, a: number): number {
  return x > -a && x < a ? sinc(x) * sinc(x / a) : 0;
}

/** Coverage-weighted box: pixel j covers [j, j+1); output i covers [i·s, (i+1)·s), s = in/out. Exact integer overlaps, scaled by out. */
function areaCoverageRow(i: number, inSize: number, outSize: number): Row {
  const row: Row = new Map();
  const a = i * inSize; // footprint start, in units of 1/outSize pixel
  const b = (i + 1) * inSize;
  for (let j = Math.floor(a / outSize); j * outSize < b; j++) {
    const overlap = Math.min(b, (j + 1) * outSize) - Math.max(a, j * outSize);
    if (overlap > 0) add(row, j, overlap / inSize);
  }
  return row;
}

/** PyTorch mode='area' (adaptive_avg_pool): plain mean over floor(i·in/out) … ceil((i+1)·in/out) − 1. */
function areaTorchRow(i: number, inSize: number, outSize: number): Row {
  const row: Row = new Map();
  const start = Math.floor((i * inSize) / outSize);
  const end = Math.ceil(((i + 1) * inSize) / outSize);
  for (let j = start; j < end; j++) add(row, j, 1 / (end - start));
  return row;
}

/** PyTorch upsample_bilinear (antialias=False): source clamped at 0, right neighbour replicated at the last pixel. */
function bilinearRow(i: number, inSize: number, scale: number): Row {
  const row: Row = new Map();
  const src = Math.max(scale * (i + 0.5) - 0.5, 0);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const lambda = Math.min(Math.max(src - i0, 0), 1);
  const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
  add(row, i0, 1 - lambda);
  add(row, i1, lambda);
  return row;
}

/** PyTorch upsample_bicubic (antialias=False): 4 taps around floor(src), a = −0.75, indices clamped. */
function bicubicRow(i: number, inSize: number, scale: number): Row {
  const row: Row = new Map();
  const src = scale * (i + 0.5) - 0.5;
  const i0 = Math.floor(src);
  const t = src - i0;
  const w = [keysCubic(t + 1, BICUBIC_A), keysCubic(t, BICUBIC_A), keysCubic(1 - t, BICUBIC_A), keysCubic(2 - t, BICUBIC_A)];
  for (let k = 0; k < 4; k++) add(row, clampIndex(i0 - 1 + k, inSize), w[k]);
  return row;
}

/**
 * PyTorch antialias=True (PIL-style): filter of half-width `halfWidth` stretched by the
 * downscale factor, taps outside the image dropped, the rest renormalised.
 */
function antialiasRow(i: number, inSize: number, scale: number, halfWidth: number, filter: (x: number) => number): Row {
  const row: Row = new Map();
  const support = scale >= 1 ? halfWidth * scale : halfWidth;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const center = scale * (i + 0.5);
  const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
  const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
  const ws: number[] = [];
  let total = 0;
  for (let j = xmin; j < xmax; j++) {
    const w = filter((j - center + 0.5) * invScale);
    ws.push(w);
    total += w;
  }
  for (let j = xmin; j < xmax; j++) add(row, j, total !== 0 ? ws[j - xmin] / total : ws[j - xmin]);
  return row;
}

function rowFor(i: number, inSize: number, outSize: number, method: ResampleFilter, opts: ResizeOptions): Row {
  const scale = inSize / outSize;
  switch (method) {
    case 'area':
      return (opts.areaMode ?? 'coverage') === 'torch' ? areaTorchRow(i, inSize, outSize) : areaCoverageRow(i, inSize, outSize);
    case 'bilinear':
      return opts.antialias ? antialiasRow(i, inSize, scale, 1, triangle) : bilinearRow(i, inSize, scale);
    case 'bicubic':
      return opts.antialias
        ? antialiasRow(i, inSize, scale, 2, (x) => keysCubic(x, BICUBIC_A_ANTIALIAS))
        : bicubicRow(i, inSize, scale);
    case 'lanczos3':
      // Always the antialias rule (PIL has no other for Lanczos): ×1 gives the identity, since
      // every tap but the centre one sits on a zero of sinc.
      return antialiasRow(i, inSize, scale, LANCZOS_A, (x) => lanczos(x, LANCZOS_A));
  }
}

/** The weight table for one axis. */
export function axisTaps(inSize: number, outSize: number, method: ResampleFilter, opts: ResizeOptions = {}): AxisTaps {
  const rows: [number, number][][] = [];
  let taps = 1;
  for (let i = 0; i < outSize; i++) {
    // Exact zeros (edges of a filter's support) only cost reads; drop them.
    const entries = [...rowFor(i, inSize, outSize, method, opts)].filter(([, w]) => w !== 0).sort((p, q) => p[0] - q[0]);
    if (entries.length === 0) throw new Error(`resize: empty weight row ${i} (${inSize}→${outSize} ${method})`);
    rows.push(entries);
    taps = Math.max(taps, entries.length);
  }
  const index = new Uint32Array(outSize * taps);
  const weight = new Float32Array(outSize * taps);
  rows.forEach((entries, i) => {
    for (let k = 0; k < taps; k++) {
      const [j, w] = entries[k] ?? [entries[0][0], 0];
      index[i * taps + k] = j;
      weight[i * taps + k] = w;
    }
  });
  return { inSize, outSize, taps, index, weight };
}

/** The table as the WGSL `array<Tap>` (Tap = { index: u32, weight: f32 }) wants it: interleaved 32-bit words. */
export function packTaps(t: AxisTaps): Uint32Array {
  const words = new Uint32Array(t.index.length * 2);
  const asF32 = new Float32Array(words.buffer);
  for (let k = 0; k < t.index.length; k++) {
    words[2 * k] = t.index[k];
    asF32[2 * k + 1] = t.weight[k];
  }
  return words;
}
