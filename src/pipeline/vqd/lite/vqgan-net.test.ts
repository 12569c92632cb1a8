/**
 * The VQGAN on this project's wasm kernels (vqgan-graph.ts, vqgan-net.ts, vqgan-loops.ts) against
 * onnxruntime-node on the same files: the shipped VQGAN (width 16) and the e2e test model (width 8,
 * nz 16, 2 groups), real frames (e2e/fixtures) at two sizes, the encoder whole and the decoder as
 * the browser runs it (its entry Convs as code tables from real k-th-nearest indices, then `rest`).
 * Node 20 has no relaxed SIMD, so these are the mul + add kernels; lite-vqgan.gputest.ts checks
 * the fused ones in Chromium.
 *
 * Tolerance: the same f32 products summed in other orders (Winograd's transforms, the NHWC
 * blocking), GroupNorm's statistics in f64 where ORT keeps f32, and a polynomial exp in SiLU and
 * the softmax: measured ≤ 3.5e-6 × max |output| (the encoder's z_bot, 20 layers deep; the decoder's
 * image ≤ 1e-6). Allowed 1e-5 × max |output| for every output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../../media/png';
import { resizeCpu } from '../../resize/resize-cpu';
import { DEFAULT_MODELS_DIR } from '../vqd-node';
import { splitDecoderEntry } from '../decoder-entry';
import { codeConv, makeCodeTables } from '../code-conv';
import { knnProjectedIndices, prepareProjectedCodebook } from '../knn-projected';
import { readVqganDecoderRest, readVqganEncoder, scopePath } from './vqgan-graph';
import { attention, groupNorm, VqganNet } from './vqgan-net';
import { vqLoopFunctions, vqLoopKernelsOf } from './vqgan-loops';
import * as A from '../../../core/wasm-asm';
import { nodeLiteHelper } from '../../vsr/wasm-net/lite-helper.node';
import type { ImageF32 } from '../../../core/image';

const FIX = path.resolve(import.meta.dirname, '../../../../e2e/fixtures');
const TOL = 1e-5;
const so = { executionProviders: ['cpu'], intraOpNumThreads: 1 } as const;

interface Vqgan {
  name: string;
  encoder: Uint8Array;
  decoder: Uint8Array;
  codebook: Float32Array;
  nCodes: number;
  nz: number;
}

function load(dir: string, name: string, nCodes: number, nz: number): Vqgan {
  const f = (n: string) => new Uint8Array(readFileSync(path.join(dir, n)));
  const cb = f('vqgan.codebook.bin');
  return { name, encoder: f('vqgan.encoder.onnx'), decoder: f('vqgan.decoder.onnx'), codebook: new Float32Array(cb.buffer, cb.byteOffset, cb.byteLength / 4), nCodes, nz };
}

const MODELS = [load(DEFAULT_MODELS_DIR, 'shipped', 1024, 256), load(path.join(FIX, 'models'), 'e2e test model', 1024, 256)];

/** A real frame in [−1, 1] NCHW at w×h (a multiple of 8), as the VQD stage feeds the encoder. */
function frame(file: string, w: number, h: number): Float32Array {
  const img: ImageF32 = readPng(path.join(FIX, file));
  const r = img.width === w && img.height === h ? img : resizeCpu(img, w, h, 'bicubic');
  return r.data.map((v) => 2 * v - 1);
}

/** max |a − b| / max |b|. */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  expect(m).toBeGreaterThan(0.01); // an all-zero output would compare equal and say nothing
  return d / m;
}

const SIZES: [string, number, number][] = [
  ['frame-96x64.png', 96, 64],
  ['frame-64x64.png', 136, 88], // the bundled sample's VQD tile size (120×68 + the frame margin, to multiples of 8)
];
const VARIANTS = [
  { winograd: true, simdLoops: true },
  { winograd: false, simdLoops: true },
  { winograd: true, simdLoops: false },
];

describe('VQGAN on the wasm kernels against onnxruntime-node', () => {
  it('recognises both VQGANs; refuses other graphs, the whole decoder, and files with one op or attribute changed', () => {
    for (const m of MODELS) {
      const rest = splitDecoderEntry(m.decoder)!.rest;
      expect(readVqganEncoder(m.encoder), m.name).not.toBeNull();
      expect(readVqganDecoderRest(rest), m.name).not.toBeNull();
      expect(readVqganDecoderRest(m.decoder), `${m.name}: whole decoder`).toBeNull();
      expect(readVqganDecoderRest(m.encoder)).toBeNull();
      expect(readVqganEncoder(rest)).toBeNull();
      // Same-length byte edits of the protobuf fields themselves (tag, length, text), not of a name that
      // mentions them: a node's op_type (NodeProto field 4) the program has no place for; a PixelShuffle
      // of the other channel order (AttributeProto s, field 4).
      const swap = (buf: Uint8Array, from: string, to: string) => {
        const s = Buffer.from(buf).toString('latin1');
        const i = s.indexOf(from);
        expect(i).toBeGreaterThan(0);
        return new Uint8Array(Buffer.from(s.slice(0, i) + to + s.slice(i + from.length), 'latin1'));
      };
      expect(readVqganEncoder(swap(m.encoder, '\x22\x07Softmax', '\x22\x07Softsig'))).toBeNull();
      expect(readVqganDecoderRest(swap(rest, '\x22\x03CRD', '\x22\x03DCR'))).toBeNull();
    }
    expect(readVqganEncoder(new Uint8Array(readFileSync(path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx'))))).toBeNull();
    expect(readVqganEncoder(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(scopePath('/enc_d1/enc_d1.1/enc_d1.1.0/norm1')).toBe('enc_d1.1.0.norm1');
    expect(scopePath('/enc_top/enc_top.2/norm')).toBe('enc_top.2.norm');
  });

  it(`encoder: z_top, z_mid, z_bot within ${TOL} × max |z| of ORT's, two real frames and sizes, Winograd and direct, SIMD and JS loops`, async () => {
    const ort = await import('onnxruntime-node');
    for (const m of MODELS) {
      const session = await ort.InferenceSession.create(m.encoder, so);
      const program = readVqganEncoder(m.encoder)!;
      for (const [file, w, h] of SIZES) {
        const img = frame(file, w, h);
        const ref = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', img, [1, 3, h, w]) });
        for (const v of VARIANTS) {
          const out = new VqganNet(program, { fused: false, ...v }).run([img], w, h);
          session.outputNames.forEach((n, i) => {
            const e = relErr(out[i], ref[n].data as Float32Array);
            expect(e, `${m.name} ${w}×${h} ${JSON.stringify(v)} ${n}`).toBeLessThanOrEqual(TOL);
          });
        }
      }
      await session.release();
    }
  }, 180_000);

  it(`decoder after its entry Convs (the browser's split): the image within ${TOL} × max of ORT's rest, from real codes at k = 1 and 30`, async () => {
    const ort = await import('onnxruntime-node');
    for (const m of MODELS) {
      const split = splitDecoderEntry(m.decoder)!;
      const enc = await ort.InferenceSession.create(m.encoder, so);
      const rest = await ort.InferenceSession.create(split.rest, so);
      const tables = await makeCodeTables(ort, split.convs, m.codebook, m.nCodes, m.nz, so);
      const program = readVqganDecoderRest(split.rest)!;
      // knnCpu's indices (knn-projected.test.ts), without its minute of brute force at these sizes.
      const prep = prepareProjectedCodebook(m.codebook, m.nCodes, m.nz);
      for (const [file, w, h] of SIZES) {
        const z = await enc.run({ [enc.inputNames[0]]: new ort.Tensor('float32', frame(file, w, h), [1, 3, h, w]) });
        for (const k of [1, 30]) {
          const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
          const inputs: Float32Array[] = [];
          enc.outputNames.forEach((n, i) => {
            const [, , lh, lw] = z[n].dims;
            const idx = knnProjectedIndices(z[n].data as Float32Array, lh * lw, prep, k);
            const x = codeConv(tables[i], idx, lh, lw);
            inputs.push(x);
            feeds[split.convs[i].output] = new ort.Tensor('float32', x, [1, tables[i].cout, lh, lw]);
          });
          const ref = (await rest.run(feeds))[rest.outputNames[0]].data as Float32Array;
          for (const v of VARIANTS) {
            const [out] = new VqganNet(program, { fused: false, ...v }).run(inputs, w, h);
            expect(relErr(out, ref), `${m.name} ${w}×${h} k ${k} ${JSON.stringify(v)}`).toBeLessThanOrEqual(TOL);
          }
        }
      }
      await Promise.all([enc.release(), rest.release()]);
    }
  }, 180_000);

  it('two threads (a helper worker on a shared memory) give the one-thread outputs bit for bit, frames growing and shrinking; a helper that dies leaves one thread, the same bits', async () => {
    const program = readVqganEncoder(MODELS[0].encoder)!;
    const one = new VqganNet(program, { fused: false });
    let kill: (() => void) | null = null;
    const two = await VqganNet.create(program, {
      fused: false,
      helper: (init) => {
        const h = nodeLiteHelper(init);
        kill = () => h.terminate();
        return h;
      },
    });
    expect(two.threads).toBe(2);
    const bits = (a: Float32Array[]) => a.map((z) => Buffer.from(z.buffer, z.byteOffset, z.byteLength).toString('base64'));
    for (const [file, w, h] of [...SIZES, SIZES[0]]) {
      const img = frame(file, w, h);
      expect(bits(two.run([img], w, h))).toEqual(bits(one.run([img], w, h)));
    }
    kill!();
    await new Promise((r) => setTimeout(r, 200)); // the worker's exit event
    const img = frame(...SIZES[1]);
    expect(bits(two.run([img], SIZES[1][1], SIZES[1][2]))).toEqual(bits(one.run([img], SIZES[1][1], SIZES[1][2])));
    expect(two.threads).toBe(1);
    two.release();
  });

  it('one net runs frames of several sizes in turn, each as a fresh net gives it', () => {
    const program = readVqganEncoder(MODELS[1].encoder)!;
    const net = new VqganNet(program, { fused: false });
    const a = frame('frame-96x64.png', 96, 64);
    const b = frame('frame-48x32.png', 48, 32);
    const first = net.run([a], 96, 64);
    net.run([b], 48, 32);
    const again = net.run([a], 96, 64);
    first.forEach((z, i) => expect(again[i]).toEqual(z));
    expect(net.run([b], 48, 32)).toEqual(new VqganNet(program, { fused: false }).run([b], 48, 32));
    expect(() => net.run([a], 100, 64)).toThrow(/multiples of 8/);
    expect(() => net.run([a.subarray(1)], 96, 64)).toThrow(/values/);
  });
});

describe('vqgan-loops: wasm SIMD against the JS references', () => {
  const inst = A.instantiate(A.assemble(vqLoopFunctions(), 64))!;
  const k = vqLoopKernelsOf(inst.exports);
  const mem = inst.exports.mem as WebAssembly.Memory;

  it('exp over [−87, 88]: within 2.5e-7 relative of Math.exp (f64)', () => {
    const n = 4096;
    const f32 = new Float32Array(mem.buffer);
    const xs = Float32Array.from({ length: 4 * n }, (_, i) => -87 + (175 * i) / (4 * n - 1));
    f32.set(xs, 0);
    k.exp4(0, 4 * xs.length, n);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(f32[xs.length + i] - Math.exp(xs[i])) / Math.exp(xs[i]));
    expect(worst).toBeLessThanOrEqual(2.5e-7);
  });

  it('GroupNorm + SiLU and attention on a real encoder map: within 1e-6 of the JS references', () => {
    // The shipped encoder's program run with each kind of loop: every norm and the attention feed
    // ~20 layers, so the outputs' agreement bounds the loops' differences from above.
    const program = readVqganEncoder(MODELS[0].encoder)!;
    const img = frame('frame-96x64.png', 96, 64);
    const simd = new VqganNet(program, { fused: false, simdLoops: true }).run([img], 96, 64);
    const js = new VqganNet(program, { fused: false, simdLoops: false }).run([img], 96, 64);
    simd.forEach((z, i) => expect(relErr(z, js[i])).toBeLessThanOrEqual(1e-6));
    // The references themselves on a hand-sized case: groups of 2 channels, known mean and variance.
    const f32 = new Float32Array(256);
    const map = { ptr: 0, w: 2, h: 1, pix: 4, row: 4 * 4 * 4 };
    f32.set([1, 2, 3, 4, 5, 6, 7, 8], (map.row + 16) / 4);
    const out = { ptr: 256, w: 2, h: 1, pix: 4, row: 4 * 4 * 4 };
    groupNorm(f32, map, out, 4, Float32Array.of(1, 1, 1, 1), Float32Array.of(0, 0, 0, 0), 2, 0, false);
    // group 0 = {1, 2, 5, 6}: mean 3.5, variance 4.25
    expect(f32[(256 + 64 + 16) / 4]).toBeCloseTo((1 - 3.5) / Math.sqrt(4.25), 6);
    const q = { ptr: 0, w: 1, h: 2, pix: 4, row: 3 * 4 * 4 };
    f32.fill(0);
    f32.set([1, 0, 0, 0], (q.row + 16) / 4);
    f32.set([0, 1, 0, 0], (2 * q.row + 16) / 4);
    const o = { ...q, ptr: 400 };
    attention(f32, q, q, q, o, 4, 1);
    const p = Math.E / (Math.E + 1); // position 0 attends to itself with e^1 against e^0
    expect(f32[(o.ptr + q.row + 16) / 4]).toBeCloseTo(p, 6);
    expect(f32[(o.ptr + q.row + 16) / 4 + 1]).toBeCloseTo(1 - p, 6);
  });
});
