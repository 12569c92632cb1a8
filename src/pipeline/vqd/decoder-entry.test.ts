/**
 * The decoder split at its entry Convs (decoder-entry.ts), on onnxruntime-node with the shipped
 * VQGAN decoder and the e2e tests' narrow one: the rest of the graph fed with ORT's own Conv of
 * zq gives the whole decoder's image bit for bit (so the surgery itself changes nothing), the
 * weights read from the file are the Conv's (the same Conv rebuilt from them gives the same
 * outputs), and graphs that are not the plain case are left whole (null).
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOnnxModel, type OnnxNode } from '../../gpu/onnx-builder.ts';
import { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
import { splitDecoderEntry, type EntryConv } from './decoder-entry.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1 };
const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

/** The entry Convs alone, rebuilt from what the split read (weights, bias, kernel): zq_* → their outputs. */
function entryModel(convs: EntryConv[]): Uint8Array {
  return buildOnnxModel({
    inputs: convs.map((c, i) => ({ name: c.input, type: 'float', dims: [1, c.cin, `h${i}`, `w${i}`] })),
    outputs: convs.map((c, i) => ({ name: c.output, type: 'float', dims: [1, c.cout, `h${i}`, `w${i}`] })),
    initializers: convs.flatMap((c, i) => [
      { name: `W${i}`, type: 'float' as const, dims: [c.cout, c.cin, c.kh, c.kw], data: c.weight },
      { name: `B${i}`, type: 'float' as const, dims: [c.cout], data: c.bias },
    ]),
    nodes: convs.map((c, i) => ({ op: 'Conv', inputs: [c.input, `W${i}`, `B${i}`], outputs: [c.output], attrs: { kernel_shape: [c.kh, c.kw], pads: [(c.kh - 1) / 2, (c.kw - 1) / 2, (c.kh - 1) / 2, (c.kw - 1) / 2] } })),
  });
}

const DECODERS = [
  ['shipped', path.join(DEFAULT_MODELS_DIR, 'vqgan.decoder.onnx')],
  ['e2e test model', path.join(ROOT, 'e2e/fixtures/models/vqgan.decoder.onnx')],
] as const;

for (const [label, file] of DECODERS) {
  describe.skipIf(!existsSync(file))(`decoder entry split (${label})`, () => {
    const bytes = existsSync(file) ? new Uint8Array(readFileSync(file)) : new Uint8Array();

    it('rest(Conv(zq)) = the whole decoder, bit for bit, at two sizes', async () => {
      const split = splitDecoderEntry(bytes);
      expect(split).not.toBeNull();
      const { rest, convs } = split!;
      const whole = await ort.InferenceSession.create(bytes, opts);
      const restS = await ort.InferenceSession.create(rest, opts);
      const entry = await ort.InferenceSession.create(entryModel(convs), opts);
      expect(convs.map((c) => c.input)).toEqual([...whole.inputNames]);
      expect([...restS.inputNames]).toEqual(convs.map((c) => c.output));
      expect(restS.outputNames).toEqual(whole.outputNames);
      for (const c of convs) expect([c.cin, c.kh, c.kw]).toEqual([256, 3, 3]);
      // The weights went with the Convs: the rest is smaller by about their size.
      const weightBytes = convs.reduce((s, c) => s + 4 * (c.weight.length + c.bias.length), 0);
      expect(bytes.length - rest.length).toBeGreaterThanOrEqual(weightBytes);
      let seed = 7;
      const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5);
      for (const [H, W] of [[32, 48], [24, 40]]) {
        const feeds: Record<string, ort.Tensor> = {};
        whole.inputNames.forEach((n, i) => {
          const [h, w] = [H >> (3 - i), W >> (3 - i)];
          feeds[n] = new ort.Tensor('float32', Float32Array.from({ length: 256 * h * w }, rnd), [1, 256, h, w]);
        });
        const want = (await whole.run(feeds))[whole.outputNames[0]].data as Float32Array;
        const mid = await entry.run(feeds);
        const got = (await restS.run(mid))[restS.outputNames[0]].data as Float32Array;
        expect(got.length).toBe(3 * H * W);
        expect(bitsEqual(got, want)).toBe(true);
      }
    });
  });
}

describe('decoder entry split: graphs that are not the plain case stay whole', () => {
  const W = Float32Array.from({ length: 4 * 2 * 9 }, (_, i) => Math.sin(i));
  const model = (nodes: OnnxNode[], extraInputs: string[] = [], wDims = [4, 2, 3, 3]) =>
    buildOnnxModel({
      inputs: [{ name: 'zq', type: 'float', dims: [1, 2, 'h', 'w'] }, ...extraInputs.map((n) => ({ name: n, type: 'float' as const, dims: [1, 2, 'h', 'w'] }))],
      outputs: [{ name: 'y', type: 'float', dims: [1, 4, 'h', 'w'] }],
      initializers: [{ name: 'W', type: 'float', dims: wDims, data: W.subarray(0, wDims.reduce((a, b) => a * b, 1)) }],
      nodes,
    });
  const conv = (attrs: OnnxNode['attrs'], input = 'zq', out = 'c'): OnnxNode => ({ op: 'Conv', inputs: [input, 'W'], outputs: [out], attrs });
  const relu: OnnxNode = { op: 'Relu', inputs: ['c'], outputs: ['y'] };

  it('splits the plain Conv (no bias: zeros), and leaves the rest of the graph its own', () => {
    const s = splitDecoderEntry(model([conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), relu]));
    expect(s).not.toBeNull();
    expect(s!.convs).toHaveLength(1);
    expect(s!.convs[0]).toMatchObject({ input: 'zq', output: 'c', cout: 4, cin: 2, kh: 3, kw: 3 });
    expect(Array.from(s!.convs[0].bias)).toEqual([0, 0, 0, 0]);
    expect(bitsEqual(s!.convs[0].weight, W)).toBe(true);
  });

  it.each([
    ['stride 2', [conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }), relu]],
    ['dilation 2', [conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], dilations: [2, 2] }), relu]],
    ['group 2', [conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 2 }), relu]],
    ['valid padding', [conv({ kernel_shape: [3, 3] }), relu]],
    ['asymmetric padding', [conv({ kernel_shape: [3, 3], pads: [1, 0, 1, 2] }), relu]],
    ['auto_pad SAME_UPPER', [conv({ kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' }), relu]],
    ['input read twice', [conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), { op: 'Add', inputs: ['c', 'zq'], outputs: ['y'] }]],
    ['input read by another op', [{ op: 'Relu', inputs: ['zq'], outputs: ['y'] }]],
  ] as [string, OnnxNode[]][])('%s', (_label, nodes) => {
    expect(splitDecoderEntry(model(nodes))).toBeNull();
  });

  it('an even kernel, a second input that is not a Conv, and bytes that are not ONNX', () => {
    expect(splitDecoderEntry(model([conv({ kernel_shape: [2, 2], pads: [1, 1, 0, 0] }), relu], [], [4, 2, 2, 2]))).toBeNull();
    expect(splitDecoderEntry(model([conv({ kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), { op: 'Add', inputs: ['c', 'other'], outputs: ['y'] }], ['other']))).toBeNull();
    expect(splitDecoderEntry(Uint8Array.from([0x0a, 0xff]))).toBeNull();
  });
});
