/**
 * Bring your own model: the ONNX reader, the static checks and the probe on models the tests build
 * (test-models.ts), run by onnxruntime-node; then the VSR runner on the descriptors they give.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../gpu/onnx-builder';
import { createImage, type ImageF32 } from '../../core/image';
import { createVsrCpu } from '../vsr/vsr-cpu';
import { OnnxReadError, readOnnx } from './onnx-proto';
import { BYO_MAX_BYTES, ByoRefusal, byoSizeProblem, inspectOnnx } from './inspect';
import { byoId } from '../../models/byo-id';
import { byoSummary, inspectByoModel, type ByoReport } from './byo-model';
import { probeImage, shrinkBackFit } from './probe';
import { ortErrorInWords } from './ort-errors';
import * as models from './test-models';
import type { VsrModel } from '../../models/kinds';

const inspect = (bytes: Uint8Array, name: string, answers = {}) => inspectByoModel(ort, bytes, name, answers, { backendName: 'onnxruntime-node' });

function ready(r: ByoReport): VsrModel {
  if (r.status !== 'ready') throw new Error(`expected a ready model, got ${JSON.stringify(r)}`);
  return r.model;
}

/** A w×h test picture in 0.1–0.9 (the probe's pattern, cropped). */
function picture(w: number, h: number): ImageF32 {
  const n = Math.max(w, h);
  const src = probeImage(n);
  const img = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[(c * h + y) * w + x] = src[(c * n + y) * n + x];
  return img;
}

describe('onnx-proto: the parts of a ModelProto the app reads', () => {
  it('reads inputs, outputs, shapes, operators and opsets of a built model', () => {
    const s = readOnnx(models.x2Nearest());
    expect(s.inputs).toEqual([{ name: 'input', elemType: 1, dims: [1, 3, 'H', 'W'] }]);
    expect(s.outputs).toEqual([{ name: 'output', elemType: 1, dims: [1, 3, 'H2', 'W2'] }]);
    expect(s.ops.map((o) => o.op).sort()).toEqual(['Clip', 'Concat', 'DepthToSpace']);
    expect(s.opsets).toEqual({ '': 17 });
    expect([s.nodeCount, s.initializerCount, s.externalData]).toEqual([3, 2, false]);
    const custom = readOnnx(models.customDomainOp());
    expect(custom.ops).toEqual([{ domain: 'com.example.sr', op: 'PixelShuffleFast' }]);
    expect(custom.opsets).toEqual({ '': 17, 'com.example.sr': 1 });
  });

  it('does not count initializers listed among the graph inputs (IR < 4 files) as feeds', () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: 'x', type: 'float', dims: [1, 3, 'H', 'W'] }, { name: 'w', type: 'float', dims: [1] }],
      outputs: [{ name: 'y', type: 'float', dims: [1, 3, 'H', 'W'] }],
      initializers: [{ name: 'w', type: 'float', dims: [1], data: [2] }],
      nodes: [{ op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    expect(readOnnx(bytes).inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('refuses what is not a whole ONNX model, saying why', () => {
    expect(() => readOnnx(models.truncated())).toThrow(/ends in the middle of the model/);
    expect(() => readOnnx(new Uint8Array(0))).toThrow(/empty/);
    expect(() => readOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(OnnxReadError);
    // A PNG signature and header: protobuf-shaped garbage at best.
    expect(() => readOnnx(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]))).toThrow(OnnxReadError);
  });
});

describe('inspect: what the file alone tells', () => {
  const refusals: [string, () => Uint8Array, RegExp][] = [
    ['rank 3', models.rank3Input, /input 'x' has rank 3 \[3, H, W\]: the app feeds images as rank 4 \[1, 3, H, W\] \(NCHW\)/],
    ['channels last', models.nhwcInput, /channels-last \[1, H, W, 3\] \(NHWC\)/],
    ['float16', models.float16Input, /input 'x' is float16: the app feeds float32 .*keep_io_types/],
    ['custom operator domain', models.customDomainOp, /custom operators PixelShuffleFast \(com\.example\.sr\)/],
    ['two inputs', models.twoInputs, /has 2 inputs \(a, b\): a single-frame model takes one image/],
    ['truncated', models.truncated, /is not a complete ONNX model: the file ends in the middle .* truncated/],
  ];
  for (const [what, make, msg] of refusals) {
    it(`refuses ${what} before any session`, () => {
      expect(() => inspectOnnx(make(), 'm.onnx')).toThrow(ByoRefusal);
      expect(() => inspectOnnx(make(), 'm.onnx')).toThrow(msg);
    });
  }

  it('refuses a file over the 200 MB limit before reading it', () => {
    expect(BYO_MAX_BYTES).toBe(200 * 2 ** 20);
    expect(byoSizeProblem(BYO_MAX_BYTES)).toBeNull();
    expect(byoSizeProblem(BYO_MAX_BYTES + 1, 'big.onnx')).toMatch(/^big\.onnx is 200 MB, over the 200 MB limit for your own models/);
    expect(() => inspectOnnx(new Uint8Array(BYO_MAX_BYTES + 1), 'big.onnx')).toThrow(/over the 200 MB limit/);
  });

  it('tells the contract, feeds and fixed shapes', () => {
    const single = inspectOnnx(models.x2Nearest(), 'a.onnx');
    expect([single.frames, single.input.name, single.output.name, single.fixedSize, single.staticScale]).toEqual(['single', 'input', 'output', null, null]);
    const fixed = inspectOnnx(models.x3Fixed24(), 'b.onnx');
    expect([fixed.fixedSize, fixed.staticScale]).toEqual([{ width: 24, height: 24 }, 3]);
    const rec = inspectOnnx(models.recurrentX2(6), 'c.onnx');
    expect([rec.frames, rec.input.name, rec.output.name, rec.stateChannels]).toEqual(['recurrent', 'cur', 'out', 6]);
    expect(inspectOnnx(models.recurrentX2('C'), 'd.onnx').stateChannels).toBeNull();
  });
});

describe('probe: scale, multiple and value range from runs (onnxruntime-node)', () => {
  it('×2 single frame in 0–1, any size', async () => {
    const m = ready(await inspect(models.x2Nearest(), 'x2-nearest.onnx'));
    expect([m.frames, m.scale, m.range, m.multiple, m.fixedTile, m.stateChannels, m.input, m.output]).toEqual(['single', 2, 1, 1, undefined, 0, 'input', 'output']);
    expect(m.byo?.notes.join('\n')).toMatch(/×2: a 32×32 test frame came out 64×64[^]*values 0–1: /);
    expect(byoSummary(m)).toBe('single-frame ×2, NCHW RGB, values 0–1, any frame size');
  });

  it('×4 in 0–255: the 0–255 reading gives the frame back, the 0–1 one does not', async () => {
    const m = ready(await inspect(models.x4Cubic255(), 'x4-cubic-255.onnx'));
    expect([m.scale, m.range]).toEqual([4, 255]);
  });

  it('×3 with a fixed 24×24 input: scale from the shapes, confirmed by a run; tiles of exactly 24', async () => {
    const m = ready(await inspect(models.x3Fixed24(), 'x3.onnx'));
    expect([m.scale, m.range, m.fixedTile, m.multiple]).toEqual([3, 1, 24, 24]);
    expect(m.byo?.notes[0]).toMatch(/from the file's fixed shapes \(24×24 → 72×72\), confirmed by a run/);
  });

  it('our recurrent step contract: state width from the file, or asked', async () => {
    const m = ready(await inspect(models.recurrentX2(4), 'rec.onnx'));
    expect([m.frames, m.stateChannels, m.scale, m.range, m.input, m.output]).toEqual(['recurrent', 4, 2, 1, 'cur', 'out']);
    const asked = await inspect(models.recurrentX2('C'), 'rec-any.onnx');
    expect(asked.status).toBe('needs');
    expect(asked.status === 'needs' && asked.questions.map((q) => q.id)).toEqual(['stateChannels']);
    const answered = ready(await inspect(models.recurrentX2('C'), 'rec-any.onnx', { stateChannels: 5 }));
    expect(answered.stateChannels).toBe(5);
    expect((await inspect(models.recurrentX2('C'), 'rec-any.onnx', { stateChannels: 0 })).status).toBe('refused');
  });

  it('asks the value range only when neither reading gives the frame back, and takes the answer', async () => {
    const asked = await inspect(models.x2Washed(), 'washed.onnx');
    expect(asked.status).toBe('needs');
    if (asked.status !== 'needs') return;
    expect(asked.questions).toEqual([{ id: 'range', suggested: 1, why: expect.stringMatching(/neither reading of washed\.onnx's values gives the test frame back/) as unknown }]);
    expect(asked.notes).toContain('×2: a 32×32 test frame came out 64×64');
    const m = ready(await inspect(models.x2Washed(), 'washed.onnx', { range: 255 }));
    expect(m.range).toBe(255);
    expect(m.byo?.notes.join('\n')).toMatch(/values 0–255: as you said/);
    // An answer never overrides what the runs tell.
    const x2 = ready(await inspect(models.x2Nearest(), 'x2.onnx', { range: 255 }));
    expect(x2.range).toBe(1);
  });

  it('refuses what does not run as a ×1–×4 image upscaler, in plain words', async () => {
    const r5 = await inspect(models.x5Nearest(), 'x5.onnx');
    expect(r5).toEqual({ status: 'refused', fileName: 'x5.onnx', message: expect.stringMatching(/turns a 32×32 frame into 160×160: the app runs ×1, ×2, ×3 and ×4 models/) as unknown });
    const op = await inspect(models.unsupportedOp(), 'op.onnx');
    expect(op.status === 'refused' && op.message).toMatch(/^op\.onnx cannot be loaded: it uses the operator NoSuchUpsample, which onnxruntime does not have at opset 17/);
  });

  it('the shrink-back fit separates the right reading from a flat or scaled frame', () => {
    const n = 16;
    const img = probeImage(n);
    const up = new Float32Array(3 * 4 * n * n);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 2 * n; y++) for (let x = 0; x < 2 * n; x++) up[(c * 2 * n + y) * 2 * n + x] = img[(c * n + (y >> 1)) * n + (x >> 1)];
    expect(shrinkBackFit(up, img, n, 2, 1)).toMatchObject({ fits: true, rmseLevels: 0 });
    expect(shrinkBackFit(up, img, n, 2, 255).fits).toBe(false); // the same numbers read as 0–255: nearly black
    expect(shrinkBackFit(new Float32Array(up.length).fill(0.5), img, n, 2, 1).fits).toBe(false); // flat
  });

  it('ids are stable per content and fit the share link', () => {
    const a = byoId('My Model (x4).onnx', 'abcdef0123456789');
    expect(a).toBe('byo-My-Model-x4-abcdef01');
    expect(byoId('é.onnx', '00112233')).toBe('byo-model-00112233');
    expect(byoId(`${'a'.repeat(100)}.onnx`, 'ffffffff')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });

  it('ORT errors in words', () => {
    expect(ortErrorInWords(new Error("Could not find an implementation for Resize(19) node with name '/up/Resize'"), 'WebGPU')).toBe(
      "its Resize operator (opset 19, node '/up/Resize') has no implementation on WebGPU for the data types it uses",
    );
    expect(ortErrorInWords(new Error('Unsupported model IR version: 11, max supported IR version: 10'), 'x')).toMatch(/saved as ONNX IR version 11; this runtime reads up to 10/);
    expect(ortErrorInWords(new Error('Got invalid dimensions for input: x for the following indices\n index: 2 Got: 32 Expected: 64\n'), 'x')).toBe("its input 'x' needs 64 in dimension 2 (the app fed 32)");
    expect(ortErrorInWords(new Error('something else\nstack'), 'the CPU (wasm)')).toBe('onnxruntime on the CPU (wasm) failed: something else');
  });
});

describe('the VSR runner on a model the user brought', () => {
  const opts = { executionProviders: ['cpu'] };

  it('×2 single frame: the frame nearest-neighbour ×2, also for a size that is no tile multiple, tiled or not', async () => {
    const bytes = models.x2Nearest();
    const model = ready(await inspect(bytes, 'x2.onnx'));
    const vsr = await createVsrCpu(ort, { model, step: bytes }, opts);
    const img = picture(30, 22);
    for (const tile of [{}, { maxTile: 16, overlap: 4 }]) {
      const seq = vsr.sequence(30, 22, tile);
      const out = await seq.step(img, img, img);
      expect([out.width, out.height]).toEqual([60, 44]);
      let maxErr = 0;
      for (let c = 0; c < 3; c++) for (let y = 0; y < 44; y++) for (let x = 0; x < 60; x++) maxErr = Math.max(maxErr, Math.abs(out.data[(c * 44 + y) * 60 + x] - img.data[(c * 22 + (y >> 1)) * 30 + (x >> 1)]));
      expect(maxErr, JSON.stringify(tile)).toBeLessThan(1e-6);
      if ('maxTile' in tile) expect(seq.plan.tiles.length).toBe(6); // 3 × 2 tiles of 16 (starts 0, 12, 14 and 0, 6)
    }
    await vsr.release();
  });

  it('×4 in 0–255: frames go in ×255 and come out ÷255 (the model run by hand on the same frame agrees)', async () => {
    const bytes = models.x4Cubic255();
    const model = ready(await inspect(bytes, 'x4.onnx'));
    const vsr = await createVsrCpu(ort, { model, step: bytes }, opts);
    const img = picture(20, 12);
    const out = await vsr.sequence(20, 12).step(img, img, img);
    const s = await ort.InferenceSession.create(bytes);
    const r = await s.run({ lr: new ort.Tensor('float32', img.data.map((v) => v * 255), [1, 3, 12, 20]) });
    const want = (r.hr.data as Float32Array).map((v) => Math.min(1, Math.max(0, v / 255)));
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(out.data[i] - want[i]));
    expect([out.width, out.height]).toEqual([80, 48]);
    expect(maxErr).toBeLessThan(1e-6);
    await vsr.release();
  });

  it('×3 fixed 24×24: a 40×30 frame runs as 24×24 tiles into 120×90, and shrinks back to the frame', async () => {
    const bytes = models.x3Fixed24();
    const model = ready(await inspect(bytes, 'x3.onnx'));
    const vsr = await createVsrCpu(ort, { model, step: bytes }, opts);
    const img = picture(40, 30);
    const seq = vsr.sequence(40, 30);
    expect(seq.plan.tiles.every((t) => t.w === 24 && t.h === 24)).toBe(true);
    const out = await seq.step(img, img, img);
    expect([out.width, out.height]).toEqual([120, 90]);
    // Box-shrink ×1/3 against the frame: a bilinear ×3 gives it back closely.
    let sq = 0;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 30; y++)
        for (let x = 0; x < 40; x++) {
          let v = 0;
          for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) v += out.data[(c * 90 + 3 * y + dy) * 120 + 3 * x + dx];
          sq += (v / 9 - img.data[(c * 30 + y) * 40 + x]) ** 2;
        }
    expect(255 * Math.sqrt(sq / (3 * 40 * 30))).toBeLessThan(6);
    await vsr.release();
  });

  it('our contract at ×2 with a state carried from frame to frame', async () => {
    const bytes = models.recurrentX2(3);
    const model = ready(await inspect(bytes, 'rec.onnx'));
    const vsr = await createVsrCpu(ort, { model, step: bytes }, opts);
    const seq = vsr.sequence(8, 8, { prime: false }); // the contract's own dynamics, from the zero state
    const a = picture(8, 8);
    const first = await seq.step(a, a, a);
    expect([first.width, first.height]).toEqual([16, 16]);
    expect(Math.abs(first.data[0] - a.data[0])).toBeLessThan(1e-6); // zero state: out = nearest ×2
    // The second step sees the state the first left: (0 + channel mean of a) / 2, lifting out by a tenth of it.
    const second = await seq.step(a, a, a);
    const mean0 = (a.data[0] + a.data[64] + a.data[128]) / 3;
    expect(second.data[0]).toBeCloseTo(Math.min(1, a.data[0] + 0.1 * (mean0 / 2)), 6);
    expect(second.data[0]).not.toBeCloseTo(first.data[0], 3);
    // A primed sequence (the default) makes its first frame from the state one step leaves: the second step above.
    const primed = await vsr.sequence(8, 8).step(a, a, a);
    expect(Array.from(primed.data)).toEqual(Array.from(second.data));
    await vsr.release();
  });

  it('stops with a clear message when the net gives an output its plan does not expect', async () => {
    // Claims ×2 but the file is ×4: the runner checks every tile's output.
    const bytes = models.x4Cubic255();
    const model = { ...ready(await inspect(bytes, 'liar.onnx')), scale: 2 };
    const vsr = await createVsrCpu(ort, { model, step: bytes }, opts);
    const img = picture(8, 8);
    await expect(vsr.sequence(8, 8).step(img, img, img)).rejects.toThrow(/liar\.onnx gave an output of \[1, 3, 32, 32\] for a 8×8 tile; ×2 needs \[1, 3, 16, 16\]/);
    await vsr.release();
  });
});
