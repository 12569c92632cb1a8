/**
 * The VQGAN decoder's entry convolutions (decoder-entry.ts) as table look-ups, from the k-NN's
 * indices: the browser CPU path's decoder never sees zq.
 *
 * The decoder's input at a position is a codebook row e_j, so its entry Conv is
 *
 *     out[o, y, x] = bias[o] + Σ_{ky,kx} T[j(y + ky − rh, x + kx − rw), ky·kw + kx, o]
 *     T[j, tap, o] = Σ_c W[o, c, tap] · e_j[c]
 *
 * with taps that fall outside the map left out (the Conv's zero padding adds exact zeros). T is
 * made once per model (N·9·Cout values: 2.4 MB per branch for the shipped model), by one ORT
 * MatMul; a decode then costs kh·kw·Cout additions per position instead of kh·kw·Cout·Cin
 * multiply-adds (the shipped model's three entry Convs: 0.84 GFLOP → 1.5 M additions on the
 * bundled sample's 120×68 LR frame).
 *
 * Arithmetic: T in f32 (ORT's MatMul, K = Cin); per output, bias then the taps in (ky, kx) order
 * summed in f64, rounded to f32 once (`codeConv`; codeConvReference states it loop by loop). So
 * it is not ORT's Conv bit for bit — no reordering of the sum can be, and ORT's own sum order
 * differs between its builds — but as close to the exact value as the Conv is (K = Cin terms per
 * f32 rounding in T against K = kh·kw·Cin in the Conv). code-conv.test.ts bounds the difference.
 */
import { buildOnnxModel } from '../../gpu/onnx-builder';
import { openSession, type Ort, type OrtSessionOptions } from '../../gpu/ort';
import type { EntryConv } from './decoder-entry';

/** One entry Conv as a table over the codebook. */
export interface CodeTable {
  readonly N: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  /** T [N, kh·kw, cout]: the Conv's contribution of entry j at each tap (no bias). */
  readonly table: Float32Array;
  readonly bias: Float32Array;
}

/** Wᵀ [cin, kh·kw·cout]: column (tap, o) of the MatMul that makes T. */
function weightColumns(c: EntryConv): Float32Array {
  const taps = c.kh * c.kw;
  const K = taps * c.cout;
  const out = new Float32Array(c.cin * K);
  for (let o = 0; o < c.cout; o++) for (let i = 0; i < c.cin; i++) for (let t = 0; t < taps; t++) out[i * K + t * c.cout + o] = c.weight[(o * c.cin + i) * taps + t];
  return out;
}

/**
 * T for each Conv, from the codebook E [N, nz] (nz = the Convs' cin), by one ORT MatMul
 * E · Wᵀ per Conv (its session closed after). Throws when a Conv does not read nz channels.
 */
export async function makeCodeTables(ort: Ort, convs: readonly EntryConv[], codebook: Float32Array, N: number, nz: number, sessionOptions: OrtSessionOptions = {}): Promise<CodeTable[]> {
  const out: CodeTable[] = [];
  for (const c of convs) {
    if (c.cin !== nz) throw new RangeError(`entry Conv '${c.output}' reads ${c.cin} channels, the codebook has ${nz}`);
    const K = c.kh * c.kw * c.cout;
    // Wᵀ as an input, not an initializer: measured on ORT's wasm EP (one thread), a session with
    // it as an initializer took ~0.6 CPU-s to open, against ~1 ms, and the run ~25 ms either way.
    const model = buildOnnxModel({
      inputs: [
        { name: 'E', type: 'float', dims: [N, nz] },
        { name: 'W', type: 'float', dims: [nz, K] },
      ],
      outputs: [{ name: 'T', type: 'float', dims: [N, K] }],
      nodes: [{ op: 'MatMul', inputs: ['E', 'W'], outputs: ['T'] }],
    });
    const s = await openSession(ort, model, sessionOptions);
    try {
      const r = await s.run({ E: new ort.Tensor('float32', codebook.subarray(0, N * nz), [N, nz]), W: new ort.Tensor('float32', weightColumns(c), [nz, K]) });
      // A copy: the run's buffer may be a view of ORT's heap.
      out.push({ N, cout: c.cout, kh: c.kh, kw: c.kw, table: Float32Array.from(r.T.data as Float32Array), bias: Float32Array.from(c.bias) });
    } finally {
      await s.release();
    }
  }
  return out;
}

function checkIndices(t: CodeTable, idx: Uint32Array, h: number, w: number): void {
  if (idx.length < h * w) throw new RangeError(`${idx.length} indices for a ${w}×${h} map`);
  for (let p = 0; p < h * w; p++) if (idx[p] >= t.N) throw new RangeError(`index ${idx[p]} at ${p} outside the ${t.N}-entry codebook`);
}

/**
 * The entry Conv's output [cout, h, w] for the map of codebook indices `idx` [h, w] (the k-NN's
 * `indices`, row-major): per output, bias then the in-map taps in (ky, kx) order, summed in f64
 * (a JS number), stored as f32.
 */
export function codeConv(t: CodeTable, idx: Uint32Array, h: number, w: number): Float32Array {
  checkIndices(t, idx, h, w);
  const { cout, kh, kw, table, bias } = t;
  const taps = kh * kw;
  const rh = (kh - 1) / 2;
  const rw = (kw - 1) / 2;
  const plane = h * w;
  const out = new Float32Array(cout * plane);
  const acc = new Float64Array(cout);
  for (let y = 0; y < h; y++) {
    const ky0 = Math.max(0, rh - y);
    const ky1 = Math.min(kh, h + rh - y);
    for (let x = 0; x < w; x++) {
      const kx0 = Math.max(0, rw - x);
      const kx1 = Math.min(kw, w + rw - x);
      for (let o = 0; o < cout; o++) acc[o] = bias[o];
      for (let ky = ky0; ky < ky1; ky++) {
        const row = (y + ky - rh) * w + x - rw;
        for (let kx = kx0; kx < kx1; kx++) {
          const base = (idx[row + kx] * taps + ky * kw + kx) * cout;
          for (let o = 0; o < cout; o++) acc[o] += table[base + o];
        }
      }
      const p = y * w + x;
      for (let o = 0; o < cout; o++) out[o * plane + p] = acc[o];
    }
  }
  return out;
}

/** codeConv's arithmetic in its plainest form (tests): the same sums in the same order, one output at a time. */
export function codeConvReference(t: CodeTable, idx: Uint32Array, h: number, w: number): Float32Array {
  checkIndices(t, idx, h, w);
  const { cout, kh, kw, table, bias } = t;
  const out = new Float32Array(cout * h * w);
  for (let o = 0; o < cout; o++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = bias[o];
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const yy = y + ky - (kh - 1) / 2;
            const xx = x + kx - (kw - 1) / 2;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            s += table[(idx[yy * w + xx] * kh * kw + ky * kw + kx) * cout + o];
          }
        out[(o * h + y) * w + x] = s;
      }
  return out;
}
