/**
 * liteNetOrt (lite-ort.ts) under vsr-cpu.ts, on onnxruntime-node: a clip through the shipped vsr on
 * the lite net equals the plain ORT runner within the lite net's bound (1e-5, lite-net.test.ts),
 * whole frame and a multi-tile plan; a graph that is not a lite net (the fixture models) is ORT's
 * own session, bit for bit; a tile the lite net does not take (a side not a multiple of 4) runs on
 * the fallback ORT session with the same results as ORT.
 */
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../../media/png.ts';
import { maxAbsDiff, type ImageF32 } from '../../../core/image.ts';
import type { Ort } from '../../../gpu/ort.ts';
import { nodeModels, DEFAULT_MODELS_DIR } from '../../../models/source-node.ts';
import { createVsrCpu } from '../vsr-cpu.ts';
import { recurrentSteps } from '../vsr-common.ts';
import { liteNetOrt } from './lite-ort.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FRAMES: ImageF32[] = Array.from({ length: 5 }, (_, i) => readPng(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`)));
const node = ort as unknown as Ort;
const opts = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1 };
const haveShipped = existsSync(path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx'));

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

async function clip(runner: Awaited<ReturnType<typeof createVsrCpu>>, maxTile?: number): Promise<ImageF32[]> {
  const seq = runner.sequence(64, 48, maxTile ? { maxTile } : undefined);
  const out: ImageF32[] = [];
  for await (const o of recurrentSteps(FRAMES, (p, c, n) => seq.step(p, c, n))) out.push(o);
  return out;
}

describe.skipIf(!haveShipped)('liteNetOrt with the shipped vsr', () => {
  it('a clip equals the plain ORT runner within 1e-5, whole frame and 32-px tiles (several tiles, cross-faded)', async () => {
    const files = await nodeModels().vsr('vsr');
    let used: { threads: number } | null = null;
    const lite = await createVsrCpu(liteNetOrt(node, { onUse: (u) => (used = u) }), files, opts);
    const plain = await createVsrCpu(node, files, opts);
    expect(used).toEqual({ threads: 1, fused: false });
    for (const maxTile of [undefined, 32]) {
      const a = await clip(lite, maxTile);
      const b = await clip(plain, maxTile);
      expect(a.length).toBe(FRAMES.length);
      a.forEach((f, i) => expect(maxAbsDiff(f.data, b[i].data), `frame ${i}, tile ${maxTile ?? 'whole'}`).toBeLessThanOrEqual(1e-5));
    }
  });

  it('a tile side that is not a multiple of 4 runs on the fallback ORT session, as ORT runs it', async () => {
    const files = await nodeModels().vsr('vsr');
    const fallbacks: number[] = [];
    const lite = liteNetOrt(node, { fallbackModel: (m) => (fallbacks.push(m.length), m) });
    const s = await lite.InferenceSession.create(files.step, opts);
    const ref = await ort.InferenceSession.create(files.step, opts);
    const w = 30;
    const h = 8;
    const crop = (f: ImageF32) => {
      const d = new Float32Array(3 * w * h);
      for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) d.set(f.data.subarray((c * 48 + y) * 64, (c * 48 + y) * 64 + w), (c * h + y) * w);
      return new ort.Tensor('float32', d, [1, 3, h, w]);
    };
    const feeds = { prev: crop(FRAMES[0]), cur: crop(FRAMES[1]), next: crop(FRAMES[2]), state: new ort.Tensor('float32', new Float32Array(32 * w * h), [1, 32, h, w]) };
    // ORT itself: the graph's stride-2 convolutions and ×2/×4 resizes do not line up at 30 px.
    const want = await ref.run(feeds).then((r) => r.out.data as Float32Array, (e: unknown) => e);
    const got = await s.run(feeds).then((r) => r.out.data as Float32Array, (e: unknown) => e);
    expect(fallbacks).toEqual([files.step.length]);
    if (want instanceof Float32Array) expect(bitsEqual(got as Float32Array, want)).toBe(true);
    else expect(got).toBeInstanceOf(Error);
  });
});

describe('liteNetOrt with a graph that is not a lite net', () => {
  it("the fixture vsr (another architecture) is ORT's own session: a clip bit for bit", async () => {
    const files = await nodeModels(path.join(ROOT, 'e2e/fixtures/models')).vsr('vsr');
    let used = false;
    const lite = await createVsrCpu(liteNetOrt(node, { onUse: () => (used = true) }), files, opts);
    const plain = await createVsrCpu(node, files, opts);
    const a = await clip(lite);
    const b = await clip(plain);
    expect(used).toBe(false);
    a.forEach((f, i) => expect(bitsEqual(f.data, b[i].data), `frame ${i}`).toBe(true));
  });
});
