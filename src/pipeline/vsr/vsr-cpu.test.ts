/**
 * The CPU VSR runner (onnxruntime-node) against a by-hand reference: vsr.step.onnx run step by
 * step with explicitly built prev/cur/next/state tensors, padding and cropping done here
 * independently of tiles.ts. Real frames: e2e/fixtures/clip-32x32 (3 frames).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../media/png.ts';
import { createImage, type ImageF32 } from '../../core/image.ts';
import type { Ort, OrtFeeds, OrtTensor } from '../../gpu/ort.ts';
import { nodeModels } from '../../models/source-node.ts';
import { createVsrCpu, upscaleClipCpu } from './vsr-cpu.ts';
import { planVsr, recurrentSteps } from './vsr-common.ts';
import { createVsrNode, DEFAULT_MODELS_DIR } from './vsr-node.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLIP = [0, 1, 2].map((i) => readPng(path.join(ROOT, `e2e/fixtures/clip-32x32/frame-${i}.png`)));
const MODEL = path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx');
const haveModel = existsSync(MODEL);
const C = 32; // the shipped model's state width (manifest config.width)

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}

/** Replicate-pad to multiples of 4, written out longhand (not tiles.ts's extract). */
function padTo4(img: ImageF32): Float32Array {
  const pw = Math.ceil(img.width / 4) * 4;
  const ph = Math.ceil(img.height / 4) * 4;
  const out = new Float32Array(3 * pw * ph);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < ph; y++)
      for (let x = 0; x < pw; x++) out[(c * ph + y) * pw + x] = img.data[(c * img.height + Math.min(y, img.height - 1)) * img.width + Math.min(x, img.width - 1)];
  return out;
}

/**
 * The whole clip by hand: state zeros, (t−1, t, t+1) with the ends repeating, output cropped to
 * 4w×4h. `prime` (the runners' default): frame 0's step first runs once more, only for its state.
 */
async function byHand(ort: Ort, session: { run(feeds: OrtFeeds): Promise<Record<string, OrtTensor>> }, frames: ImageF32[], prime = true): Promise<ImageF32[]> {
  const { width: w, height: h } = frames[0];
  const pw = Math.ceil(w / 4) * 4;
  const ph = Math.ceil(h / 4) * 4;
  const padded = frames.map(padTo4);
  let state: Float32Array = new Float32Array(C * pw * ph);
  const outs: ImageF32[] = [];
  const steps = frames.map((_, t) => t);
  if (prime) steps.unshift(0);
  for (const [i, t] of steps.entries()) {
    const T = (a: Float32Array) => new ort.Tensor('float32', a, [1, 3, ph, pw]);
    const r = await session.run({
      prev: T(padded[Math.max(0, t - 1)]),
      cur: T(padded[t]),
      next: T(padded[Math.min(frames.length - 1, t + 1)]),
      state: new ort.Tensor('float32', state, [1, C, ph, pw]),
    });
    expect(r.out.dims).toEqual([1, 3, 4 * ph, 4 * pw]);
    expect(r.state_out.dims).toEqual([1, C, ph, pw]);
    state = r.state_out.data as Float32Array;
    if (prime && i === 0) continue;
    const full: ImageF32 = { width: 4 * pw, height: 4 * ph, channels: 3, data: r.out.data as Float32Array };
    outs.push(crop(full, 4 * w, 4 * h));
  }
  return outs;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function collect(gen: AsyncIterable<ImageF32>): Promise<ImageF32[]> {
  const out: ImageF32[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

describe('recurrentSteps', () => {
  it('gives (t−1, t, t+1) with the ends repeating, and releases each frame once', async () => {
    for (const n of [1, 2, 3, 5]) {
      const released: number[] = [];
      const got: string[] = [];
      for await (const s of recurrentSteps(Array.from({ length: n }, (_, i) => i), async (p, c, x, i) => `${i}:${p}${c}${x}`, (f) => released.push(f))) got.push(s);
      const want = Array.from({ length: n }, (_, t) => `${t}:${Math.max(0, t - 1)}${t}${Math.min(n - 1, t + 1)}`);
      expect(got).toEqual(want);
      expect(released.sort()).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('releases the frames it holds when the consumer stops early (a cancelled run)', async () => {
    const released: number[] = [];
    for await (const s of recurrentSteps([0, 1, 2, 3, 4], async (_p, c) => c, (f) => released.push(f))) if (s === 1) break;
    expect(released.sort()).toEqual([0, 1, 2]);
  });
});

describe('tile plan', () => {
  it('pads odd sizes to one tile and scales tiles ×4', () => {
    const p = planVsr(30, 26);
    expect(p.tiles).toHaveLength(1);
    expect(p.tiles[0]).toMatchObject({ x0: 0, y0: 0, w: 32, h: 28, vx1: 30, vy1: 26 });
    expect(p.outTiles[0]).toMatchObject({ w: 128, h: 112, vx1: 120, vy1: 104 });
    expect([p.outWidth, p.outHeight]).toEqual([120, 104]);
    const t = planVsr(32, 32, { maxTile: 24, overlap: 8 });
    expect(t.tiles.map((x) => [x.x0, x.y0])).toEqual([[0, 0], [8, 0], [0, 8], [8, 8]]);
    expect(t.feather).toBe(32);
  });
});

describe.skipIf(!haveModel)('VSR on onnxruntime-node vs the step-by-step ONNX reference', () => {
  const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 } as const;
  /** The shipped net through the registry (its C checked against the by-hand constant). */
  async function shipped() {
    const files = await nodeModels().vsr('vsr');
    expect(files.model.stateChannels).toBe(C);
    return files;
  }

  it('3-frame 32×32 clip, state carried, primed and not: identical to running the steps by hand (max|Δ| = 0)', async () => {
    const ort = await import('onnxruntime-node');
    const files = await shipped();
    const session = await ort.InferenceSession.create(files.step, opts);
    const vsr = await createVsrCpu(ort, files, opts);
    const runs: Record<string, ImageF32[]> = {};
    for (const prime of [true, false]) {
      const want = await byHand(ort, session, CLIP, prime);
      const got = await collect(upscaleClipCpu(vsr.sequence(32, 32, prime ? {} : { prime: false }), CLIP));
      expect(got).toHaveLength(3);
      for (let t = 0; t < 3; t++) {
        expect([got[t].width, got[t].height]).toEqual([128, 128]);
        // One tile, weight 1: accumulate/normalise are exact, so no rounding may appear at all.
        expect(maxAbs(got[t].data, want[t].data), `prime ${prime}, frame ${t}`).toBe(0);
      }
      runs[String(prime)] = got;
    }
    // Priming is the default and changes the first frame (its state is no longer zeros), and so,
    // through the state, the later ones.
    expect(maxAbs(runs.true[0].data, runs.false[0].data)).toBeGreaterThan(1e-3);
    // The state matters: frame 2 with a zero state differs from frame 2 in the sequence.
    const alone = await vsr.sequence(32, 32, { prime: false }).step(CLIP[1], CLIP[2], CLIP[2]);
    expect(maxAbs(alone.data, runs.true[2].data)).toBeGreaterThan(1e-3);
  });

  it('odd size 30×26: replicate-padded to 32×28 and cropped back, identical to the by-hand pad/crop', async () => {
    const ort = await import('onnxruntime-node');
    const files = await shipped();
    const session = await ort.InferenceSession.create(files.step, opts);
    const odd = CLIP.map((f) => crop(f, 30, 26));
    const want = await byHand(ort, session, odd);
    const vsr = await createVsrCpu(ort, files, opts);
    const got = await collect(upscaleClipCpu(vsr.sequence(30, 26), odd));
    for (let t = 0; t < 3; t++) {
      expect([got[t].width, got[t].height]).toEqual([120, 104]);
      expect(maxAbs(got[t].data, want[t].data)).toBe(0);
    }
  });

  it('tiled (24 px LR tiles, 16 px overlap, a state per tile) vs untiled on the 3-frame clip (test model)', async () => {
    // The tiling mechanics (padding, per-tile state, cross-fade) on the fixed narrow test model, as
    // the browser test (vsr.gputest.ts) does: the bound below was measured on a random-init net and
    // must not move when the shipped weights are retrained.
    const vsr = await createVsrNode({ threads: 1, modelsDir: TEST_MODELS });
    const whole = await collect(upscaleClipCpu(vsr.sequence(32, 32), CLIP));
    const tiled = await collect(upscaleClipCpu(vsr.sequence(32, 32, { maxTile: 24, overlap: 16 }), CLIP));
    for (let t = 0; t < 3; t++) {
      const d = maxAbs(tiled[t].data, whole[t].data);
      let sq = 0;
      for (let i = 0; i < whole[t].data.length; i++) sq += (tiled[t].data[i] - whole[t].data[i]) ** 2;
      const psnr = 10 * Math.log10(1 / (sq / whole[t].data.length));
      const what = `frame ${t}: max|Δ| ${d.toFixed(4)}, PSNR ${psnr.toFixed(1)} dB`;
      expect(d, what).toBeLessThanOrEqual(TILE_MAX_ABS);
      expect(psnr, what).toBeGreaterThanOrEqual(TILE_MIN_PSNR);
    }
  });
});

/**
 * Tiles see zero padding (and the bilinear base's edge clamp) at their inner edges where the whole
 * frame sees neighbours, and the per-tile state carries that into the next frame; the ×4 cross-fade
 * over the 64 px overlap hides it. Measured with the random-init shipped-width model these bounds
 * were set for: max|Δ| 0.0045 / 0.0048 / 0.0050, PSNR 65.8 / 65.5 / 65.4 dB over frames 0–2; with
 * the narrow test model now used: 0.0045 / 0.0050 / 0.0046, 66.5 / 66.1 / 66.2 dB. Stated bounds
 * (the trained shipped net carries more through its state: 57.5 / 55.6 / 53.8 dB, max 0.0176 —
 * recorded in MODEL_CARD.md's limits, not hidden by a looser bound here):
 */
const TEST_MODELS = path.join(ROOT, 'e2e/fixtures/models');
const TILE_MAX_ABS = 0.01; // 2.55 levels of 255
const TILE_MIN_PSNR = 60;
