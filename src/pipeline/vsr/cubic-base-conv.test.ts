/**
 * The cubic base as a convolution (cubic-base-conv.ts) against ORT's own cubic Resize — the path
 * the app ran before — on onnxruntime-node and on onnxruntime-web's wasm build (the app's CPU EP):
 * the weights are ORT's to the bit; the Resize alone agrees within float32 rounding for ×2 and
 * ×4 on a real frame and on a 0/1 checkerboard (edges, negative lobes); the shipped step
 * graphs over recurrent steps on real frames (e2e/fixtures/clip-64x48) give `state_out` bit for
 * bit and `out` within float32 rounding; graphs it must not touch come back as null.
 *
 * Tolerance (derived in cubic-base-conv.ts's header): both sides are sums of ≤ 25 products with
 * Σ|w| ≤ 1.83, each within 25 · 2⁻²⁴ · 1.83 · max|x| of the exact value, so they differ by at most
 * TOL · max|x| with TOL = 5.5e-6. The step's `out` adds the base to the net's residual and clips to
 * [0, 1]: one more rounding of a value below 1 on each side, ≤ 2⁻²⁵ each (TOL_OUT). A wrong phase,
 * tap or edge rule is off by ~1e-2 or more.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '../../media/png.ts';
import type { ImageF32 } from '../../core/image.ts';
import { buildOnnxModel, type OnnxAttr } from '../../gpu/onnx-builder.ts';
import { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
import { cubicBaseAsConv, cubicCoeffs, cubicConvWeight, cubicPhaseTaps, withConvBase } from './cubic-base-conv.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TOL = 5.5e-6;
const TOL_OUT = TOL + 2 ** -24;
const FRAMES: ImageF32[] = Array.from({ length: 5 }, (_, i) => readPng(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`)));

type AnyOrt = typeof ortNode;
const backends: [string, () => AnyOrt, Record<string, unknown>][] = [
  ['onnxruntime-node', () => ortNode, { intraOpNumThreads: 1 }],
  ['onnxruntime-web (wasm)', () => ortWeb as unknown as AnyOrt, { executionProviders: ['wasm'] }],
];

beforeAll(() => {
  // One thread: the test is about values, and vitest's workers need no nested pool.
  ortWeb.env.wasm.numThreads = 1;
});

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A graph of one Resize of input x [1, C, h, w] with constant scales [1, 1, s, s]. */
function resizeModel(opts: { C?: number | string; s?: number; attrs?: Record<string, OnnxAttr>; scalesAsConstant?: boolean; sizes?: boolean; opset?: number } = {}): Uint8Array {
  const { C = 3, s = 4, attrs = { mode: 'cubic', coordinate_transformation_mode: 'half_pixel', cubic_coeff_a: { float: -0.75 } }, scalesAsConstant = false, sizes = false, opset = 17 } = opts;
  const scales = { name: 'scales', type: 'float' as const, dims: [4], data: [1, 1, s, s] };
  return buildOnnxModel({
    opset,
    inputs: [{ name: 'x', type: 'float', dims: [1, C, 'h', 'w'] }],
    outputs: [{ name: 'y', type: 'float', dims: [1, C, 'H', 'W'] }],
    initializers: [...(scalesAsConstant ? [] : [scales]), ...(sizes ? [{ name: 'sizes', type: 'int64' as const, dims: [4], data: [1, 3, 8, 8] }] : [])],
    nodes: [
      ...(scalesAsConstant ? [{ op: 'Constant', inputs: [], outputs: ['scales'], attrs: { value_floats: { floats: [1, 1, s, s] } } }] : []),
      { op: 'Resize', inputs: ['x', '', sizes ? '' : 'scales', ...(sizes ? ['sizes'] : [])], outputs: ['y'], attrs },
    ],
  });
}

async function runOne(ort: AnyOrt, model: Uint8Array, opts: Record<string, unknown>, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', ...opts });
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  await s.release();
  return r;
}

describe('cubic weights', () => {
  it("are ORT's GetCubicCoeffs (a = -0.75: Keys' kernel, exact in float32) and sum to 1 per phase", () => {
    // Keys' kernel at offset 5/8 (phase 0 of ×4), evaluated exactly: W(1.625), W(0.625), W(0.375), W(1.375).
    const a = -0.75;
    const near = (d: number) => (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1;
    const far = (d: number) => a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a;
    expect(cubicCoeffs(0.625, a)).toEqual([far(1.625), near(0.625), near(0.375), far(1.375)]);
    for (const s of [2, 4]) {
      for (const taps of cubicPhaseTaps(s, a)) expect(taps.reduce((x, y) => x + y, 0)).toBe(1);
    }
  });

  it('2-D weights are the exact products of the 1-D ones (no rounding) for ×2 and ×4', () => {
    for (const s of [2, 4]) {
      const taps = cubicPhaseTaps(s, -0.75);
      const w = cubicConvWeight(1, s, -0.75);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let r = 0; r < 5; r++) for (let q = 0; q < 5; q++) expect(w[(i * s + j) * 25 + r * 5 + q]).toBe(taps[i][r] * taps[j][q]);
    }
  });
});

describe.each(backends)('cubic Resize as a convolution on %s', (_name, getOrt, opts) => {
  const frame = FRAMES[2];
  const checker = new Float32Array(3 * 19 * 13).map((_, i) => ((i % 19) + Math.floor(i / 19)) % 2);

  it.each([2, 4])('×%i: = the Resize within float32 rounding on a real frame and a 0/1 checkerboard', async (s) => {
    const whole = resizeModel({ s });
    const conv = cubicBaseAsConv(whole);
    expect(conv).not.toBeNull();
    for (const [x, dims] of [[frame.data, [1, 3, frame.height, frame.width]], [checker, [1, 3, 13, 19]]] as const) {
      const a = (await runOne(getOrt(), whole, opts, { x: { data: x, dims: [...dims] } })).y;
      const b = (await runOne(getOrt(), conv!, opts, { x: { data: x, dims: [...dims] } })).y;
      expect(b.dims).toEqual(a.dims);
      const bound = TOL * Math.max(...x.map(Math.abs));
      expect(maxDiff(a.data as Float32Array, b.data as Float32Array)).toBeLessThanOrEqual(bound);
    }
  });

  it('reads scales from a Constant node and pytorch_half_pixel as well (and drops the Constant)', async () => {
    const whole = resizeModel({ scalesAsConstant: true, attrs: { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel' } });
    const conv = cubicBaseAsConv(whole)!;
    expect(conv).not.toBeNull();
    expect(new TextDecoder().decode(conv).includes('Constant')).toBe(false);
    const x = { data: frame.data, dims: [1, 3, frame.height, frame.width] };
    const a = (await runOne(getOrt(), whole, opts, { x })).y;
    const b = (await runOne(getOrt(), conv, opts, { x })).y;
    expect(maxDiff(a.data as Float32Array, b.data as Float32Array)).toBeLessThanOrEqual(TOL);
  });
});

describe('graphs left alone (null: they run as they are)', () => {
  it.each([
    ['bilinear', { attrs: { mode: 'linear' } }],
    ['align_corners', { attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners' } }],
    ['asymmetric', { attrs: { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' } }],
    ['exclude_outside', { attrs: { mode: 'cubic', exclude_outside: 1 } }],
    ['×3 (coordinates not exact in float32)', { s: 3 }],
    ['×8 (some 2-D weights not exact in float32)', { s: 8 }],
    ['sizes instead of scales', { sizes: true }],
    ['channels not fixed by the file', { C: 'c' }],
    ['opset 10', { opset: 10 }],
  ] as [string, Parameters<typeof resizeModel>[0]][])('%s', (_n, o) => {
    expect(cubicBaseAsConv(resizeModel(o))).toBeNull();
  });

  it('bytes that are not a model', () => {
    expect(cubicBaseAsConv(Uint8Array.from([0xff, 0xff, 0xff]))).toBeNull();
    const files = { step: Uint8Array.from([1, 2, 3]) };
    expect(withConvBase(files)).toBe(files);
  });
});

const SHIPPED = ['vsr.step.onnx', 'vsr-restore.step.onnx'].map((n) => path.join(DEFAULT_MODELS_DIR, n));

describe.skipIf(!SHIPPED.every((p) => existsSync(p)))('shipped step graphs, recurrent steps on real frames', () => {
  // Both graphs on onnxruntime-node; the app's own EP (wasm, several times slower) runs `vsr`.
  const cases = [...SHIPPED.map((p) => [p, backends[0]] as const), [SHIPPED[0], backends[1]] as const];
  it.each(cases.map(([p, [name, getOrt, opts]]) => [`${path.basename(p)} on ${name}`, p, getOrt, opts] as const))('%s: state_out bit for bit, out within float32 rounding', { timeout: 300_000 }, async (_n, file, getOrt, opts) => {
    const ort = getOrt();
    const bytes = new Uint8Array(readFileSync(file));
    const conv = cubicBaseAsConv(bytes);
    expect(conv).not.toBeNull();
    const A = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', ...opts });
    const B = await ort.InferenceSession.create(conv!, { graphOptimizationLevel: 'all', ...opts });
    const { width: w, height: h } = FRAMES[0];
    const T = (f: ImageF32) => new ort.Tensor('float32', f.data, [1, 3, h, w]);
    let sa = new ort.Tensor('float32', new Float32Array(32 * w * h), [1, 32, h, w]);
    let sb = sa;
    let worst = 0;
    for (let t = 0; t < 3; t++) {
      const feeds = { prev: T(FRAMES[Math.max(0, t - 1)]), cur: T(FRAMES[t]), next: T(FRAMES[t + 1]) };
      const a = await A.run({ ...feeds, state: sa });
      const b = await B.run({ ...feeds, state: sb });
      expect(bitsEqual(a.state_out.data as Float32Array, b.state_out.data as Float32Array), `state_out, step ${t}`).toBe(true);
      worst = Math.max(worst, maxDiff(a.out.data as Float32Array, b.out.data as Float32Array));
      sa = a.state_out as typeof sa;
      sb = b.state_out as typeof sb;
    }
    // Frames are 0–1, so max|x| = 1 at most.
    expect(worst).toBeLessThanOrEqual(TOL_OUT);
    await A.release();
    await B.release();
  });
});
