/**
 * Export plumbing in Node: command lines, the paged memory target, the SharedArrayBuffer frame pipe
 * (with a reader blocking in a worker thread, as the export worker does), and ffmpeg.wasm (the same
 * @ffmpeg/core the browser loads) writing MP4 / WebM through the seekable output device, with the
 * source's audio kept. Files are checked with Debian's ffprobe / ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { readPng } from './png.ts';
import { toRgba8 } from '../core/pixels.ts';
import { BROWSER_FORMATS, exportFileName, partialFileName, rateArg, videoExportArgs, videoExportProblem, zipFrameName } from './export-args.ts';
import { ExportCore, MemoryTarget, VIDEO_IN, VIDEO_OUT, type ExportCoreModule } from './export-core.ts';
import { FramePipeWriter, PipeCancelled, createFramePipe } from './export-pipe.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-export-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const haveFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

/** Real frames: the 8-frame 64×48 clip, as RGBA8. */
const CLIP = Array.from({ length: 8 }, (_, i) => readPng(path.join(ROOT, `e2e/fixtures/clip-64x48/src-0${i}.png`)));
const RGBA = CLIP.map((f) => toRgba8(f));

function probe(file: string) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[] }).streams;
}

/** Decode a file's video to rgb24 frames with native ffmpeg. */
function decodeRgb(file: string, w: number, h: number): Uint8Array[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
  expect(r.status, String(r.stderr)).toBe(0);
  const out: Uint8Array[] = [];
  for (let o = 0; o + w * h * 3 <= r.stdout.length; o += w * h * 3) out.push(new Uint8Array(r.stdout.subarray(o, o + w * h * 3)));
  return out;
}

/** The ceiling for any yuv420p file: native ffmpeg's lossless x264 (crf 0) round trip of the same frames. */
function lossless420(frames: Uint8ClampedArray[], w: number, h: number): Uint8Array[] {
  const file = path.join(tmp, 'lossless420.mp4');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${w}x${h}`, '-framerate', '25', '-i', '-', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-crf', '0', '-y', file], { input: Buffer.concat(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))) });
  expect(r.status, String(r.stderr)).toBe(0);
  return decodeRgb(file, w, h);
}

function psnrRgb(rgb: Uint8Array, rgba: Uint8ClampedArray): number {
  let sq = 0;
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) sq += (rgb[i * 3 + c] - rgba[i * 4 + c]) ** 2;
  return 10 * Math.log10((255 * 255 * 3 * n) / sq);
}

async function loadCore(): Promise<ExportCoreModule> {
  const require = createRequire(import.meta.url);
  const esm = path.join(path.dirname(path.dirname(require.resolve('@ffmpeg/core'))), 'esm', 'ffmpeg-core.js');
  const wasmBinary = await readFile(esm.replace(/\.js$/, '.wasm'));
  const g = globalThis as { self?: unknown };
  const shimmed = g.self === undefined;
  if (shimmed) g.self = { location: { href: pathToFileURL(esm).href } };
  try {
    const mod = (await import(pathToFileURL(esm).href)) as { default: (o: object) => Promise<ExportCoreModule> };
    return await mod.default({ wasmBinary, locateFile: (p: string) => p });
  } finally {
    if (shimmed) delete g.self;
  }
}

function pipeWorker(sab: SharedArrayBuffer, mode: 'drain' | 'encode', args?: string[]): { worker: Worker; result: Promise<Record<string, unknown>> } {
  const worker = new Worker(new URL('./export-test-worker.mjs', import.meta.url), { workerData: { sab, mode, args } });
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, result: result.finally(() => worker.terminate()) };
}

describe('export command lines', () => {
  it('MP4 with audio: rawvideo in, x264 animation tune, AAC, audio trimmed to the frame range', () => {
    expect(videoExportArgs({ format: 'mp4', width: 128, height: 96, fps: 25, crf: 18, preset: 'veryfast', input: '/dev/vin', pixFmt: 'rgba', output: '/dev/vout', audio: { path: '/src/source.mp4', startS: 0.4, durationS: 1.2 } })).toEqual([
      '-hide_banner', '-nostdin', '-loglevel', 'repeat+error',
      '-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', '128x96', '-framerate', '25', '-i', '/dev/vin',
      '-ss', '0.400000', '-t', '1.200000', '-i', '/src/source.mp4',
      '-map', '0:v:0', '-map', '1:a:0?', '-pix_fmt', 'yuv420p',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'animation', '-crf', '18', '-c:a', 'aac', '-b:a', '192k', '-f', 'mp4',
      '-shortest', '-y', '/dev/vout',
    ]);
  });

  it('keeps an anamorphic source\'s pixel shape as the stream\'s SAR', () => {
    const args = videoExportArgs({ format: 'webm-vp8', width: 128, height: 96, fps: 25, crf: 10, input: '/dev/vin', pixFmt: 'rgb24', output: 'o.webm', pixelAspect: { num: 32, den: 27 } });
    expect(args.slice(args.indexOf('-vf'), args.indexOf('-vf') + 2)).toEqual(['-vf', 'setsar=32/27']);
    expect(videoExportArgs({ format: 'mp4', width: 128, height: 96, fps: 25, crf: 18, input: '/dev/vin', pixFmt: 'rgb24', output: 'o.mp4' })).not.toContain('-vf');
    expect(videoExportProblem({ format: 'mp4', width: 128, height: 96, fps: 25, crf: 18, pixelAspect: { num: 0, den: 1 } })).toMatch(/bad pixel aspect 0:1/);
  });

  it('refuses what would fail inside ffmpeg, in words', () => {
    expect(videoExportProblem({ format: 'mp4', width: 130, height: 97, fps: 25, crf: 18 })).toMatch(/must be even/);
    expect(videoExportProblem({ format: 'webm-vp8', width: 128, height: 96, fps: 25, crf: 2 })).toMatch(/VP8 CRF must be an integer 4 … 63/);
    expect(videoExportProblem({ format: 'mp4', width: 128, height: 96, fps: 0, crf: 18 })).toMatch(/fps/);
    expect(rateArg(30000 / 1001)).toBe('30000/1001');
    expect(rateArg(12.5)).toBe('12.500000');
    expect(exportFileName('My clip (1).mp4', 'webm-vp9')).toBe('My_clip_1_-x4.webm');
    expect(zipFrameName(12)).toBe('frame-00012.png');
    expect(partialFileName('My_clip_1_-x4.webm', 12, 40)).toBe('My_clip_1_-x4-partial-12-of-40.webm');
    expect(partialFileName('clip-x4.frames.zip', 3, 9)).toBe('clip-x4.frames-partial-3-of-9.zip');
    expect(partialFileName('noext', 1, 2)).toBe('noext-partial-1-of-2');
  });
});

describe('MemoryTarget', () => {
  it('takes positioned writes across 4 MiB pages (a muxer patching its header at the end)', () => {
    const t = new MemoryTarget();
    const page = 4 * 2 ** 20;
    const a = new Uint8Array(page + 10).map((_, i) => i % 251);
    t.write(a, 0);
    t.write(new Uint8Array([7, 7, 7]), page - 1);
    t.write(new Uint8Array([9]), 2);
    expect(t.size).toBe(page + 10);
    const b = t.bytes();
    expect([b[1], b[2], b[3], b[page - 2], b[page - 1], b[page], b[page + 1], b[page + 2], b[page + 9]]).toEqual([1, 9, 3, (page - 2) % 251, 7, 7, 7, (page + 2) % 251, (page + 9) % 251]);
  });
});

describe('frame pipe (SharedArrayBuffer ring, blocking reader in a worker thread)', () => {
  it('delivers every frame intact and in order through 2 slots, then the end of the stream', async () => {
    const sab = createFramePipe(1000, 2);
    const { result } = pipeWorker(sab, 'drain');
    const w = new FramePipeWriter(sab);
    const want: number[] = [];
    for (let i = 0; i < 9; i++) {
      const f = new Uint8Array(1000).map((_, j) => (i * 31 + j) % 256);
      want.push(f.reduce((a, b) => a + b, 0));
      await w.write(f);
      expect(w.consumed).toBeGreaterThanOrEqual(i - 1); // never more than 2 frames ahead
    }
    w.close();
    expect((await result).sums).toEqual(want);
  });

  it('abort stops the reader (PipeCancelled) and refuses further writes', async () => {
    const sab = createFramePipe(100, 2);
    const { result } = pipeWorker(sab, 'drain');
    const w = new FramePipeWriter(sab);
    await w.write(new Uint8Array(100).fill(1));
    w.abort();
    const r = await result;
    expect(r.error).toBe('cancelled');
    await expect(w.write(new Uint8Array(100))).rejects.toBeInstanceOf(PipeCancelled);
  });
});

describe.skipIf(!haveFfmpeg)('ffmpeg.wasm export', () => {
  // VP9 is not offered in the browser: @ffmpeg/core 0.12's libvpx-vp9 traps on real frames
  // (memory access out of bounds / escaped longjmp; reproduced here with every deadline, cpu-used,
  // lag and tiling setting; upstream ffmpegwasm/ffmpeg.wasm#679). The CLI writes VP9 natively.
  it('the app offers only formats this ffmpeg.wasm encodes', () => {
    expect(BROWSER_FORMATS).toEqual(['mp4', 'webm-vp8', 'png-zip']);
  });

  it('streams 8 real 64×48 frames through the pipe into an MP4 (encoder blocking on the pipe in a worker thread)', async () => {
    const sab = createFramePipe(64 * 48 * 4, 3);
    const args = videoExportArgs({ format: 'mp4', width: 64, height: 48, fps: 25, crf: 12, preset: 'veryfast', input: '$IN', pixFmt: 'rgba', output: '$OUT' });
    const { result } = pipeWorker(sab, 'encode', args);
    const w = new FramePipeWriter(sab);
    for (const f of RGBA) await w.write(f);
    w.close();
    const r = (await result) as { code: number; bytes: Uint8Array; log: string[] };
    expect(r.code, r.log.join('\n')).toBe(0);
    const file = path.join(tmp, 'piped.mp4');
    writeFileSync(file, r.bytes);
    expect(probe(file)).toEqual([{ codec_type: 'video', codec_name: 'h264', width: 64, height: 48, nb_read_frames: '8' }]);
    // Same pictures back. 4:2:0 alone costs this small, saturated clip ~29 dB (RGB PSNR of a lossless
    // yuv420p round trip); stated bound: within 1.5 dB of that ceiling at CRF 12.
    const back = decodeRgb(file, 64, 48);
    const ceiling = lossless420(RGBA, 64, 48);
    expect(back).toHaveLength(8);
    back.forEach((f, i) => {
      const got = psnrRgb(f, RGBA[i]);
      const best = psnrRgb(ceiling[i], RGBA[i]);
      expect(got, `frame ${i}: ${got.toFixed(2)} dB, lossless 4:2:0 ${best.toFixed(2)} dB`).toBeGreaterThan(best - 1.5);
    });
  });

  it('MP4 and WebM (VP8) through the seekable output device, keeping the source audio', async () => {
    const src = path.join(tmp, 'with-audio.mp4');
    const mk = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=40x24:rate=25:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', src]);
    expect(mk.status).toBe(0);
    const core = new ExportCore(await loadCore());
    for (const [format, ext, v, a] of [['mp4', 'mp4', 'h264', 'aac'], ['webm-vp8', 'webm', 'vp8', 'opus']] as const) {
      let frame = 0;
      let pos = 0;
      const fb = 64 * 48 * 4;
      const input = (into: Int8Array) => {
        if (frame >= RGBA.length) return 0;
        const n = Math.min(into.length, fb - pos);
        new Uint8Array(into.buffer, into.byteOffset, n).set(RGBA[frame].subarray(pos, pos + n));
        pos += n;
        if (pos === fb) [pos, frame] = [0, frame + 1];
        return n;
      };
      const out = new MemoryTarget();
      const args = (audioPath: string) =>
        videoExportArgs({ format, width: 64, height: 48, fps: 25, crf: 18, preset: 'veryfast', input: VIDEO_IN, pixFmt: 'rgba', output: VIDEO_OUT, audio: { path: audioPath, startS: 0.2, durationS: 8 / 25 } });
      const r = core.withSource('with-audio.mp4', readFileSync(src), (p) => core.run(args(p), { input, output: out }));
      expect(r.code, r.log.join('\n')).toBe(0);
      const file = path.join(tmp, `out-${format}.${ext}`);
      writeFileSync(file, out.bytes());
      const streams = probe(file);
      expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: v, width: 64, height: 48, nb_read_frames: '8' });
      expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe(a);
      const ceiling = lossless420(RGBA, 64, 48);
      decodeRgb(file, 64, 48).forEach((f, i) => {
        const got = psnrRgb(f, RGBA[i]);
        const best = psnrRgb(ceiling[i], RGBA[i]);
        // Stated bound: within 3 dB of the lossless 4:2:0 ceiling at CRF 18.
        expect(got, `${format} frame ${i}: ${got.toFixed(2)} dB, lossless 4:2:0 ${best.toFixed(2)} dB`).toBeGreaterThan(best - 3);
      });
    }
  });
});
