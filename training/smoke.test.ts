/**
 * CI smoke test of the training code: training/smoke.py trains tiny VQGAN and VSR configs a few
 * steps with the real losses, exports them to ONNX (opset 17, dynamic H/W) and writes inputs plus
 * torch outputs; here onnxruntime-node runs the same graphs on those inputs.
 *
 * Asserts: every output matches torch within max|Δ| ≤ 1e-4 (fp32 both sides, same weights), output
 * names/shapes are as torch produced them (at a size different from the export probe, so dynamic
 * axes really work), the codebook file holds exactly the decoder inputs' rows, the losses are
 * finite, and the paper-width VSR has AnimeSR's 1,467,728 parameters.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOL = 1e-4;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface TensorRef { file: string; shape: number[] }
interface Graph { onnx: string; inputs: Record<string, TensorRef>; outputs: Record<string, TensorRef> }
interface Smoke {
  graphs: Graph[];
  losses: Record<string, number[]>;
  params: Record<string, number>;
  codebook: { file: string; rows: number; cols: number };
  deepen: { new_blocks: number; params: [number, number]; max_abs_diff: number };
  widen: { from_width: number; to_width: number; new_blocks: string[]; params: [number, number]; max_abs_diff: number; new_state_mean_abs: number };
  compact_vsr: { src_bytes: number; dst_bytes: number; has_opts: boolean; step: number; dtypes: string[]; max_abs_diff: number };
  deepen_vqgan: { new_blocks: number; params: [number, number]; max_abs_diff_latents: number; max_abs_diff_decoded: number };
  hatch: { deterministic: boolean; moves: boolean; roundtrip_psnr: number };
  rim: { deterministic: boolean; moves: boolean; roundtrip_psnr: number };
  scenery: { deterministic: boolean; moves: boolean; roundtrip_psnr: number; shift_px: { sky: number; ground: number } };
}

let dir = '';
let smoke: Smoke;

function readF32(file: string): Float32Array {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vqdsr-smoke-'));
  const r = spawnSync('/usr/bin/python3', [join(root, 'training', 'smoke.py'), '--out', dir], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  if (r.status !== 0) throw new Error(`smoke.py failed (${r.status}): ${r.stderr}\n${r.stdout}`);
  smoke = JSON.parse(readFileSync(join(dir, 'smoke.json'), 'utf8')) as Smoke;
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('training smoke (torch -> ONNX -> onnxruntime-node)', () => {
  it('the fine-texture clip generator (scenes.hatch_clip) is seeded, moves, and holds detail ×1/4 loses', () => {
    expect(smoke.hatch.deterministic).toBe(true);
    expect(smoke.hatch.moves).toBe(true);
    expect(smoke.hatch.roundtrip_psnr).toBeLessThan(32);
  });

  it('the rimmed-shape generator (scenes.rim_clip: fine bands along solid outlines) is seeded, moves, and holds detail ×1/4 loses', () => {
    expect(smoke.rim.deterministic).toBe(true);
    expect(smoke.rim.moves).toBe(true);
    // 24.9 dB for this seed; a clip of flat fills and plain outlines round-trips near 40 dB
    expect(smoke.rim.roundtrip_psnr).toBeLessThan(32);
  });

  it('the painted-scenery generator (scenery.scenery_clip) is seeded, textured, and pans its layers at their own speeds', () => {
    expect(smoke.scenery.deterministic).toBe(true);
    expect(smoke.scenery.moves).toBe(true);
    expect(smoke.scenery.roundtrip_psnr).toBeLessThan(36);
    // multiplane camera: the sky band (parallax <= 0.2) moves at most a pixel or two while the ground
    // (parallax 0.75) follows the ~9 px pan; a flat pan would move both alike
    expect(smoke.scenery.shift_px.ground).toBeGreaterThanOrEqual(4);
    expect(smoke.scenery.shift_px.sky).toBeLessThanOrEqual(smoke.scenery.shift_px.ground - 3);
  });

  it('trained with finite losses and has the paper-width VSR parameter count', () => {
    for (const l of Object.values(smoke.losses)) {
      expect(l.length).toBeGreaterThan(0);
      for (const v of l) expect(Number.isFinite(v)).toBe(true);
    }
    expect(smoke.params.vsr_paper).toBe(1_467_728);
  });

  it('a VSR deepened by deepen_from computes exactly what the net it was grown from did', () => {
    // tiny-lite (2, 1, 1) -> (3, 2, 3): 4 appended blocks, each conv1 + conv2 of 8 -> 8 channels
    expect(smoke.deepen.new_blocks).toBe(4);
    expect(smoke.deepen.params[1] - smoke.deepen.params[0]).toBe(4 * 2 * (8 * 8 * 9 + 8));
    expect(smoke.deepen.max_abs_diff).toBe(0);
  });

  it('a VSR widened (and deepened) by widen_from computes what the narrow net did, its new channels alive', () => {
    // the 'lite' topology's parameters for width C and blocks (a, b, c), counted from the layers
    const liteParams = (C: number, blocks: number) =>
      (9 + C) * C * 9 + C + 2 * (9 * C * C + C) + blocks * 2 * (9 * C * C + C) + (3 * C * 2 * C + 2 * C) + (2 * C * (C + 48) * 9 + C + 48);
    expect(smoke.widen.from_width).toBe(8);
    expect(smoke.widen.to_width).toBe(12);
    expect(smoke.widen.new_blocks).toHaveLength(4);
    expect(smoke.widen.params).toEqual([liteParams(8, 4), liteParams(12, 8)]);
    // Every weight from a new channel into an old one is zero, so the old outputs get the same sums
    // plus exact zeros; a wider conv may still be blocked differently by oneDNN and round a sum
    // differently, hence 1e-6 rather than 0 (the outputs are in [0, 1]).
    expect(smoke.widen.max_abs_diff).toBeLessThanOrEqual(1e-6);
    // the new state channels carry signal from the first step, so training reaches their weights
    expect(smoke.widen.new_state_mean_abs).toBeGreaterThan(1e-3);
  });

  it('compact_resume makes a VSR trainer checkpoint small (fp16, no Adam) and the net still computes what it did', () => {
    expect(smoke.compact_vsr.has_opts).toBe(false);
    expect(smoke.compact_vsr.step).toBe(7);
    expect(smoke.compact_vsr.dtypes).toEqual(['torch.float16']);
    // four fp32 copies (weights, EMA, Adam's two moments) became two fp16 ones: a quarter of the tensor
    // bytes; this tiny net's per-tensor pickling overhead makes it ~0.34 of the file here
    expect(smoke.compact_vsr.dst_bytes).toBeLessThan(smoke.compact_vsr.src_bytes / 2);
    // fp16 weights round at ~5e-4 relative; through a dozen convs the [0, 1] output moves by well under a level
    expect(smoke.compact_vsr.max_abs_diff).toBeLessThan(2e-3);
  });

  it('a VQGAN deepened by deepen_vqgan_from encodes and decodes exactly as the net it was grown from', () => {
    // tiny (width 8, one block per stack) -> two blocks per stack: one appended block in each of the
    // 18 residual stacks, ResBlock(ch, ch) = two GroupNorms (2·2ch) + two 3x3 convs (2·(9ch² + ch));
    // the stacks run at 8 (3 of them), 16 (9) and 32 (6) channels
    const block = (ch: number) => 4 * ch + 2 * (9 * ch * ch + ch);
    expect(smoke.deepen_vqgan.new_blocks).toBe(18);
    expect(smoke.deepen_vqgan.params[1] - smoke.deepen_vqgan.params[0]).toBe(3 * block(8) + 9 * block(16) + 6 * block(32));
    expect(smoke.deepen_vqgan.max_abs_diff_latents).toBe(0);
    expect(smoke.deepen_vqgan.max_abs_diff_decoded).toBe(0);
  });

  it('ORT outputs match torch within 1e-4 for encoder, decoder and VSR step', async () => {
    expect(smoke.graphs.map((g) => g.onnx)).toEqual(['vqgan.encoder.onnx', 'vqgan.decoder.onnx', 'vsr.step.onnx', 'vsr-lite.step.onnx']);
    for (const g of smoke.graphs) {
      const session = await ort.InferenceSession.create(join(dir, g.onnx));
      expect(session.inputNames).toEqual(Object.keys(g.inputs));
      expect(session.outputNames).toEqual(Object.keys(g.outputs));
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, ref] of Object.entries(g.inputs)) feeds[name] = new ort.Tensor('float32', readF32(ref.file), ref.shape);
      const res = await session.run(feeds);
      for (const [name, ref] of Object.entries(g.outputs)) {
        expect(res[name].dims, `${g.onnx}:${name}`).toEqual(ref.shape);
        const want = readF32(ref.file);
        const got = res[name].data as Float32Array;
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst, `${g.onnx}:${name} max|Δ|`).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it('codebook.bin rows are exactly the quantised vectors fed to the decoder', () => {
    const { rows, cols } = smoke.codebook;
    const cb = readF32(smoke.codebook.file);
    expect(cb.length).toBe(rows * cols);
    const dec = smoke.graphs[1];
    for (const ref of Object.values(dec.inputs)) {
      const [, c, h, w] = ref.shape;
      expect(c).toBe(cols);
      const z = readF32(ref.file);
      for (let p = 0; p < h * w; p++) {
        let found = false;
        for (let e = 0; e < rows && !found; e++) {
          let same = true;
          for (let ch = 0; ch < c && same; ch++) same = z[ch * h * w + p] === cb[e * cols + ch];
          found = same;
        }
        expect(found).toBe(true);
      }
    }
  });
});
