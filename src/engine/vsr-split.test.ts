/**
 * The split step graph (vsr-split.ts) and the run-ahead sessions over it (vsr-cpu-ort.ts), on
 * onnxruntime-node with the shipped models and real frames (e2e/fixtures/clip-64x48): the two
 * halves give the whole graph's outputs bit for bit, a clip run through the split sessions gives
 * the plain runner's frames bit for bit (one tile and a multi-tile plan), each frame's base is made
 * once — ahead, while the step before it runs — and the graphs without a cubic base stay whole.
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../media/png.ts';
import type { ImageF32 } from '../core/image.ts';
import type { Ort } from '../gpu/ort.ts';
import { nodeModels, DEFAULT_MODELS_DIR } from '../models/source-node.ts';
import { createVsrCpu } from '../pipeline/vsr/vsr-cpu.ts';
import { recurrentSteps } from '../pipeline/vsr/vsr-common.ts';
import { cubicBaseAsConv } from '../pipeline/vsr/cubic-base-conv.ts';
import { splitCubicBase, type SplitStep } from './vsr-split.ts';
import { MAX_AHEAD, splitBaseOrt, type BaseRunner } from './vsr-cpu-ort.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHIPPED = path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx');
const haveModel = existsSync(SHIPPED);
const FRAMES: ImageF32[] = Array.from({ length: 8 }, (_, i) => readPng(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`)));
const opts = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1 };
const node = ort as unknown as Ort;

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

/** A base runner on onnxruntime-node in this thread, recording what it was asked for. */
function nodeBase(requests: Float32Array[]): (split: SplitStep) => Promise<BaseRunner> {
  return async (split) => {
    const s = await ort.InferenceSession.create(split.base, opts);
    return {
      async run(data, dims) {
        requests.push(data.slice());
        const r = await s.run({ [split.input]: new ort.Tensor('float32', data, [...dims]) });
        return { data: r[split.baseName].data as Float32Array, dims: r[split.baseName].dims };
      },
      release: () => void s.release(),
    };
  };
}

describe.skipIf(!haveModel)('split step graph (shipped vsr: cubic base)', () => {
  const bytes = haveModel ? new Uint8Array(readFileSync(SHIPPED)) : new Uint8Array();

  it('net(…, base(cur)) = the whole graph, out and state_out bit for bit, over recurrent steps', async () => {
    const split = splitCubicBase(bytes);
    expect(split).not.toBeNull();
    const { net, base, input, baseName } = split!;
    expect(input).toBe('cur');
    const whole = await ort.InferenceSession.create(bytes, opts);
    const n = await ort.InferenceSession.create(net, opts);
    const b = await ort.InferenceSession.create(base, opts);
    expect([...n.inputNames].sort()).toEqual([...whole.inputNames, baseName].sort());
    expect(b.inputNames).toEqual(['cur']);
    const { width: w, height: h } = FRAMES[0];
    const T = (f: ImageF32) => new ort.Tensor('float32', f.data, [1, 3, h, w]);
    let stateA = new ort.Tensor('float32', new Float32Array(32 * w * h), [1, 32, h, w]);
    let stateB = stateA;
    for (let t = 0; t < 4; t++) {
      const feeds = { prev: T(FRAMES[Math.max(0, t - 1)]), cur: T(FRAMES[t]), next: T(FRAMES[t + 1]) };
      const a = await whole.run({ ...feeds, state: stateA });
      const bb = (await b.run({ cur: feeds.cur }))[baseName];
      const c = await n.run({ ...feeds, state: stateB, [baseName]: bb });
      expect(bitsEqual(a.out.data as Float32Array, c.out.data as Float32Array)).toBe(true);
      expect(bitsEqual(a.state_out.data as Float32Array, c.state_out.data as Float32Array)).toBe(true);
      stateA = a.state_out as typeof stateA;
      stateB = c.state_out as typeof stateB;
    }
  });

  it('a clip through the run-ahead sessions = the plain runner, bit for bit; each base made once, ahead of its step', async () => {
    const files = await nodeModels().vsr('vsr');
    const plain = await createVsrCpu(node, files, opts);
    const requests: Float32Array[] = [];
    const ahead = await createVsrCpu(splitBaseOrt(node, nodeBase(requests)), files, opts);
    const want: ImageF32[] = [];
    const wantSeq = plain.sequence(64, 48);
    for await (const o of recurrentSteps(FRAMES, (p, c, n) => wantSeq.step(p, c, n))) want.push(o);
    const seq = ahead.sequence(64, 48);
    const requestsAfterStep: number[] = [];
    const got: ImageF32[] = [];
    for await (const o of recurrentSteps(FRAMES, async (p, c, n) => {
      const r = await seq.step(p, c, n);
      requestsAfterStep.push(requests.length);
      return r;
    })) got.push(o);
    expect(got.length).toBe(FRAMES.length);
    got.forEach((o, i) => expect(bitsEqual(o.data, want[i].data), `frame ${i}`).toBe(true));
    // One base per frame (none wasted: the last step's next is itself), and the base of frame t+1
    // was asked for before step t ended.
    expect(requests.length).toBe(FRAMES.length);
    expect(requestsAfterStep).toEqual(FRAMES.map((_, t) => Math.min(t + 2, FRAMES.length)));
    requests.forEach((r, t) => expect(bitsEqual(r, FRAMES[t].data)).toBe(true));
  });

  it("a run that stops before the clip's end asks for no base past its last step when its last step says so", async () => {
    const files = await nodeModels().vsr('vsr');
    const steps = 5; // frames 0–4 of 8: the last step's next is frame 5
    const feeds = (t: number) => [FRAMES[Math.max(0, t - 1)], FRAMES[t], FRAMES[t + 1]] as const;
    const plain = await createVsrCpu(node, files, opts);
    const ref = plain.sequence(64, 48);
    const want: ImageF32[] = [];
    for (let t = 0; t < steps; t++) want.push(await ref.step(...feeds(t)));
    // The hint also reaches ORT's own session (the plain runner, as vsr-restore's graph that stays
    // whole in the browser): it must take it and give the same pixels.
    for (const [name, split, hinted] of [['split, unhinted', true, false], ['split, hinted', true, true], ['plain, hinted', false, true]] as const) {
      const requests: Float32Array[] = [];
      const runner = split ? await createVsrCpu(splitBaseOrt(node, nodeBase(requests)), files, opts) : plain;
      const seq = runner.sequence(64, 48);
      const requestsAfterStep: number[] = [];
      for (let t = 0; t < steps; t++) {
        const got = await seq.step(...feeds(t), hinted ? { last: t === steps - 1 } : undefined);
        expect(bitsEqual(got.data, want[t].data), `${name}: frame ${t}`).toBe(true);
        requestsAfterStep.push(requests.length);
      }
      if (!split) continue;
      // Every step but the last asks for its next frame's base while it runs (frame t+1's after
      // step t); the last asks for frame 5's only unhinted: made for nothing.
      const ahead = Array.from({ length: steps }, (_, t) => t + 2);
      if (hinted) ahead[steps - 1] = steps;
      expect(requestsAfterStep, name).toEqual(ahead);
      requests.forEach((r, t) => expect(bitsEqual(r, FRAMES[t].data), `${name}: base ${t}`).toBe(true));
    }
  });

  it('a multi-tile plan: same frames bit for bit; bases asked for at most MAX_AHEAD a step beyond those needed', async () => {
    const files = await nodeModels().vsr('vsr');
    const plain = await createVsrCpu(node, files, opts);
    const requests: Float32Array[] = [];
    const ahead = await createVsrCpu(splitBaseOrt(node, nodeBase(requests)), files, opts);
    const tiles = { maxTile: 32, overlap: 8 };
    const a = plain.sequence(64, 48, tiles);
    const b = ahead.sequence(64, 48, tiles);
    expect(b.plan.tiles.length).toBeGreaterThan(MAX_AHEAD);
    const frames = FRAMES.slice(0, 4);
    const want: ImageF32[] = [];
    for await (const o of recurrentSteps(frames, (p, c, n) => a.step(p, c, n))) want.push(o);
    const got: ImageF32[] = [];
    for await (const o of recurrentSteps(frames, (p, c, n) => b.step(p, c, n))) got.push(o);
    got.forEach((o, i) => expect(bitsEqual(o.data, want[i].data), `frame ${i}`).toBe(true));
    // Each tile of each frame needs its base once; asked-ahead extras are bounded by MAX_AHEAD per step.
    const needed = frames.length * b.plan.tiles.length;
    expect(requests.length).toBeGreaterThanOrEqual(needed);
    expect(requests.length).toBeLessThanOrEqual(needed + MAX_AHEAD * frames.length);
  });
});

describe.skipIf(!haveModel)('a base runner that fails', () => {
  it('is replaced by bases made on the calling thread: the same frames bit for bit, a warning', async () => {
    const files = await nodeModels().vsr('vsr');
    const plain = await createVsrCpu(node, files, opts);
    let calls = 0;
    let released = 0;
    const flaky = splitBaseOrt(node, async (split) => {
      const inner = await nodeBase([])(split);
      return {
        async run(data, dims) {
          // The worker "crashes" on its third call (a base asked ahead, still pending).
          if (++calls >= 3) throw new Error('the VSR base worker stopped: out of memory');
          return inner.run(data, dims);
        },
        release: () => {
          released++;
          inner.release();
        },
      };
    });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => void warnings.push(m);
    try {
      const ahead = await createVsrCpu(flaky, files, opts);
      const a = plain.sequence(64, 48);
      const b = ahead.sequence(64, 48);
      const frames = FRAMES.slice(0, 5);
      const want: ImageF32[] = [];
      for await (const o of recurrentSteps(frames, (p, c, n) => a.step(p, c, n))) want.push(o);
      const got: ImageF32[] = [];
      for await (const o of recurrentSteps(frames, (p, c, n) => b.step(p, c, n))) got.push(o);
      got.forEach((o, i) => expect(bitsEqual(o.data, want[i].data), `frame ${i}`).toBe(true));
      expect(calls).toBe(3); // no call after the failure
      expect(released).toBeGreaterThanOrEqual(1);
      expect(warnings.some((w) => /base worker failed \(the VSR base worker stopped: out of memory\)/.test(w))).toBe(true);
    } finally {
      console.warn = warn;
    }
  });
});

describe.skipIf(!haveModel)('every shipped VSR with a cubic base', () => {
  it('splits (vsr and, since it was retrained on the lite topology, vsr-restore)', () => {
    for (const n of ['vsr.step.onnx', 'vsr-restore.step.onnx']) {
      expect(splitCubicBase(new Uint8Array(readFileSync(path.join(DEFAULT_MODELS_DIR, n)))), n).not.toBeNull();
    }
  });

  it('does not split once its cubic base is a convolution (pipeline/vsr/cubic-base-conv.ts): no cubic Resize is left', () => {
    for (const n of ['vsr.step.onnx', 'vsr-restore.step.onnx']) {
      const conv = cubicBaseAsConv(new Uint8Array(readFileSync(path.join(DEFAULT_MODELS_DIR, n))));
      expect(conv, n).not.toBeNull();
      expect(splitCubicBase(conv!), n).toBeNull();
    }
  });
});

describe('graphs that stay whole', () => {
  it('a bilinear base (the narrow test net of the first topology) is not split; nor is a file that is not a model', () => {
    const f = path.join(ROOT, 'e2e/fixtures/models/vsr.step.onnx');
    expect(splitCubicBase(new Uint8Array(readFileSync(f))), f).toBeNull();
    expect(splitCubicBase(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))).toBeNull();
    expect(splitCubicBase(new Uint8Array(0))).toBeNull();
  });

  it('splitBaseOrt opens such a graph as it is, with no base runner', async () => {
    const f = path.join(ROOT, 'e2e/fixtures/models/vsr.step.onnx');
    let started = 0;
    const wrapped = splitBaseOrt(node, async () => {
      started++;
      throw new Error('not wanted');
    });
    const s = await wrapped.InferenceSession.create(new Uint8Array(readFileSync(f)), opts);
    expect(s.inputNames).toEqual(['prev', 'cur', 'next', 'state']);
    expect(started).toBe(0);
    await s.release();
  });
});
