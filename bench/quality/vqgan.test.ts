/**
 * The quality benchmark's VQGAN part (vqgan.ts): its scores on images with known answers, the
 * summary and the verdict, the candidate parser, and — on the shipped weights and two small frames
 * of the e2e fixture clip — that a candidate export folder scores exactly like the same files
 * shipped. The measurement itself (minutes) is `QUALITY_VSR=0 npm run bench quality`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../../src/core/image.ts';
import { decodePng } from '../../src/cli/png.ts';
import type { EvalClip } from './evalset.ts';
import { anchorCpu } from '../../src/pipeline/vqd/anchor-cpu.ts';
import { VQD_ANCHOR_DEFAULT_SIGMA } from '../../src/pipeline/vqd/options.ts';
import { createVqdNode } from '../../src/pipeline/vqd/vqd-node.ts';
import {
  VQGAN_FILES,
  VQGAN_K_SWEEP,
  parseVqganCandidates,
  prepareVqganCandidate,
  runVqgan,
  scoreVqganClip,
  shippedVqganModels,
  strictlyFalling,
  summariseVqgan,
  vqganMarkdown,
  type VqganClipScore,
  type VqganResult,
} from './vqgan.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'public/models');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'quality-vqgan-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An 8-bit image with levels in 10…245, so ±3 offsets never clip. */
function levels(w: number, h: number, seed: number): ImageF32 {
  const img = createImage(w, h, 3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (10 + ((i * 37 + seed * 101) % 236)) / 255;
  return img;
}

/** `img` with `d[c]` levels added to channel c (not rounded: the scorer must round). */
function offset(img: ImageF32, d: [number, number, number]): ImageF32 {
  const out = { ...img, data: img.data.slice() };
  const plane = img.width * img.height;
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) out.data[c * plane + i] += d[c] / 255;
  return out;
}

/** `img` with ±a levels in a checkerboard, the same sign on every channel of a pixel (RGB PSNR 20·log10(255/a); ΔY = 219a/255). */
function checker(img: ImageF32, a: number): ImageF32 {
  const out = { ...img, data: img.data.slice() };
  for (let i = 0; i < out.data.length; i++) out.data[i] += ((i % 2 ? 1 : -1) * a) / 255;
  return out;
}

describe('strictlyFalling', () => {
  it('accepts only a strict fall at every step', () => {
    expect(strictlyFalling([36, 28.8, 24.8, 23.3, 22.4])).toBe(true);
    expect(strictlyFalling([Infinity, 30])).toBe(true);
    expect(strictlyFalling([36, 28.8, 28.8, 23.3])).toBe(false); // flat step
    expect(strictlyFalling([36, 28.8, 29.1, 23.3])).toBe(false); // a rise
    expect(strictlyFalling([30])).toBe(true);
  });
});

describe('scoreVqganClip', () => {
  const inputs = [levels(16, 8, 1), levels(16, 8, 2)];
  const sweep = (k1: ImageF32[], amp: (k: number) => number) => new Map<number, ImageF32[]>(VQGAN_K_SWEEP.map((k) => [k, k === 1 ? k1 : inputs.map((f) => checker(f, amp(k)))]));

  it('measures a known colour offset after rounding the output to 8 bits', () => {
    // +2.4 / 0 / −2.6 levels round to +2 / 0 / −3: the shift and PSNRs of the rounded output.
    const k1 = inputs.map((f) => offset(f, [2.4, 0, -2.6]));
    const s = scoreVqganClip(inputs, sweep(k1, (k) => k / 10));
    expect(s.shift_rgb_k1[0]).toBeCloseTo(2, 5);
    expect(s.shift_rgb_k1[1]).toBeCloseTo(0, 5);
    expect(s.shift_rgb_k1[2]).toBeCloseTo(-3, 5);
    expect(s.psnr_rgb_k1).toBeCloseTo(10 * Math.log10((255 * 255) / ((4 + 9) / 3)), 3);
    // BT.601 Y (MATLAB rgb2ycbcr): ΔY = (65.481·2 − 24.966·3) / 255 levels everywhere.
    const dY = (65.481 * 2 - 24.966 * 3) / 255;
    expect(s.psnr_y_k1).toBeCloseTo(20 * Math.log10(255 / dY), 3);
    expect(s.psnr_y_vs_k['1']).toBe(s.psnr_y_k1);
    expect(s.frames).toBe(2);
  });

  it('reads the sweep as PSNR-Y per k and flags a flat step as not monotone', () => {
    const k1 = inputs.map((f) => offset(f, [1, 1, 1]));
    const falling = scoreVqganClip(inputs, sweep(k1, (k) => k / 10)); // ±1, 3, 5, 7 levels
    expect(falling.psnr_y_vs_k['30']).toBeCloseTo(20 * Math.log10(255 / ((219 * 3) / 255)), 3);
    expect(falling.monotone).toBe(true);
    const flat = scoreVqganClip(inputs, sweep(k1, (k) => (k === 50 ? 3 : k / 10))); // k 30 and 50 both ±3
    expect(flat.monotone).toBe(false);
  });

  it('refuses a sweep with missing outputs', () => {
    const m = sweep(inputs, (k) => k / 10);
    m.set(30, [inputs[0]]);
    expect(() => scoreVqganClip(inputs, m)).toThrow(/k = 30: 1 output frames for 2/);
  });
});

describe('summariseVqgan and the markdown', () => {
  const clip = (rgb: number, shift: [number, number, number], curve: number[]): VqganClipScore => ({
    frames: 10,
    psnr_rgb_k1: rgb,
    psnr_y_k1: curve[0],
    shift_rgb_k1: shift,
    psnr_y_vs_k: Object.fromEntries(VQGAN_K_SWEEP.map((k, i) => [String(k), curve[i]])),
    monotone: strictlyFalling(curve),
  });
  const byClip = {
    a: clip(37, [0.5, -0.2, 0.1], [40, 30, 26, 24, 22]),
    b: clip(33, [0, 0, -1.5], [35, 29, 25, 25.5, 23]), // one rise
    c: clip(36, [1.2, 0, 0], [38, 31, 27, 24.5, 23.5]),
  };

  it('means, worst clip by k = 1 RGB PSNR, signed largest shift, monotone mean curve, verdict', () => {
    const s = summariseVqgan(byClip);
    expect(s.psnr_rgb_k1).toBeCloseTo(106 / 3, 10);
    expect(s.worst).toEqual({ clip: 'b', psnr_rgb_k1: 33 });
    expect(s.max_abs_shift).toEqual({ levels: -1.5, clip: 'b', channel: 'B' });
    expect(s.shift_rgb_k1[0]).toBeCloseTo(1.7 / 3, 10);
    expect(s.psnr_y_vs_k['50']).toBeCloseTo(74 / 3, 10);
    expect(s.monotone).toBe(true); // the mean curve falls although clip b does not
    expect(s.clips_monotone).toBe(2);
    expect(s.clips_below_target).toBe(1);
    expect(s.pass_k1).toBe(true); // 35.33 ≥ 35
    expect(s.pass).toBe(true);
    const strict = summariseVqgan(byClip, VQGAN_K_SWEEP, 36);
    expect(strict.pass_k1).toBe(false);
    expect(strict.pass).toBe(false);
  });

  it('states the verdict per degrader and the error of one that did not run', () => {
    const r: VqganResult = {
      target_db: 36,
      k_sweep: [...VQGAN_K_SWEEP],
      definitions: { input: 'in', run: 'run' },
      models: [
        { id: 'vqgan', kind: 'shipped', source: 's', runs: 150, seconds: 1, summary: summariseVqgan(byClip, VQGAN_K_SWEEP, 36), per_clip: byClip },
        { id: 'broken', kind: 'candidate', source: 'x', runs: 0, seconds: 0, error: 'x has no vqgan.codebook.bin' },
      ],
    };
    const md = vqganMarkdown(r, ['a', 'b', 'c']);
    expect(md).toMatch(/\| vqgan \(shipped\) \| 35\.33 \|.*\*\*FAIL\*\*: k = 1 35\.33 < 36 dB, monotone \|/);
    expect(md).toContain('| broken (candidate) | n/a: x has no vqgan.codebook.bin |');
    expect(md).toContain('| b | 33.00 · 1.50 B · 35.00 / 29.00 / 25.00 / 25.50 / 23.00 ✗ |');
  });
});

describe('candidates', () => {
  it('parses QUALITY_VQGAN_CANDIDATES and refuses taken names and bad items', () => {
    expect(parseVqganCandidates(' mix=training/runs/export_vqgan_mix , b=/abs/dir', ['vqgan'])).toEqual([
      { name: 'mix', dir: 'training/runs/export_vqgan_mix' },
      { name: 'b', dir: '/abs/dir' },
    ]);
    expect(parseVqganCandidates(undefined, [])).toEqual([]);
    expect(() => parseVqganCandidates('vqgan=dir', ['vqgan'])).toThrow(/taken/);
    expect(() => parseVqganCandidates('a=x,a=y', [])).toThrow(/taken/);
    expect(() => parseVqganCandidates('just-a-dir', [])).toThrow(/name=path/);
  });

  it('an export folder scores exactly like the same files shipped, and is only read', async () => {
    const [shipped] = shippedVqganModels(MODELS);
    expect(shipped.id).toBe('vqgan');
    const exportDir = path.join(tmp, 'export');
    mkdirSync(exportDir);
    for (const f of Object.values(VQGAN_FILES)) copyFileSync(path.join(MODELS, f), path.join(exportDir, f));
    copyFileSync(path.join(ROOT, 'training/summaries/vqgan.json'), path.join(exportDir, 'vqgan_summary.json'));
    const before = readdirSync(exportDir).sort();

    const workDir = path.join(tmp, 'work');
    const cand = await prepareVqganCandidate({ name: 'cand', dir: exportDir }, workDir);
    expect(cand.sha256).toEqual(shipped.sha256);
    expect(cand.params).toBe(shipped.params);
    const manifest = JSON.parse(readFileSync(path.join(cand.modelsDir, 'manifest.json'), 'utf8')) as { models: Record<string, { config: unknown }> };
    expect(manifest.models.cand.config).toMatchObject({ n_codes: 1024, n_z: 256 }); // n_z read from the encoder ONNX
    expect(readdirSync(exportDir).sort()).toEqual(before);

    // Two 32×24 crops of the fixture clip as one "clip"; plus a candidate folder missing a file.
    const frames = [0, 1].map((i) => crop(decodePng(readFileSync(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`))), 32, 24));
    const clip = { name: 'fixture' } as EvalClip;
    const r = await runVqgan({ modelsDir: MODELS, workDir, clips: [clip], frames: new Map([['fixture', frames]]), candidates: `cand=${exportDir},empty=${tmp}`, log: () => {} });
    const byId = Object.fromEntries(r.models.map((m) => [m.id, m]));
    expect(byId.empty.error).toMatch(/has no vqgan\.encoder\.onnx, vqgan\.decoder\.onnx, vqgan\.codebook\.bin/);
    expect(byId.vqgan.error).toBeUndefined();
    expect(byId.vqgan.runs).toBe(2 * VQGAN_K_SWEEP.length);
    expect(byId.cand.per_clip).toEqual(byId.vqgan.per_clip);
    // The VQD stage's output beside each degrader: the same outputs through the colour anchor at the default σ.
    const anchored = byId[`vqgan + anchor σ ${VQD_ANCHOR_DEFAULT_SIGMA}`];
    expect(anchored.anchor_sigma).toBe(VQD_ANCHOR_DEFAULT_SIGMA);
    const vqd = await createVqdNode({ threads: 1 });
    const byK = new Map<number, ImageF32[]>();
    for (const k of VQGAN_K_SWEEP) byK.set(k, await Promise.all(frames.map(async (f) => anchorCpu(f, await vqd.run(f, { kTop: 1, kMid: 1, kBot: k }), VQD_ANCHOR_DEFAULT_SIGMA))));
    expect(anchored.per_clip!.fixture).toEqual(scoreVqganClip(frames, byK));
    expect(anchored.per_clip).not.toEqual(byId.vqgan.per_clip);
    // A real reconstruction, not a blank or a copy: finite and well above noise.
    const s = byId.vqgan.summary!;
    expect(s.psnr_rgb_k1).toBeGreaterThan(15);
    expect(s.psnr_rgb_k1).toBeLessThan(Infinity);
  }, 120_000);
});

function crop(f: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) out.data.set(f.data.subarray((c * f.height + y) * f.width, (c * f.height + y) * f.width + w), (c * h + y) * w);
  return out;
}
