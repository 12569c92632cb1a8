/**
 * The wasm-kernel step (lite-net.ts) against onnxruntime-node on the shipped 'lite' nets (vsr and
 * vsr-restore: blocks 8/8/8, vsr-fast: 5/3/2), the e2e suites' width-8 lite net, and real frames (e2e/fixtures/clip-64x48), over recurrent
 * steps each side carrying its own state, and tile sizes alternating in one net (the maps are laid
 * out again, their borders must still be zero). Node 20 has no relaxed SIMD, so the kernels run
 * with separate mul + add here; the fused kernels are checked the same way in Chromium
 * (engine/lite-net.gputest.ts).
 *
 * Tolerance: both sides sum the same f32 products in different orders (MLAS's blocked GEMM, ours
 * per tap and channel), so they differ by rounding, which the ~30 layers carry along (measured ~1e-6). Bounds:
 * |out| ≤ 1e-5 (0.0026 of an 8-bit level) and |state_out| ≤ 1e-5 · (1 + max |state|) after 4 steps.
 */
import * as ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../../media/png.ts';
import { maxAbsDiff, type ImageF32 } from '../../../core/image.ts';
import { DEFAULT_MODELS_DIR } from '../../../models/source-node.ts';
import { readLiteGraph } from './lite-graph.ts';
import { LiteNet } from './lite-net.ts';
import type { LiteHelperSpawn } from './lite-helper.ts';
import { nodeLiteHelper } from './lite-helper.node.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FRAMES: ImageF32[] = Array.from({ length: 5 }, (_, i) => readPng(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`)));
const MODELS = [
  { id: 'shipped vsr', file: path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx'), width: 32, blocks: [8, 8, 8] },
  { id: 'shipped vsr-fast', file: path.join(DEFAULT_MODELS_DIR, 'vsr-fast.step.onnx'), width: 32, blocks: [5, 3, 2] },
  { id: 'shipped vsr-restore', file: path.join(DEFAULT_MODELS_DIR, 'vsr-restore.step.onnx'), width: 32, blocks: [8, 8, 8] },
  // The e2e suites' lite net: width 8 takes the kernels' 2-vector blocks (4 pixels) and a padded X0 (17 → 20 channels).
  { id: 'e2e fixture vsr-restore', file: path.join(ROOT, 'e2e/fixtures/models/vsr-restore.step.onnx'), width: 8, blocks: [2, 1, 1] },
];

const maxMag = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

/** The frame's w×h crop at (x0, y0), planar RGB. */
function crop(f: ImageF32, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) out.set(f.data.subarray((c * f.height + y0 + y) * f.width + x0, (c * f.height + y0 + y) * f.width + x0 + w), (c * h + y) * w);
  return out;
}

for (const { id, file, width, blocks } of MODELS) {
  describe.skipIf(!existsSync(file))(`lite net on wasm kernels vs onnxruntime-node: ${id}`, () => {
    const bytes = existsSync(file) ? new Uint8Array(readFileSync(file)) : new Uint8Array();

    it('recognises the graph and reads its weights', () => {
      const g = readLiteGraph(bytes);
      expect(g).not.toBeNull();
      expect(g!.width).toBe(width);
      expect(g!.alpha).toBeCloseTo(0.1, 6);
      expect(g!.blocks).toEqual(blocks);
    });

    for (const winograd of [true, false]) {
      it(`out and state_out match onnxruntime over 4 recurrent steps, tiles 64×48, 32×24, 36×24 and 28×36 alternating (${winograd ? 'Winograd' : 'direct'} 3×3 kernels)`, async () => {
        const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
        const net = new LiteNet(readLiteGraph(bytes)!, { fused: false, winograd });
        const C = net.width;
        const sizes = [
          { x: 0, y: 0, w: 64, h: 48 },
          { x: 16, y: 12, w: 32, h: 24 },
          // 36 wide: the quarter-scale maps are 9 wide, so the kernels' one-pixel tail runs too.
          { x: 8, y: 8, w: 36, h: 24 },
          // Quarter-scale maps 7×9: Winograd's odd last column and odd last row (direct).
          { x: 4, y: 0, w: 28, h: 36 },
        ];
        const states: { ort: Float32Array; ours: Float32Array }[] = sizes.map((s) => ({ ort: new Float32Array(C * s.w * s.h), ours: new Float32Array(C * s.w * s.h) }));
        let worstOut = 0;
        let worstState = 0;
        for (let t = 1; t <= 4; t++) {
          for (let k = 0; k < sizes.length; k++) {
            const { x, y, w, h } = sizes[k];
            const [p, c, n] = [FRAMES[t - 1], FRAMES[t], FRAMES[Math.min(t + 1, 4)]].map((f) => crop(f, x, y, w, h));
            const T = (d: Float32Array, ch: number) => new ort.Tensor('float32', d, [1, ch, h, w]);
            const r = await session.run({ prev: T(p, 3), cur: T(c, 3), next: T(n, 3), state: T(states[k].ort, C) });
            const o = net.step(p, c, n, states[k].ours, w, h);
            const outOrt = r.out.data as Float32Array;
            const stOrt = r.state_out.data as Float32Array;
            expect(r.out.dims).toEqual([1, 3, 4 * h, 4 * w]);
            worstOut = Math.max(worstOut, maxAbsDiff(o.out, outOrt));
            worstState = Math.max(worstState, maxAbsDiff(o.state, stOrt) / (1 + maxMag(stOrt)));
            // The net did something: its output is not the bicubic base alone, and the state moved.
            expect(maxMag(stOrt)).toBeGreaterThan(0.01);
            states[k] = { ort: stOrt, ours: o.state };
          }
        }
        expect(worstOut).toBeLessThanOrEqual(1e-5);
        expect(worstState).toBeLessThanOrEqual(1e-5);
        await session.release();
      });
    }

    it('the output loops as wasm SIMD (loops-simd.ts) give the JS loops\' bits: 3 recurrent steps at 64×48, 36×24 and 28×36', () => {
      const graph = readLiteGraph(bytes)!;
      const js = new LiteNet(graph, { fused: false, simdLoops: false });
      const simd = new LiteNet(graph, { fused: false });
      const C = js.width;
      for (const { x, y, w, h } of [{ x: 0, y: 0, w: 64, h: 48 }, { x: 8, y: 8, w: 36, h: 24 }, { x: 4, y: 0, w: 28, h: 36 }]) {
        let s1: Float32Array = new Float32Array(C * w * h);
        let s2: Float32Array = new Float32Array(C * w * h);
        for (let t = 1; t <= 3; t++) {
          // Frames stretched past [0, 1] so that the outputs clamp at both ends too.
          const [p, c, n] = [FRAMES[t - 1], FRAMES[t], FRAMES[t + 1]].map((f) => crop(f, x, y, w, h).map((v) => 3 * v - 1));
          const a = js.step(p, c, n, s1, w, h);
          const b = simd.step(p, c, n, s2, w, h);
          expect(bitsEqual(a.out, b.out)).toBe(true);
          expect(bitsEqual(a.state, b.state)).toBe(true);
          expect(a.out.some((v) => v === 0) && a.out.some((v) => v === 1)).toBe(true);
          s1 = a.state;
          s2 = b.state;
        }
      }
    });

    it('two threads (a helper worker on a shared memory) give the one-thread outputs bit for bit', async () => {
      const graph = readLiteGraph(bytes)!;
      const one = new LiteNet(graph, { fused: false });
      const two = await LiteNet.create(graph, { fused: false, helper: nodeLiteHelper });
      try {
        expect(two.threads).toBe(2);
        const C = one.width;
        // Small, then large: the memory grows after the helper's first jobs, which must see the grown buffer.
        for (const { x, y, w, h } of [{ x: 8, y: 8, w: 36, h: 24 }, { x: 0, y: 0, w: 64, h: 48 }, { x: 4, y: 0, w: 28, h: 36 }]) {
          let s1: Float32Array = new Float32Array(C * w * h);
          let s2: Float32Array = new Float32Array(C * w * h);
          for (let t = 1; t <= 3; t++) {
            const [p, c, n] = [FRAMES[t - 1], FRAMES[t], FRAMES[t + 1]].map((f) => crop(f, x, y, w, h));
            const a = one.step(p, c, n, s1, w, h);
            const b = two.step(p, c, n, s2, w, h);
            expect(bitsEqual(a.out, b.out)).toBe(true);
            expect(bitsEqual(a.state, b.state)).toBe(true);
            s1 = a.state;
            s2 = b.state;
          }
        }
      } finally {
        two.release();
      }
      expect(() => two.step(new Float32Array(3 * 16), new Float32Array(3 * 16), new Float32Array(3 * 16), new Float32Array(width * 16), 4, 4)).toThrow(/released/);
    });

    it('a helper thread that dies between steps: the net goes on on one thread, the same bits', async () => {
      const graph = readLiteGraph(bytes)!;
      let kill: (() => void) | null = null;
      const dying: LiteHelperSpawn = (init) => {
        const h = nodeLiteHelper(init);
        kill = () => h.terminate();
        return h;
      };
      const one = new LiteNet(graph, { fused: false });
      const two = await LiteNet.create(graph, { fused: false, helper: dying });
      const C = one.width;
      const [w, h] = [64, 48];
      let s1: Float32Array = new Float32Array(C * w * h);
      let s2: Float32Array = new Float32Array(C * w * h);
      for (let t = 1; t <= 3; t++) {
        const [p, c, n] = [FRAMES[t - 1], FRAMES[t], FRAMES[t + 1]].map((f) => f.data);
        if (t === 2) {
          kill!();
          await new Promise((r) => setTimeout(r, 200)); // the worker's exit event
        }
        const a = one.step(p, c, n, s1, w, h);
        const b = two.step(p, c, n, s2, w, h);
        expect(bitsEqual(a.out, b.out), `step ${t}`).toBe(true);
        s1 = a.state;
        s2 = b.state;
      }
      expect(two.threads).toBe(1);
      two.release();
    });

    it('refuses a tile whose sides are not multiples of 4, and inputs of the wrong length', () => {
      const net = new LiteNet(readLiteGraph(bytes)!, { fused: false });
      const z = (n: number) => new Float32Array(n);
      expect(() => net.step(z(3 * 30 * 8), z(3 * 30 * 8), z(3 * 30 * 8), z(width * 30 * 8), 30, 8)).toThrow(/multiples of 4/);
      expect(() => net.step(z(3 * 32 * 8), z(3 * 32 * 8), z(3 * 32 * 8), z(31 * 32 * 8), 32, 8)).toThrow(/state has/);
    });
  });
}

describe('readLiteGraph refuses what is not a lite step graph', () => {
  it('other models, a truncated file, and a lite graph with one attribute changed give null', () => {
    const vqgan = path.join(DEFAULT_MODELS_DIR, 'vqgan.encoder.onnx');
    if (existsSync(vqgan)) expect(readLiteGraph(new Uint8Array(readFileSync(vqgan)))).toBeNull();
    expect(readLiteGraph(new Uint8Array([1, 2, 3, 4]))).toBeNull();
    const file = MODELS[0].file;
    if (!existsSync(file)) return;
    const bytes = new Uint8Array(readFileSync(file));
    expect(readLiteGraph(bytes.subarray(0, bytes.length >> 1))).toBeNull();
    // Rename the DepthToSpace mode CRD → DCR (same length): a different pixel order, not ours.
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('CRD');
    expect(at).toBeGreaterThan(0);
    const changed = bytes.slice();
    changed.set([0x44, 0x43, 0x52], at);
    expect(readLiteGraph(changed)).toBeNull();
  });
});
