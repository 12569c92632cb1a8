import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MediaError, ffmpegFailure, fromWire, toWire } from './errors';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const fixture = (p: string) => fileURLToPath(new URL(`../../e2e/fixtures/${p}`, import.meta.url));

describe('wire form', () => {
  it('keeps code, message and detail across a structured clone', () => {
    const e = new MediaError('too-large', 'big', 'why');
    const back = fromWire(structuredClone(toWire(e)));
    expect(back).toBeInstanceOf(MediaError);
    expect([back.code, back.message, back.detail]).toEqual(['too-large', 'big', 'why']);
  });
  it('wraps foreign errors', () => {
    expect(fromWire(new Error('boom')).message).toBe('Media worker error: boom');
    expect(toWire(new TypeError('x')).code).toBe('ffmpeg-failed');
  });
});

describe('ffmpegFailure', () => {
  it('classifies typical log lines', () => {
    expect(ffmpegFailure('a.mp4', ['[mov,mp4] moov atom not found', 'a.mp4: Invalid data found when processing input'], 1).code).toBe('corrupt');
    expect(ffmpegFailure('a.mkv', ['Decoder (codec hevc) not found for input stream #0:0'], 1).message).toBe("Could not decode 'a.mkv': its video codec (hevc) is not supported here");
    // ffmpeg.wasm's core has only a hardware AV1 decoder, and says so
    const av1 = ["[av1 @ 0xdef8b0] Your platform doesn't suppport hardware accelerated AV1 decoding.", '[av1 @ 0xdef8b0] Failed to get pixel format.', 'Error while decoding stream #0:0: Invalid data found when processing input'];
    expect(ffmpegFailure('a.mp4', av1, 1).message).toBe("Could not decode 'a.mp4': its video codec (av1) is not supported here");
    expect(ffmpegFailure('a.wav', ['Stream map \'0:v:0\' matches no streams.'], 1).code).toBe('no-video');
    expect(ffmpegFailure('a.mp4', [], 1, true).code).toBe('timeout');
    expect(ffmpegFailure('a.mp4', ['something odd'], 1).message).toBe("ffmpeg could not process 'a.mp4' (exit 1): something odd");
  });

  // Real messages from Debian's ffmpeg (the same code base as ffmpeg.wasm's core).
  it.skipIf(!hasFfmpeg)('reads real ffmpeg stderr: random bytes are not a video', () => {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'repeat+error', '-i', fixture('corrupt.mp4'), '-f', 'null', '-']);
    const err = ffmpegFailure('corrupt.mp4', r.stderr.toString().split('\n'), r.status ?? -1);
    expect(err.code).toBe('unsupported');
    expect(err.message).toBe("Could not decode 'corrupt.mp4': not a video or image file ffmpeg understands");
  });
  it.skipIf(!hasFfmpeg)('reads real ffmpeg stderr: a sound-only file has no video', () => {
    const wav = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=0.1', '-f', 'wav', 'pipe:1']).stdout;
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'repeat+error', '-i', 'pipe:0', '-map', '0:v:0', '-f', 'null', '-'], { input: wav });
    expect(ffmpegFailure('tone.wav', r.stderr.toString().split('\n'), r.status ?? -1).code).toBe('no-video');
  });
});
