import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { codecArgs, codecOptionsProblem, decodeArgs, encodeArgs, evenSize, type CodecOptions } from './codec-args';
import { yuv420FrameBytes } from './yuv';

const x264: CodecOptions = { codec: 'libx264', crf: 23, qscale: 4, profile: 'main', fps: 25 };
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

describe('codecArgs', () => {
  it('gives the x264 stage: yuv420p, one thread, crf and profile', () => {
    expect(codecArgs(x264)).toEqual([
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-threads', '1', '-crf', '23', '-profile:v', 'main',
      '-x264-params', 'cpu-independent=1', '-bsf:v', 'filter_units=remove_types=6',
    ]);
  });
  it('leaves the profile to x264 at crf 0 (lossless needs High 4:4:4 Predictive)', () => {
    expect(codecArgs({ ...x264, crf: 0 })).not.toContain('-profile:v');
    expect(codecArgs({ ...x264, crf: 0 }).slice(0, 8)).toEqual(['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-threads', '1', '-crf', '0']);
  });
  it('uses -q:v for mpeg4 and mpeg2video', () => {
    expect(codecArgs({ ...x264, codec: 'mpeg4', qscale: 7 })).toEqual([
      '-c:v', 'mpeg4', '-pix_fmt', 'yuv420p', '-threads', '1', '-q:v', '7', '-flags:v', '+bitexact', '-dct', 'int', '-idct', 'simple',
    ]);
    expect(codecArgs({ ...x264, codec: 'mpeg2video', qscale: 2 })).toContain('2');
  });
  it('frames rawvideo rgb24 in and an elementary stream out', () => {
    const a = encodeArgs(x264, 64, 48, 'in.rgb', 'out.h264');
    expect(a.slice(a.indexOf('-f'), a.indexOf('-i') + 2)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-r', '25', '-i', 'in.rgb']);
    expect(a.slice(-4)).toEqual(['-f', 'h264', '-y', 'out.h264']);
    expect(decodeArgs({ codec: 'mpeg4', fps: 25 }, 'x.m4v', 'pipe:1')).toContain('m4v');
  });
  it('rounds sizes up to even', () => {
    expect(evenSize(63, 47)).toEqual({ width: 64, height: 48 });
    expect(evenSize(64, 48)).toEqual({ width: 64, height: 48 });
  });
});

describe('codecOptionsProblem', () => {
  it('accepts the stage defaults and names each bad field', () => {
    expect(codecOptionsProblem(x264)).toBeNull();
    expect(codecOptionsProblem({ ...x264, crf: 99 })).toMatch(/crf must be an integer 0–51, got 99/);
    expect(codecOptionsProblem({ ...x264, crf: Number.NaN })).toMatch(/crf/);
    expect(codecOptionsProblem({ ...x264, codec: 'hevc' as never })).toMatch(/unknown codec 'hevc'/);
    expect(codecOptionsProblem({ ...x264, profile: 'high10' as never })).toMatch(/profile 'high10'/);
    expect(codecOptionsProblem({ ...x264, codec: 'mpeg4', qscale: 0 })).toMatch(/qscale must be an integer 1–31/);
    expect(codecOptionsProblem({ ...x264, codec: 'mpeg2video', fps: 12 })).toMatch(/standard frame rates/);
    expect(codecOptionsProblem({ ...x264, fps: -1 })).toMatch(/fps/);
  });
});

// The args must be ones a real ffmpeg accepts, for every codec: 3 frames in → 3 frames out.
describe.skipIf(!hasFfmpeg)('with Debian ffmpeg', () => {
  const w = 32;
  const h = 16;
  const frames = 3;
  const raw = new Uint8Array(w * h * 3 * frames).map((_, i) => (i * 7) % 251);
  for (const o of [x264, { ...x264, crf: 0 }, { ...x264, profile: 'baseline' as const }, { ...x264, codec: 'mpeg4' as const }, { ...x264, codec: 'mpeg2video' as const }]) {
    it(`${o.codec} crf ${o.crf} ${o.profile} q ${o.qscale} round-trips ${frames} frames`, () => {
      const enc = spawnSync('ffmpeg', encodeArgs(o, w, h, 'pipe:0', 'pipe:1'), { input: raw, maxBuffer: 1 << 24 });
      expect(enc.status, enc.stderr.toString()).toBe(0);
      const dec = spawnSync('ffmpeg', decodeArgs(o, 'pipe:0', 'pipe:1'), { input: enc.stdout, maxBuffer: 1 << 24 });
      expect(dec.status, dec.stderr.toString()).toBe(0);
      // yuv420p planes back (w·h luma + 2 · w/2·h/2 chroma a frame), for yuv.ts to convert
      expect(dec.stdout.length).toBe(yuv420FrameBytes(w, h) * frames);
    });
  }
});
