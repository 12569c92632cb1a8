/**
 * The quality benchmark's parts on real inputs (the e2e fixture clip, the shipped VSR model), cheap
 * enough for `npm test`; the full benchmark (minutes) is `npm run bench quality`, not run here.
 * Needs Debian's ffmpeg (as the rest of `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../src/cli/png.ts';
import { psnrRgb } from '../../src/metrics/psnr.ts';
import { describeParams, paperCondition, paperKey, webCondition, writeFrames } from './conditions.ts';
import { loadEvalSet, pixelDigest, readFrames } from './evalset.ts';
import { ensembleColumns, modelArg, parseCandidates, prepareCandidate, runUpscaleCli, shippedVsrModels, upscaleInterp } from './methods.ts';
import { optionsFromEnv } from './run.ts';
import { quantizeImage, type ImageF32 } from '../../src/core/image.ts';
import { ensembleSequence } from '../../src/pipeline/vsr/self-ensemble.ts';
import { upscaleClipCpu } from '../../src/pipeline/vsr/vsr-cpu.ts';
import { createVsrNode } from '../../src/pipeline/vsr/vsr-node.ts';
import { summarise, type ClipScore } from './score.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'e2e/fixtures/clip-64x48');
const clip = (n = 8): ImageF32[] => Array.from({ length: n }, (_, i) => decodePng(readFileSync(path.join(FIXTURE, `src-${String(i).padStart(2, '0')}.png`))));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'quality-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function crop(f: ImageF32, w: number, h: number): ImageF32 {
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) data.set(f.data.subarray((c * f.height + y) * f.width, (c * f.height + y) * f.width + w), (c * h + y) * w);
  return { width: w, height: h, channels: 3, data };
}
const isEightBit = (f: ImageF32) => f.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4);

describe('web condition (x264 crf 28 yuv420p round trip, native ffmpeg)', () => {
  it('keeps frame count and size, changes the pixels by a codec’s amount, and is deterministic', async () => {
    const src = clip();
    const a = await webCondition(src);
    const b = await webCondition(src);
    expect(a.length).toBe(src.length);
    expect([a[0].width, a[0].height]).toEqual([64, 48]);
    // Measured 25.7 dB mean RGB PSNR on this small, detailed clip (x264 crf 28, 4:2:0 chroma);
    // bounds 22–40 dB. Identity (no codec) would be +Infinity, a broken decode far below 20.
    const p = a.reduce((s, f, i) => s + psnrRgb(f, src[i]), 0) / a.length;
    expect(p).toBeGreaterThan(22);
    expect(p).toBeLessThan(40);
    a.forEach((f, i) => expect(f.data).toEqual(b[i].data));
  });
});

describe('paper condition (vqdsr degrade --batch --random, seeded per clip)', () => {
  it('writes ×1/4 frames with the params of the seed, and reuses them while nothing changed', () => {
    const hrDir = path.join(tmp, 'hr');
    writeFrames(hrDir, clip(3));
    const jobs = [{ name: 'c', hrDir, outDir: path.join(tmp, 'paper', 'c'), seed: 4_000_123, frames: 3 }];
    const logs: string[] = [];
    const first = paperCondition(ROOT, path.join(tmp, 'paper'), jobs, 'set-a', (s) => logs.push(s));
    expect(first.reused).toBe(false);
    const lr = readFrames(jobs[0].outDir);
    expect(lr.map((f) => [f.width, f.height])).toEqual([[16, 12], [16, 12], [16, 12]]);
    expect(first.params.c.seed).toBeTypeOf('number');
    expect(describeParams(first.params.c)).toMatch(/×1\/4/);
    const again = paperCondition(ROOT, path.join(tmp, 'paper'), jobs, 'set-a', () => {});
    expect(again.reused).toBe(true);
    expect(again.params).toEqual(first.params);
    // Another seed or another set is another key.
    expect(paperKey(ROOT, [{ ...jobs[0], seed: 4_000_124 }], 'set-a')).not.toBe(paperKey(ROOT, jobs, 'set-a'));
    expect(paperKey(ROOT, jobs, 'set-b')).not.toBe(paperKey(ROOT, jobs, 'set-a'));
  }, 300_000);
});

describe('interpolation columns', () => {
  it('bicubic and Lanczos give 8-bit ×4 frames that differ from each other', () => {
    const src = clip(2);
    const bic = upscaleInterp(src, 'cubic');
    const lan = upscaleInterp(src, 'lanczos3');
    expect([bic[0].width, bic[0].height]).toEqual([256, 192]);
    expect(isEightBit(bic[0]) && isEightBit(lan[1])).toBe(true);
    const p = psnrRgb(bic[0], lan[0]);
    expect(p).toBeGreaterThan(35); // close relatives …
    expect(p).toBeLessThan(Infinity); // … but not the same kernel
  });
});

describe('VSR columns through `vqdsr upscale`', () => {
  it('a candidate file scores exactly like the same file shipped (state width read from the ONNX)', async () => {
    const shipped = shippedVsrModels(path.join(ROOT, 'public/models')).find((m) => m.id === 'vsr')!;
    const cand = await prepareCandidate({ name: 'cand', file: path.join(ROOT, 'public/models', shipped.file) }, tmp);
    expect(cand.stateChannels).toBe(shipped.stateChannels);
    expect(cand.sha256).toBe(shipped.sha256);
    // 3 frames cut to 32×24 (LR): small, as the columns only have to agree, not to be measured here.
    const lrDir = path.join(tmp, 'lr');
    writeFrames(lrDir, clip(3).map((f) => crop(f, 32, 24)));
    await runUpscaleCli(shipped, lrDir, path.join(tmp, 'out-shipped'));
    await runUpscaleCli(cand, lrDir, path.join(tmp, 'out-cand'));
    const a = readFrames(path.join(tmp, 'out-shipped'));
    const b = readFrames(path.join(tmp, 'out-cand'));
    expect(a.length).toBe(3);
    expect([a[0].width, a[0].height]).toEqual([128, 96]);
    a.forEach((f, i) => expect(f.data).toEqual(b[i].data));
  }, 300_000);

  it('a self-ensemble column (QUALITY_ENSEMBLE) runs `--ensemble n` on the same model: the ensemble sequence\'s frames, not the plain ones', async () => {
    const shipped = shippedVsrModels(path.join(ROOT, 'public/models'));
    const columns = ensembleColumns(shipped, [4, 8]);
    expect(columns.map((m) => [m.id, modelArg(m), m.ensemble])).toEqual(
      [4, 8].flatMap((n) => shipped.filter((m) => m.kind === 'shipped').map((m) => [`${m.id}+e${n}`, m.id, n])));
    const e4 = columns.find((m) => m.id === 'vsr+e4')!;
    const frames = clip(3).map((f) => crop(f, 32, 24));
    const lrDir = path.join(tmp, 'lr-e4');
    writeFrames(lrDir, frames);
    await runUpscaleCli(e4, lrDir, path.join(tmp, 'out-e4'));
    const got = readFrames(path.join(tmp, 'out-e4'));
    const vsr = await createVsrNode({ modelId: 'vsr', threads: 1 });
    const want: ImageF32[] = [];
    for await (const o of upscaleClipCpu(ensembleSequence((w, h) => vsr.sequence(w, h), 32, 24, 4), readFrames(lrDir))) want.push(quantizeImage(o));
    expect(got.length).toBe(3);
    got.forEach((f, i) => expect(f.data).toEqual(want[i].data));
    const plain: ImageF32[] = [];
    for await (const o of upscaleClipCpu(vsr.sequence(32, 24), readFrames(lrDir))) plain.push(quantizeImage(o));
    expect(got[1].data).not.toEqual(plain[1].data);
    const old = process.env.QUALITY_ENSEMBLE;
    try {
      process.env.QUALITY_ENSEMBLE = '4, 8';
      expect(optionsFromEnv(ROOT).ensembles).toEqual([4, 8]);
      process.env.QUALITY_ENSEMBLE = '3';
      expect(() => optionsFromEnv(ROOT)).toThrow(/QUALITY_ENSEMBLE: 3 is not 2, 4 or 8/);
    } finally {
      if (old === undefined) delete process.env.QUALITY_ENSEMBLE;
      else process.env.QUALITY_ENSEMBLE = old;
    }
  }, 300_000);

  it('parses QUALITY_CANDIDATES and refuses taken names and bad items', () => {
    expect(parseCandidates('a=x/y.step.onnx, b2=/abs/z.onnx@48', ['vsr'])).toEqual([
      { name: 'a', file: 'x/y.step.onnx', stateChannels: undefined },
      { name: 'b2', file: '/abs/z.onnx', stateChannels: 48 },
    ]);
    expect(parseCandidates(undefined, [])).toEqual([]);
    expect(() => parseCandidates('vsr=x.onnx', ['vsr'])).toThrow(/taken/);
    expect(() => parseCandidates('a=x.onnx,a=y.onnx', [])).toThrow(/taken/);
    expect(() => parseCandidates('just-a-path.onnx', [])).toThrow(/name=path/);
  });
});

describe('peer cache key', () => {
  it('is the same for the same pixels and changes with one level of one pixel', () => {
    const [f] = clip(1);
    const g = { ...f, data: f.data.slice() };
    expect(pixelDigest(g)).toBe(pixelDigest(f));
    g.data[100] = Math.round(g.data[100] * 255 + (g.data[100] < 0.5 ? 1 : -1)) / 255;
    expect(pixelDigest(g)).not.toBe(pixelDigest(f));
  });
});

describe('evaluation set identity (pixel digests)', () => {
  const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
  /** A one-clip set as make_eval_set.py writes it (version 2): frame files, file sums, pixel sums. */
  function writeSet(dir: string, frames: ImageF32[]): { files: string[]; meta: Record<string, unknown> } {
    const entry: Record<string, unknown> = { name: '00-test-64x48', kind: 'test', seed: 4_000_000, width: 64, height: 48, lr_width: 16, lr_height: 12, frames: frames.length };
    const files: string[] = [];
    const pixels = createHash('sha256');
    for (const sub of ['hr', 'clean']) {
      mkdirSync(path.join(dir, '00-test-64x48', sub), { recursive: true });
      const sums: string[] = [];
      const pixelSums: string[] = [];
      frames.forEach((f, i) => {
        const file = path.join(dir, '00-test-64x48', sub, `${String(i).padStart(5, '0')}.png`);
        const bytes = encodePng(f);
        writeFileSync(file, bytes);
        files.push(file);
        sums.push(sha(bytes));
        pixelSums.push(pixelDigest(f));
      });
      entry[`${sub}_sha256`] = sums;
      entry[`${sub}_pixels_sha256`] = pixelSums;
      pixelSums.forEach((p) => pixels.update(p));
    }
    const meta = { version: 2, maker: 'test', scale: 4, frames_per_clip: frames.length, split: 'test', clean: 'test', set_sha256: 'files', pixels_sha256: pixels.digest('hex'), clips: [entry] };
    writeFileSync(path.join(dir, 'set.json'), JSON.stringify(meta));
    return { files, meta };
  }

  it('matches make_eval_set.py\'s pixel_digest on the same PNG (Python/Pillow vs the CLI\'s decoder)', () => {
    const [f] = clip(1);
    const file = path.join(tmp, 'digest.png');
    writeFileSync(file, encodePng(f));
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); from PIL import Image; from make_eval_set import pixel_digest; print(pixel_digest(Image.open(sys.argv[2])))', path.join(ROOT, 'training'), file], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    expect(py.stdout.trim()).toBe(pixelDigest(decodePng(readFileSync(file))));
  });

  it('loads a set whose frames match, quotes its pixel digest, and refuses one frame changed by one level', () => {
    const dir = path.join(tmp, 'set-ok');
    const frames = clip(2);
    const { meta } = writeSet(dir, frames);
    const set = loadEvalSet(dir);
    expect(set.pixelsSha256).toBe(meta.pixels_sha256);
    expect(set.clips.map((c) => c.name)).toEqual(['00-test-64x48']);

    // One level of one pixel, the file sums updated as an edit would leave them: the pixel check catches it.
    const bad = path.join(tmp, 'set-bad');
    writeSet(bad, frames);
    const g = { ...frames[1], data: frames[1].data.slice() };
    g.data[7] = Math.round(g.data[7] * 255 + (g.data[7] < 0.5 ? 1 : -1)) / 255;
    const file = path.join(bad, '00-test-64x48', 'clean', '00001.png');
    writeFileSync(file, encodePng(g));
    const json = JSON.parse(readFileSync(path.join(bad, 'set.json'), 'utf8')) as { clips: { clean_sha256: string[] }[] };
    json.clips[0].clean_sha256[1] = sha(readFileSync(file));
    writeFileSync(path.join(bad, 'set.json'), JSON.stringify(json));
    expect(() => loadEvalSet(bad)).toThrow(/00001\.png: its pixels do not match set\.json/);
  });
});

describe('summaries', () => {
  const s = (psnr: number, shift: [number, number, number] = [0, 0, 0]): ClipScore => ({ psnr_y: psnr, ssim_y: 0.9, shift_rgb: shift, flicker_y: 1, psnr_y_frames: [psnr] });
  it('mean gain over bicubic, worst clip by gain, clips below bicubic by more than 0.2 dB, largest |shift|', () => {
    const sum = summarise({
      bicubic: { a: s(30), b: s(20), c: s(25) },
      net: { a: s(31, [0.5, -0.2, 0]), b: s(22), c: s(24.7, [0, 0, -3]) },
    });
    expect(sum.net.gain_db).toBeCloseTo((1 + 2 - 0.3) / 3, 12);
    expect(sum.net.worst.clip).toBe('c');
    expect(sum.net.worst.gain_db).toBeCloseTo(-0.3, 12);
    expect(sum.net.worst.psnr_y).toBe(24.7);
    expect(sum.net.clips_below_bicubic).toBe(1);
    expect(sum.net.max_abs_shift).toEqual({ levels: -3, clip: 'c', channel: 'B' });
    expect(sum.bicubic.worst.clip).toBe('b'); // bicubic's own worst: lowest PSNR
    expect(sum.bicubic.gain_db).toBe(0);
  });
});
