/**
 * The decoder's entry Convs as table look-ups (code-conv.ts):
 *  - codeConv gives codeConvReference's floats bit for bit (maps from 1×1 up, every kernel shape
 *    the split accepts, indices at both ends of the codebook);
 *  - the tables ORT's MatMul makes are f32 dot products of Cin terms: within the textbook bound
 *    γ_Cin·Σ|W·e| of their f64 value (γ_n = n·u/(1 − n·u), u = 2⁻²⁴);
 *  - against ORT's own Conv on the zq the indices stand for (onnxruntime-node, the shipped
 *    decoder's bottom entry Conv and a random one): both are within their rounding bounds of the
 *    exact value, so they differ by at most the sum of the two bounds, per output.
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../gpu/onnx-builder.ts';
import type { Ort } from '../../gpu/ort.ts';
import { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
import { codeConv, codeConvReference, makeCodeTables, type CodeTable } from './code-conv.ts';
import { splitDecoderEntry, type EntryConv } from './decoder-entry.ts';

const node = ort as unknown as Ort;
const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1 };
const U = 2 ** -24;
const gamma = (n: number) => (n * U) / (1 - n * U);
const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

function randomTable(N: number, cout: number, kh: number, kw: number, r: () => number): CodeTable {
  return { N, cout, kh, kw, table: Float32Array.from({ length: N * kh * kw * cout }, () => r() * 4 - 2), bias: Float32Array.from({ length: cout }, () => r() - 0.5) };
}

function randomConv(cout: number, cin: number, r: () => number): EntryConv {
  return {
    input: 'zq',
    output: 'y',
    cout,
    cin,
    kh: 3,
    kw: 3,
    weight: Float32Array.from({ length: cout * cin * 9 }, () => (r() - 0.5) * 0.2),
    bias: Float32Array.from({ length: cout }, () => r() - 0.5),
  };
}

/** zq [cin, h, w] for the index map: codebook rows, as the k-NN hands them to the whole decoder. */
function zqOf(idx: Uint32Array, codebook: Float32Array, nz: number): Float32Array {
  const P = idx.length;
  const zq = new Float32Array(nz * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < nz; c++) zq[c * P + p] = codebook[idx[p] * nz + c];
  return zq;
}

describe('codeConv', () => {
  it('gives codeConvReference bit for bit, every map size and kernel shape', () => {
    const r = rng(3);
    for (const [kh, kw] of [[3, 3], [1, 1], [5, 3], [1, 5]]) {
      const t = randomTable(37, 5, kh, kw, r);
      for (const [h, w] of [[1, 1], [1, 7], [7, 1], [2, 3], [9, 15], [6, 5]]) {
        const idx = Uint32Array.from({ length: h * w }, (_, p) => (p === 0 ? 0 : p === 1 ? 36 : Math.floor(r() * 37)));
        const got = codeConv(t, idx, h, w);
        expect(got.length).toBe(5 * h * w);
        expect(bitsEqual(got, codeConvReference(t, idx, h, w)), `${kh}×${kw} kernel, ${w}×${h} map`).toBe(true);
      }
    }
  });

  it('refuses an index outside the codebook and a map with too few indices', () => {
    const t = randomTable(8, 2, 3, 3, rng(1));
    expect(() => codeConv(t, Uint32Array.from([0, 8, 1, 2]), 2, 2)).toThrow(/index 8 at 1 outside the 8-entry codebook/);
    expect(() => codeConv(t, new Uint32Array(3), 2, 2)).toThrow(/3 indices for a 2×2 map/);
  });
});

describe('code tables and ORT', () => {
  const N = 64;
  const nz = 256;
  const r = rng(11);
  const codebook = Float32Array.from({ length: N * nz }, () => (r() - 0.5) * 0.5);

  it("ORT's MatMul tables are within γ_Cin·Σ|W·e| of the f64 tables", async () => {
    const conv = randomConv(6, nz, r);
    const [t] = await makeCodeTables(node, [conv], codebook, N, nz, opts);
    expect([t.N, t.cout, t.kh, t.kw, t.table.length]).toEqual([N, 6, 3, 3, N * 9 * 6]);
    expect(bitsEqual(t.bias, conv.bias)).toBe(true);
    let worst = 0;
    for (let j = 0; j < N; j++)
      for (let tap = 0; tap < 9; tap++)
        for (let o = 0; o < 6; o++) {
          let exact = 0;
          let abs = 0;
          for (let c = 0; c < nz; c++) {
            const v = conv.weight[(o * nz + c) * 9 + tap] * codebook[j * nz + c];
            exact += v;
            abs += Math.abs(v);
          }
          const err = Math.abs(t.table[(j * 9 + tap) * 6 + o] - exact);
          worst = Math.max(worst, err / (gamma(nz) * abs + 1e-30));
        }
    expect(worst).toBeLessThanOrEqual(1);
  });

  /** |codeConv − ORT Conv| per output against the two rounding bounds, for indices `idx` [h, w]. */
  async function againstOrtConv(conv: EntryConv, cb: Float32Array, n: number, idx: Uint32Array, h: number, w: number): Promise<number> {
    const [t] = await makeCodeTables(node, [conv], cb, n, nz, opts);
    const got = codeConv(t, idx, h, w);
    const s = await ort.InferenceSession.create(
      buildOnnxModel({
        inputs: [{ name: 'zq', type: 'float', dims: [1, nz, h, w] }],
        outputs: [{ name: 'y', type: 'float', dims: [1, conv.cout, h, w] }],
        initializers: [
          { name: 'W', type: 'float', dims: [conv.cout, nz, 3, 3], data: conv.weight },
          { name: 'B', type: 'float', dims: [conv.cout], data: conv.bias },
        ],
        nodes: [{ op: 'Conv', inputs: ['zq', 'W', 'B'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }],
      }),
      opts,
    );
    const zq = zqOf(idx, cb, nz);
    const want = (await s.run({ zq: new ort.Tensor('float32', zq, [1, nz, h, w]) })).y.data as Float32Array;
    let worst = 0;
    const P = h * w;
    for (let o = 0; o < conv.cout; o++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          // S = |bias| + Σ|W·zq| over the taps inside the map; E = the exact sum.
          let S = Math.abs(conv.bias[o]);
          let E = conv.bias[o];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const yy = y + ky - 1;
              const xx = x + kx - 1;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              for (let c = 0; c < nz; c++) {
                const v = conv.weight[(o * nz + c) * 9 + ky * 3 + kx] * zq[c * P + yy * w + xx];
                S += Math.abs(v);
                E += v;
              }
            }
          // Tables: γ_nz per tap (≤ γ_nz·S in all) + the f64 sum and the one rounding to f32 (≤ 2u·|E| + tiny);
          // ORT's Conv: any order of 9·nz + 1 f32 terms, γ_{9·nz+1}·S.
          const bound = (gamma(nz) + gamma(9 * nz + 1)) * S + 2 * U * Math.abs(E) + 1e-30;
          const i = (o * h + y) * w + x;
          worst = Math.max(worst, Math.abs(got[i] - want[i]) / bound);
        }
    return worst;
  }

  it("agrees with ORT's Conv on the zq the indices stand for, within the two rounding bounds (random Conv)", async () => {
    const conv = randomConv(5, nz, r);
    const [h, w] = [7, 11];
    const idx = Uint32Array.from({ length: h * w }, () => Math.floor(r() * N));
    expect(await againstOrtConv(conv, codebook, N, idx, h, w)).toBeLessThanOrEqual(1);
  });

  const shipped = path.join(DEFAULT_MODELS_DIR, 'vqgan.decoder.onnx');
  it.skipIf(!existsSync(shipped))("agrees with ORT's Conv within the bounds: the shipped decoder's bottom entry Conv and codebook", async () => {
    const split = splitDecoderEntry(new Uint8Array(readFileSync(shipped)));
    expect(split).not.toBeNull();
    const bot = split!.convs.find((c) => c.input === 'zq_bot')!;
    const cbBytes = readFileSync(path.join(DEFAULT_MODELS_DIR, 'vqgan.codebook.bin'));
    const cb = new Float32Array(cbBytes.buffer.slice(cbBytes.byteOffset, cbBytes.byteOffset + cbBytes.byteLength));
    const n = cb.length / nz;
    const [h, w] = [9, 13];
    const idx = Uint32Array.from({ length: h * w }, () => Math.floor(r() * n));
    expect(await againstOrtConv(bot, cb, n, idx, h, w)).toBeLessThanOrEqual(1);
  });
});
