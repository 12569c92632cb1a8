import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImageF32 } from '../core/image.ts';
import { quantizeImage } from '../core/pixels.ts';
import { readPng } from '../media/png.ts';
import { findNativeFfmpeg, getFfmpeg } from '../media/ffmpeg-node.ts';
import { blurCpu } from './blur/blur-cpu.ts';
import { blurKernel } from './blur/kernel.ts';
import { noiseCpu } from './noise/noise-cpu.ts';
import { ParamsError, defaultPipelineParams, type PipelineParams } from './params.ts';
import { resizeCpu } from './resize/resize-cpu.ts';
import { DegradeSetupError, degradeClipCpu, degradeFramesCpu } from './run-cpu.ts';
import { createVqdNode } from './vqd/vqd-node.ts';
import { anchorCpu } from './vqd/anchor-cpu.ts';

const FIX = path.resolve(import.meta.dirname, '../../e2e/fixtures');
const clip: ImageF32[] = readdirSync(path.join(FIX, 'clip-64x48'))
  .filter((f) => f.startsWith('src-'))
  .sort()
  .slice(0, 5)
  .map((f) => readPng(path.join(FIX, 'clip-64x48', f)));

function params(patch: (p: PipelineParams) => void): PipelineParams {
  const p = defaultPipelineParams();
  p.blur = { kind: 'aniso', sigmaX: 2.2, sigmaY: 1.1, theta: 0.6, beta: 1, size: 21 };
  p.noise = { kind: 'gaussian', sigma: 8, gray: false, scale: 1 };
  p.down = { factor: 4, method: 'bicubic' };
  p.vqd.enabled = false;
  p.compress.codec = 'none';
  p.seed = 1234;
  patch(p);
  return p;
}

/** The paper's order, composed by hand from the stage references. */
function byHand(img: ImageF32, index: number, p: PipelineParams): ImageF32 {
  const b = blurCpu(img, blurKernel(p.blur), p.blur.size);
  const n = noiseCpu(b, p.noise, p.seed, index);
  const d = resizeCpu(n, Math.round(img.width / p.down.factor), Math.round(img.height / p.down.factor), p.down.method);
  return quantizeImage(d);
}

const bytes = (f: ImageF32) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);

function psnr(a: ImageF32[], b: ImageF32[]): number {
  let se = 0;
  let n = 0;
  a.forEach((fa, i) => {
    for (let j = 0; j < fa.data.length; j++) {
      const d = (fa.data[j] - b[i].data[j]) * 255;
      se += d * d;
      n++;
    }
  });
  return 10 * Math.log10((255 * 255) / (se / n));
}

describe('degradeFramesCpu without codec', () => {
  it('is Blur → Noise(seed, frame) → Down → Quantise, bit for bit, on real frames', async () => {
    const p = params(() => {});
    const { frames, stats } = await degradeClipCpu(clip, p);
    expect(frames.length).toBe(clip.length);
    expect(stats.frames).toBe(clip.length);
    expect(stats.encodedBytes).toBeNull();
    frames.forEach((f, i) => {
      expect([f.width, f.height]).toEqual([16, 12]);
      expect(bytes(f).equals(bytes(byHand(clip[i], i, p)))).toBe(true);
      // Quantised: every sample is on the uint8 grid.
      for (const v of f.data) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
    });
  });

  it('noise is keyed by (seed, frame index): same frame twice differs, same seed repeats, other seed differs', async () => {
    const p = params((q) => (q.down.factor = 1));
    const twice = [clip[0], clip[0]];
    const a = (await degradeClipCpu(twice, p)).frames;
    const b = (await degradeClipCpu(twice, p)).frames;
    const c = (await degradeClipCpu(twice, { ...p, seed: 99 })).frames;
    expect(bytes(a[0]).equals(bytes(a[1]))).toBe(false);
    expect(bytes(a[0]).equals(bytes(b[0])) && bytes(a[1]).equals(bytes(b[1]))).toBe(true);
    expect(bytes(a[0]).equals(bytes(c[0]))).toBe(false);
    const quiet = await degradeClipCpu(twice, params((q) => ((q.noise.kind = 'none'), (q.down.factor = 1))));
    expect(bytes(quiet.frames[0]).equals(bytes(quiet.frames[1]))).toBe(true);
  });

  it('takes an async source and streams (one frame out per frame in)', async () => {
    let pulled = 0;
    async function* source() {
      for (const f of clip) {
        pulled++;
        yield f;
      }
    }
    const run = degradeFramesCpu(source(), params(() => {}));
    let seen = 0;
    for await (const f of run.frames) {
      seen++;
      expect(pulled).toBe(seen); // nothing read ahead
      expect(f.width).toBe(16);
    }
    expect((await run.stats).frames).toBe(clip.length);
  });

  it('refuses bad params and missing dependencies before touching a frame', () => {
    const bad = params((q) => (q.blur.sigmaX = -1));
    expect(() => degradeFramesCpu(clip, bad)).toThrow(ParamsError);
    expect(() => degradeFramesCpu(clip, params((q) => (q.vqd.enabled = true)))).toThrow(DegradeSetupError);
    expect(() => degradeFramesCpu(clip, params((q) => (q.compress.codec = 'libx264')))).toThrow(/no FFmpeg round trip/);
  });
});

describe.skipIf(!findNativeFfmpeg())('degradeFramesCpu with libx264', () => {
  it('decodes every frame at the LR size; crf 35 has a lower PSNR (vs the uncompressed result) than crf 18', async () => {
    const ff = await getFfmpeg();
    const roundTrip = ff.roundTrip.bind(ff);
    const base = params((q) => ((q.down.factor = 1), (q.noise.sigma = 2)));
    const clean = (await degradeClipCpu(clip, base)).frames;
    const at = async (crf: number) =>
      degradeClipCpu(clip, { ...base, compress: { ...base.compress, codec: 'libx264', crf } }, { roundTrip });
    const lo = await at(18);
    const hi = await at(35);
    expect(lo.frames.map((f) => `${f.width}x${f.height}`)).toEqual(clip.map(() => '64x48'));
    expect(lo.stats.encodedBytes).toBeGreaterThan(hi.stats.encodedBytes!);
    const p18 = psnr(clean, lo.frames);
    const p35 = psnr(clean, hi.frames);
    // Measured here: 35.2 dB at crf 18 (908 bytes), 27.5 dB at crf 35 (279 bytes).
    expect(p18).toBeGreaterThan(p35 + 3);
  });
});

describe('degradeFramesCpu with VQD', () => {
  it('runs VQD and its colour anchor on the LR frame between Down and Quantise, with the clip-wide k', async () => {
    const vqd = await createVqdNode({ threads: 1 });
    const p = params((q) => ((q.down.factor = 2), (q.vqd = { enabled: true, mode: 'fixed', kTop: 1, kMid: 4, kBot: 20, seed: 0, anchorSigma: 2.5 })));
    const { frames, stats } = await degradeClipCpu(clip.slice(0, 2), p, { vqd });
    for (let i = 0; i < 2; i++) {
      const b = blurCpu(clip[i], blurKernel(p.blur), 21);
      const n = noiseCpu(b, p.noise, p.seed, i);
      const d = resizeCpu(n, 32, 24, 'bicubic');
      const v = anchorCpu(d, await vqd.run(d, { kTop: 1, kMid: 4, kBot: 20 }), 2.5);
      expect(bytes(frames[i]).equals(bytes(quantizeImage(v)))).toBe(true);
    }
    expect(stats.stageMs.vqd).toBeGreaterThan(0);
    expect(() => degradeFramesCpu(clip, { ...p, modelId: 'other' }, { vqd })).toThrow(/modelId is 'other' but the VQD runner has 'vqgan'/);
  });
});
