import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../core/image.ts';
import { readPng } from './png.ts';
import { findNativeFfmpeg, getFfmpeg, parseVideoSize, type CodecOptions, type FfmpegNode } from './ffmpeg-node.ts';

const FIX = path.resolve(import.meta.dirname, '../../e2e/fixtures');
const clip: ImageF32[] = readdirSync(path.join(FIX, 'clip-64x48'))
  .filter((f) => f.startsWith('src-'))
  .sort()
  .map((f) => readPng(path.join(FIX, 'clip-64x48', f)));

/** RGB PSNR over the whole clip, on the uint8 grid (peak 1). */
function psnr(a: ImageF32[], b: ImageF32[]): number {
  let se = 0;
  let n = 0;
  a.forEach((fa, i) => {
    for (let j = 0; j < fa.data.length; j++) {
      const d = Math.round(fa.data[j] * 255) - Math.round(b[i].data[j] * 255);
      se += d * d;
      n++;
    }
  });
  return 10 * Math.log10((255 * 255) / (se / n));
}

async function collect(ff: FfmpegNode, frames: ImageF32[], s: CodecOptions) {
  const rt = ff.roundTrip(frames, s);
  const out: ImageF32[] = [];
  for await (const f of rt.frames) out.push(f);
  return { out, stats: await rt.stats };
}

const x264 = (crf: number, profile: CodecOptions['profile'] = 'high'): CodecOptions => ({ codec: 'libx264', crf, qscale: 2, profile, fps: 25 });

describe('parseVideoSize', () => {
  it('reads the size of the first video stream, not the codec tag', () => {
    const log = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':",
      '  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo',
      '  Stream #0:1[0x2](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 25 fps',
    ].join('\n');
    expect(parseVideoSize(log)).toEqual({ width: 1920, height: 1080 });
    expect(parseVideoSize('nothing here')).toBeNull();
  });
});

const native = findNativeFfmpeg();
describe.skipIf(!native)('native ffmpeg round trip', () => {
  it('returns every frame at its size, and crf 35 is worse than crf 18 (PSNR, bytes)', async () => {
    const ff = await getFfmpeg('native');
    const lo = await collect(ff, clip, x264(18));
    const hi = await collect(ff, clip, x264(35));
    expect(lo.out.length).toBe(clip.length);
    expect(lo.stats.frames).toBe(clip.length);
    expect(lo.out[0].width).toBe(64);
    expect(lo.out[0].height).toBe(48);
    const p18 = psnr(clip, lo.out);
    const p35 = psnr(clip, hi.out);
    // Measured on this clip (full-chroma synthetic frames, so yuv420p alone costs a lot):
    // 28.2 dB at crf 18, 22.7 dB at crf 35. Demand a clear gap of 3 dB.
    expect(p18).toBeGreaterThan(p35 + 3);
    expect(hi.stats.encodedBytes).toBeLessThan(lo.stats.encodedBytes);
  });

  it('is deterministic (single-threaded x264)', async () => {
    const ff = await getFfmpeg('native');
    const a = await collect(ff, clip, x264(28, 'main'));
    const b = await collect(ff, clip, x264(28, 'main'));
    expect(a.stats.encodedBytes).toBe(b.stats.encodedBytes);
    a.out.forEach((f, i) => expect(Buffer.from(f.data.buffer).equals(Buffer.from(b.out[i].data.buffer))).toBe(true));
  });

  it('keeps odd sizes (replicate pad to even, crop back)', async () => {
    const ff = await getFfmpeg('native');
    const odd = clip.slice(0, 3).map((f) => crop(f, 47, 33));
    const { out } = await collect(ff, odd, x264(18));
    expect(out.map((f) => `${f.width}x${f.height}`)).toEqual(['47x33', '47x33', '47x33']);
    expect(psnr(odd, out)).toBeGreaterThan(30);
  });

  it('mpeg4 and mpeg2video: a larger qscale gives a lower PSNR', async () => {
    const ff = await getFfmpeg('native');
    for (const codec of ['mpeg4', 'mpeg2video'] as const) {
      const q2 = await collect(ff, clip, { codec, crf: 23, qscale: 2, profile: 'high', fps: 25 });
      const q20 = await collect(ff, clip, { codec, crf: 23, qscale: 20, profile: 'high', fps: 25 });
      expect(q2.out.length).toBe(clip.length);
      expect(psnr(clip, q2.out)).toBeGreaterThan(psnr(clip, q20.out) + 3);
    }
  });

  it('rejects frames of different sizes within a clip', async () => {
    const ff = await getFfmpeg('native');
    await expect(collect(ff, [clip[0], crop(clip[1], 32, 32)], x264(23))).rejects.toThrow(/frame 1 is 32×32/);
  });

  it('decodes a video file, a frame range of it, and refuses a corrupt one', async () => {
    const ff = await getFfmpeg('native');
    const { info, frames } = await ff.decodeFile(path.join(FIX, 'clip-64x48.mp4'));
    const all: ImageF32[] = [];
    for await (const f of frames) all.push(f);
    expect(info).toEqual({ width: 64, height: 48 });
    expect(all.length).toBeGreaterThanOrEqual(3);
    const part: ImageF32[] = [];
    for await (const f of (await ff.decodeFile(path.join(FIX, 'clip-64x48.mp4'), { start: 1, end: 3 })).frames) part.push(f);
    expect(part.length).toBe(2);
    expect(Buffer.from(part[0].data.buffer).equals(Buffer.from(all[1].data.buffer))).toBe(true);
    await expect(ff.decodeFile(path.join(FIX, 'corrupt.mp4'))).rejects.toThrow(/corrupt\.mp4/);
  });
});

describe.skipIf(!native)('@ffmpeg/core in Node vs native ffmpeg', () => {
  it('runs the same round trip: same frame count, fidelity within 0.5 dB, decodes ≥ 40 dB apart', async () => {
    const wasm = await getFfmpeg('wasm');
    const nat = await getFfmpeg('native');
    const w = await collect(wasm, clip, x264(23));
    const n = await collect(nat, clip, x264(23));
    expect(w.stats.backend).toBe('wasm');
    expect(w.out.length).toBe(clip.length);
    const pw = psnr(clip, w.out);
    const pn = psnr(clip, n.out);
    expect(Math.abs(pw - pn)).toBeLessThan(0.5);
    // codec-args' -sws_flags …accurate_rnd+bitexact make swscale's rounding the same in native (x86
    // SIMD) and wasm (C); without them the two decodes were 35.2 dB apart on this clip, with them
    // identical here at crf 23 (x264's own decisions may still differ slightly, e.g. 70 dB at
    // crf 18). The issue asks for ≥ 40 dB between the decodes.
    expect(psnr(n.out, w.out)).toBeGreaterThanOrEqual(40);
  });

  it('decodes files too: same frame count and range as native, a clear message for a corrupt one', async () => {
    const wasm = await getFfmpeg('wasm');
    const nat = await getFfmpeg('native');
    const count = async (ff: FfmpegNode, range?: { start: number; end: number }) => {
      let n = 0;
      for await (const f of (await ff.decodeFile(path.join(FIX, 'clip-64x48.mp4'), range)).frames) {
        expect([f.width, f.height]).toEqual([64, 48]);
        n++;
      }
      return n;
    };
    expect(await count(wasm)).toBe(await count(nat));
    expect(await count(wasm, { start: 1, end: 3 })).toBe(2);
    await expect(wasm.decodeFile(path.join(FIX, 'corrupt.mp4'))).rejects.toThrow(/^Could not decode '[^']*corrupt\.mp4': not a video or image file ffmpeg understands$/);
  });
});

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}
