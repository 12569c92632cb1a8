import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../core/image.ts';
import { toRgb24 } from '../core/pixels.ts';
import { SWS_FLAGS } from './codec-args.ts';
import { readPng } from './png.ts';
import { findNativeFfmpeg, getFfmpeg, parseVideoStream, type CodecOptions, type FfmpegNode } from './ffmpeg-node.ts';
import { packedPlanes, yuv420FrameBytes, yuv420ToRgba, type YuvColour } from './yuv.ts';

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

const BT601_TV: YuvColour = { matrix: 'bt601', fullRange: false };

describe('parseVideoStream', () => {
  it('reads the size, pixel format and colour tags of the first video stream, not the codec tag', () => {
    const log = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':",
      '  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo',
      '  Stream #0:1[0x2](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 25 fps',
    ].join('\n');
    expect(parseVideoStream(log)).toEqual({ width: 1920, height: 1080, pixFmt: 'yuv420p', colour: { matrix: 'bt709', fullRange: false } });
    expect(parseVideoStream('nothing here')).toBeNull();
  });

  // Lines as Debian's ffmpeg 5.1 prints them for our fixtures and a few tagged encodes.
  it.each([
    ['h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 480x270, 209 kb/s, 25 fps', 480, 270, 'yuv420p', BT601_TV],
    ['vp9 (Profile 0) (vp09 / 0x39307076), yuv420p(pc, bt709, progressive), 63x47, 67 kb/s', 63, 47, 'yuv420p', { matrix: 'bt709', fullRange: true }],
    ['mpeg4 (Simple Profile) (mp4v / 0x7634706D), yuv420p, 64x48 [SAR 1:1 DAR 4:3], 92 kb/s', 64, 48, 'yuv420p', BT601_TV],
    ['mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 48x32 [SAR 1:1 DAR 3:2], 25 fps', 48, 32, 'yuvj420p', { matrix: 'bt601', fullRange: true }],
    ['h264 (High) (avc1 / 0x31637661), yuvj420p(pc, bt2020nc/bt2020/smpte2084, progressive), 48x32 [SAR 1:1 DAR 3:2]', 48, 32, 'yuvj420p', { matrix: 'bt2020', fullRange: true }],
    ['h264 (High 4:4:4 Predictive) (avc1 / 0x31637661), yuv444p(tv, bt709/unknown/unknown, progressive), 48x32', 48, 32, 'yuv444p', { matrix: 'bt709', fullRange: false }],
    ['h264 (High 10) (avc1 / 0x31637661), yuv420p10le(progressive), 48x32 [SAR 1:1 DAR 3:2]', 48, 32, 'yuv420p10le', BT601_TV],
    ['png, rgb24(pc), 96x64, 25 fps, 25 tbr, 25 tbn', 96, 64, 'rgb24', { matrix: 'bt601', fullRange: true }],
    ['gif, bgra, 32x32, 10 fps, 10 tbr, 100 tbn', 32, 32, 'bgra', BT601_TV],
  ] as const)('Video: %s', (line, width, height, pixFmt, colour) => {
    expect(parseVideoStream(`  Stream #0:0: Video: ${line}`)).toEqual({ width, height, pixFmt, colour });
  });

  it.each([
    ['yuv420p(top first)', true],
    ['yuv420p(tv, bt709, bottom first)', true],
    ['yuv420p(tv, top coded first (swapped))', true],
    ['yuv420p(progressive)', false],
    ['yuv420p', false],
  ] as const)('field order %s → interlaced %s', (fmt, interlaced) => {
    expect(parseVideoStream(`  Stream #0:0: Video: h264 (High) (avc1 / 0x31637661), ${fmt}, 720x480 [SAR 8:9 DAR 4:3], 29.97 fps`)?.interlaced).toBe(interlaced ? true : undefined);
  });

  // ffmpeg turns frames upright by the display matrix listed under the stream (phone clips).
  it('swaps the size for a quarter-turn display matrix of that stream only', () => {
    const listing = (rotation: string, stream = 0) =>
      [
        `  Stream #0:${stream}[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 64x48 [SAR 1:1 DAR 4:3], 25 fps`,
        '    Metadata:',
        '      handler_name    : VideoHandler',
        '    Side data:',
        `      displaymatrix: rotation of ${rotation} degrees`,
      ].join('\n');
    const size = (log: string) => {
      const v = parseVideoStream(log);
      return v && [v.width, v.height];
    };
    expect(size(listing('90.00'))).toEqual([48, 64]);
    expect(size(listing('-90.00'))).toEqual([48, 64]);
    expect(size(listing('270.00'))).toEqual([48, 64]);
    expect(size(listing('180.00'))).toEqual([64, 48]);
    expect(size(listing('-0.00'))).toEqual([64, 48]);
    // the matrix of a later stream (an audio stream's listing follows first) is not this one's
    const audioThenRotated = ['  Stream #0:0: Video: h264, yuv420p, 64x48', '  Stream #0:1: Audio: aac, 44100 Hz', '    Side data:', '      displaymatrix: rotation of 90.00 degrees'].join('\n');
    expect(size(audioThenRotated)).toEqual([64, 48]);
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
    // 29.1 dB at crf 18, 22.9 dB at crf 35 (28.2 and 22.7 with the old swscale decode). Demand a clear gap of 3 dB.
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
    expect(info).toEqual({ width: 64, height: 48, pixFmt: 'yuv420p', colour: BT601_TV });
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
    // codec-args' -sws_flags …accurate_rnd+bitexact make swscale's rgb → yuv rounding the same in
    // native (x86 SIMD) and wasm (C) (without them, and with swscale decoding too, the two decodes
    // were 35.2 dB apart on this clip); the decode side is yuv.ts on both. Identical here at crf 23
    // (x264's own decisions may still differ slightly). The issue asks for ≥ 40 dB between the decodes.
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

/** ffmpeg's stdout for these args (Debian's native ffmpeg). */
function ff(args: string[]): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', ...args], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

async function decodeAll(ff: FfmpegNode, file: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of (await ff.decodeFile(file)).frames) out.push(toRgb24(f));
  return out;
}

const rgbOf = (rgba: Uint8ClampedArray) => Uint8Array.from({ length: (rgba.length / 4) * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]);

// The CLI's three kinds of decode, each on both backends: 8-bit 4:2:0 through yuv.ts (the app's
// conversion, so CLI and browser agree), everything else through ffmpeg's own swscale with
// SWS_FLAGS, and the FFmpeg stage's round trip through yuv.ts as make-sample.py's numpy does it.
describe.skipIf(!native)('decode paths (native and @ffmpeg/core)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vqdsr-decode-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const backends = ['native', 'wasm'] as const;

  it.each([
    ['public/samples/sample.mp4', 480, 270, 'yuv420p', BT601_TV],
    ['e2e/fixtures/formats/vp9-63x47-bt709-full.mp4', 63, 47, 'yuv420p', { matrix: 'bt709', fullRange: true }],
    ['e2e/fixtures/formats/still-48x32.jpg', 48, 32, 'yuvj420p', { matrix: 'bt601', fullRange: true }],
  ] as const)('8-bit 4:2:0 (%s): the planes through yuv.ts, with the stream’s colour', async (file, w, h, pixFmt, colour) => {
    const full = path.resolve(FIX, '../..', file);
    // the stream's own planes: -pix_fmt of its own name, so no swscale (and no range change for yuvj420p)
    const raw = ff(['-i', full, '-frames:v', '4', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1']);
    const fb = yuv420FrameBytes(w, h);
    const want = Array.from({ length: raw.length / fb }, (_, k) => rgbOf(yuv420ToRgba(packedPlanes(new Uint8Array(raw.buffer, raw.byteOffset + k * fb, fb), w, h), colour)));
    for (const backend of backends) {
      const ffn = await getFfmpeg(backend);
      expect(await ffn.probe(full)).toEqual({ width: w, height: h, pixFmt, colour });
      const got = (await decodeAll(ffn, full)).slice(0, want.length);
      expect(got.length).toBe(want.length);
      got.forEach((f, k) => expect(Buffer.from(f).equals(Buffer.from(want[k])), `${backend} frame ${k}`).toBe(true));
    }
  }, 60_000);

  // Phone and editor files (scripts/make-sample.py decoder_fixtures; refs: native ffmpeg's planes
  // converted by numpy): a quarter-turned clip comes upright, a trimmed one without the frames its
  // edit list hides, on both backends (the CLI and the app's ffmpeg.wasm).
  it.each([
    ['rot90-64x48', 48, 64, 8],
    ['trimmed-64x48', 64, 48, 5],
    ['interlaced-64x48', 64, 48, 14],
  ] as const)('%s: native ffmpeg’s frames, the size it gives them', async (name, w, h, n) => {
    const file = path.join(FIX, 'decoders', `${name}.mp4`);
    const want = Array.from({ length: n }, (_, k) => toRgb24(readPng(path.join(FIX, 'decoders', `${name}-${String(k).padStart(2, '0')}.png`))));
    for (const backend of backends) {
      const ffn = await getFfmpeg(backend);
      const info = await ffn.probe(file);
      expect([info.width, info.height], backend).toEqual([w, h]);
      const got = await decodeAll(ffn, file);
      expect(got.length, backend).toBe(n);
      got.forEach((f, k) => expect(Buffer.from(f).equals(Buffer.from(want[k])), `${backend} frame ${k}`).toBe(true));
    }
  }, 60_000);

  // The reference frames above are deinterlaced: a range must give the same frames (each has its
  // true neighbours), and `deinterlace: false` the stored ones, with their comb teeth.
  it('interlaced: a frame range equals the full decode; deinterlace off gives the stored frames', async () => {
    const file = path.join(FIX, 'decoders', 'interlaced-64x48.mp4');
    const ref = (k: number) => toRgb24(readPng(path.join(FIX, 'decoders', `interlaced-64x48-${String(k).padStart(2, '0')}.png`)));
    for (const backend of backends) {
      const ffn = await getFfmpeg(backend);
      expect((await ffn.probe(file)).interlaced, backend).toBe(true);
      const part: Uint8Array[] = [];
      for await (const f of (await ffn.decodeFile(file, { start: 5, end: 8 })).frames) part.push(toRgb24(f));
      expect(part.length).toBe(3);
      part.forEach((f, k) => expect(Buffer.from(f).equals(Buffer.from(ref(5 + k))), `${backend} frame ${5 + k}`).toBe(true));
      const stored: Uint8Array[] = [];
      for await (const f of (await ffn.decodeFile(file, { end: 14 }, { deinterlace: false })).frames) stored.push(toRgb24(f));
      expect(stored.length).toBe(14);
      const sameAsRefs = stored.every((f, k) => Buffer.from(f).equals(Buffer.from(ref(k))));
      expect(sameAsRefs, `${backend}: deinterlace off must give other frames than the deinterlaced refs`).toBe(false);
    }
  }, 60_000);

  it('other pixel formats (4:4:4, 10-bit, RGB) keep ffmpeg’s own conversion (SWS_FLAGS), the same on both backends', async () => {
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=48x32:rate=25:duration=0.16'];
    const files = {
      yuv444p: path.join(tmp, 'yuv444p.mp4'),
      yuv420p10le: path.join(tmp, 'yuv420p10le.mp4'),
      png: path.resolve(FIX, 'frame-48x32.png'),
    };
    ff([...src, '-pix_fmt', 'yuv444p', '-c:v', 'libx264', '-crf', '18', '-colorspace', 'bt709', '-color_range', 'tv', '-y', files.yuv444p]);
    ff([...src, '-pix_fmt', 'yuv420p10le', '-c:v', 'libx264', '-crf', '18', '-y', files.yuv420p10le]);
    for (const [fmt, file] of Object.entries(files)) {
      const want = ff(['-i', file, '-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      for (const backend of backends) {
        const ffn = await getFfmpeg(backend);
        expect((await ffn.probe(file)).pixFmt).toBe(fmt === 'png' ? 'rgb24' : fmt);
        const got = Buffer.concat(await decodeAll(ffn, file));
        expect(got.equals(want), `${fmt} by ${backend}`).toBe(true);
      }
    }
    // (and the PNG's own pixels, untouched)
    expect(Buffer.from(toRgb24(readPng(files.png))).equals(ff(['-i', files.png, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']))).toBe(true);
  }, 60_000);

  it('the x264 round trip equals the committed references (native x264, planes converted by numpy in make-sample.py)', async () => {
    for (const crf of [18, 35]) {
      const want = Array.from({ length: 8 }, (_, k) => toRgb24(readPng(path.join(FIX, 'roundtrip', `x264-crf${crf}-${String(k).padStart(2, '0')}.png`))));
      for (const backend of backends) {
        const { out } = await collect(await getFfmpeg(backend), clip, x264(crf));
        expect(out.length).toBe(8);
        // native: the same x264 and the same conversion, so identical; wasm: x264's C paths give
        // the same stream here (cpu-independent=1), so identical too
        out.forEach((f, k) => expect(Buffer.from(toRgb24(f)).equals(Buffer.from(want[k])), `crf ${crf} ${backend} frame ${k}`).toBe(true));
      }
    }
  }, 60_000);
});

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}
