import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageF32 } from '../core/image.ts';
import { quantize01 } from '../core/pixels.ts';
import { findNativeFfmpeg } from '../media/ffmpeg-node.ts';
import { readPng } from '../media/png.ts';
import { resizeCpu } from '../pipeline/resize/resize-cpu.ts';
import { upscaleClipCpu } from '../pipeline/vsr/vsr-cpu.ts';
import { createVsrNode } from '../pipeline/vsr/vsr-node.ts';
import { main, type CliIo } from './main.ts';

// `vqdsr upscale --scale/--fit` and `vqdsr enhance` (issue 14.2, 14.3), on the narrow test models
// (e2e/fixtures/models: the shipped contract, width 8) so the runs take seconds.
const ROOT = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(ROOT, 'e2e/fixtures/models');
const CLIP = path.join(ROOT, 'e2e/fixtures/clip-32x32'); // 3 real frames, 32×32
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-outsize-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ffmpeg = findNativeFfmpeg();
const haveFfprobe = spawnSync('ffprobe', ['-version']).status === 0;

function capture(): CliIo & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t) => out.push(t), err: (t) => err.push(t), outText: () => out.join('\n'), errText: () => err.join('\n') };
}

const frames = () => [0, 1, 2].map((i) => readPng(path.join(CLIP, `frame-${i}.png`)));

/** The runner on the test model, straight (no CLI): ×4 of `lr` frames. */
async function netX4(lr: ImageF32[]): Promise<ImageF32[]> {
  const vsr = await createVsrNode({ modelsDir: MODELS, threads: 1 });
  const out: ImageF32[] = [];
  for await (const f of upscaleClipCpu(vsr.sequence(lr[0].width, lr[0].height), lr)) out.push(f);
  return out;
}

/** Largest difference in 8-bit levels between written PNG frames and float frames quantised. */
function levelsOff(dir: string, want: ImageF32[]): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  expect(files.length).toBe(want.length);
  let worst = 0;
  files.forEach((f, t) => {
    const got = readPng(path.join(dir, f));
    expect([got.width, got.height]).toEqual([want[t].width, want[t].height]);
    for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(Math.round(got.data[i] * 255) - quantize01(want[t].data[i])));
  });
  return worst;
}

describe('vqdsr upscale --scale / --fit and vqdsr enhance: arguments', () => {
  it('refuses bad sizes with exit 2 and a message', async () => {
    const out = path.join(tmp, 'never');
    const cases: [string[], RegExp][] = [
      [['upscale', CLIP, out, '--scale', '5'], /--scale must be 2, 3 or 4 \(got "5"\)/],
      [['upscale', CLIP, out, '--scale', '1.5'], /--scale must be 2, 3 or 4/],
      [['upscale', CLIP, out, '--fit', '480p'], /--fit must be one of 720p, 1080p, 1440p, 2160p/],
      [['upscale', CLIP, out, '--scale', '2', '--fit', '720p'], /give --scale or --fit, not both/],
      [['enhance', CLIP, out, '--scale', '2'], /enhance keeps the input’s own size: it takes no --scale or --fit/],
      [['enhance', CLIP], /enhance needs <input> and <output>/],
      [['enhance', CLIP, out, '--bogus'], /Unknown option '--bogus'[\s\S]*vqdsr help enhance/],
    ];
    for (const [args, msg] of cases) {
      const io = capture();
      expect(await main([...args, '--models', MODELS], io), args.join(' ')).toBe(2);
      expect(io.errText()).toMatch(msg);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('help lists enhance and its options', async () => {
    const io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.outText()).toMatch(/enhance +restore a clip or image at its own size/);
    const io2 = capture();
    expect(await main(['help', 'upscale'], io2)).toBe(0);
    expect(io2.outText()).toMatch(/--scale <n>[\s\S]*--fit <box>/);
    const io3 = capture();
    expect(await main(['enhance', '--help'], io3)).toBe(0);
    expect(io3.outText()).toMatch(/vqdsr enhance <input> <output>/);
  });

  it('the size guard names only sizes that this input can have (issue 15.1’s guard, kept truthful)', async () => {
    // real PNGs whose IHDR claims a large size: the guard answers from the header, before decoding
    const png = readFileSync(path.join(ROOT, 'e2e/fixtures/frame-96x64.png'));
    const withSize = (w: number, h: number) => {
      const b = Buffer.from(png);
      b.writeUInt32BE(w, 16);
      b.writeUInt32BE(h, 20);
      const f = path.join(tmp, `claims-${w}x${h}.png`);
      writeFileSync(f, b);
      return f;
    };
    const uhd = withSize(3840, 2160);
    const io = capture();
    expect(await main(['upscale', uhd, path.join(tmp, 'uhd-x4.png'), '--models', MODELS], io)).toBe(2);
    // ×4 is over the limit; ×2 is not (the net then runs on a 1920×1080 copy), ×3 is (11520×6480)
    expect(io.errText()).toMatch(/a 3840×2160 input gives a 15360×8640 output .*Downscale the input to at most 2728×1536 first.*or ask for a size this input can have: --scale 2, `vqdsr enhance`\.$/s);
    // and ×2 really is accepted: it gets past the guard to the (fake) pixel data
    const io2 = capture();
    expect(await main(['upscale', uhd, path.join(tmp, 'uhd-x2.png'), '--scale', '2', '--models', MODELS], io2)).toBe(2);
    expect(io2.errText()).not.toMatch(/over the limit/);
    const io3 = capture();
    expect(await main(['upscale', uhd, path.join(tmp, 'uhd-x3.png'), '--scale', '3', '--models', MODELS], io3)).toBe(2);
    expect(io3.errText()).toMatch(/×3 of a 3840×2160 input is 11520×6480, over the limit.*--scale 2, `vqdsr enhance`/s);

    const eightK = withSize(7680, 4320);
    const io4 = capture();
    expect(await main(['upscale', eightK, path.join(tmp, '8k-x2.png'), '--scale', '2', '--models', MODELS], io4)).toBe(2);
    expect(io4.errText()).toMatch(/15360×8640, over the limit.*or ask for a size this input can have: `vqdsr enhance`\.$/s);
    const io5 = capture();
    expect(await main(['upscale', eightK, path.join(tmp, '8k.png'), '--fit', '2160p', '--models', MODELS], io5)).toBe(2);
    expect(io5.errText()).toMatch(/fit 2160p \(3840×2160\): a 7680×4320 input already fills the fit 2160p \(3840×2160\) box.*use enhance/);
  }, 60_000);
});

describe('vqdsr upscale --scale / --fit and vqdsr enhance on the 3-frame 32×32 clip', () => {
  it('--scale 2 and --scale 3: the net’s ×4 shrunk with Lanczos-3, frame for frame', async () => {
    const x4 = await netX4(frames());
    for (const n of [2, 3]) {
      const out = path.join(tmp, `x${n}`);
      const io = capture();
      expect(await main(['upscale', CLIP, out, '--scale', String(n), '--models', MODELS, '--threads', '1'], io), io.errText()).toBe(0);
      const want = x4.map((f) => resizeCpu(f, 32 * n, 32 * n, 'lanczos3'));
      expect(levelsOff(out, want), `×${n}`).toBe(0);
      expect(io.errText()).toMatch(new RegExp(`3 frames ${32 * n}×${32 * n}`));
      expect(io.errText()).toMatch(new RegExp(`output size: 32×32 → ${32 * n}×${32 * n}: net ×4 to 128×128, Lanczos-3 to ${32 * n}×${32 * n}`));
    }
  }, 120_000);

  it('enhance: ×1/4 with Lanczos-3, the net’s ×4 back to exactly 32×32', async () => {
    const small = frames().map((f) => resizeCpu(f, 8, 8, 'lanczos3'));
    const want = await netX4(small);
    const out = path.join(tmp, 'enhanced');
    const io = capture();
    expect(await main(['enhance', CLIP, out, '--models', MODELS, '--threads', '1'], io), io.errText()).toBe(0);
    expect(levelsOff(out, want)).toBe(0);
    expect(io.errText()).toMatch(/3 frames 32×32/);
    expect(io.errText()).toMatch(/enhance: 32×32 → 32×32: Lanczos-3 to 8×8, net ×4 to 32×32/);
  }, 120_000);

  it.skipIf(!ffmpeg || !haveFfprobe)('--fit 720p writes a 960×720 MP4 from a 64×48 clip; enhance an MP4 of the clip’s own size', async () => {
    const src = path.join(ROOT, 'e2e/fixtures/clip-64x48.mp4');
    const probe = (file: string) => {
      const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return (JSON.parse(r.stdout) as { streams: { width: number; height: number; nb_read_frames: string }[] }).streams[0];
    };
    const fit = path.join(tmp, 'fit.mp4');
    const io = capture();
    expect(await main(['upscale', src, fit, '--fit', '720p', '--frames', '0:2', '--preset', 'ultrafast', '--models', MODELS, '--quiet'], io), io.errText()).toBe(0);
    expect(probe(fit)).toMatchObject({ width: 960, height: 720, nb_read_frames: '2' });
    const enh = path.join(tmp, 'enhanced.mp4');
    const io2 = capture();
    expect(await main(['enhance', src, enh, '--frames', '0:2', '--preset', 'ultrafast', '--models', MODELS, '--quiet'], io2), io2.errText()).toBe(0);
    expect(probe(enh)).toMatchObject({ width: 64, height: 48, nb_read_frames: '2' });
  }, 120_000);
});
