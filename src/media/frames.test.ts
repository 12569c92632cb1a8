import { describe, expect, it } from 'vitest';
import { MediaError } from './errors';
import type { RgbaFrame } from '../core/frame';
import { rgb24ToRgba } from '../core/pixels';
import { MAX_FRAME_PIXELS, checkFrameSize, frameSize, packRgb24, planDecode, psnr8, unpackRgb24 } from './frames';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof MediaError ? e.code : `not a MediaError: ${String(e)}`;
  }
  return 'no error';
};

describe('size limits', () => {
  it('allows up to 4096×4096 and refuses beyond, before any decoding', () => {
    expect(() => checkFrameSize('a', 4096, 4096)).not.toThrow();
    expect(code(() => checkFrameSize('a', 4097, 4096))).toBe('too-large');
    expect(code(() => checkFrameSize('a', 8193, 16))).toBe('too-large');
    expect(code(() => checkFrameSize('a', 0, 16))).toBe('corrupt');
    expect(MAX_FRAME_PIXELS).toBe(16_777_216);
  });
  it('names the file and both sizes', () => {
    expect(() => checkFrameSize('big.mp4', 5000, 4000)).toThrow("'big.mp4' has 5000×4000 frames (20.0 Mpx); the limit is 16.8 Mpx");
    expect(() => checkFrameSize('c.mp4', 64, 48, 1000)).toThrow('(3072 px); the limit is 1000 px');
  });
});

describe('planDecode', () => {
  const clip = { width: 480, height: 270, frameCount: 75 };
  it('clamps to the frames the container has', () => {
    expect(planDecode('s', clip, 0)).toEqual({ start: 0, count: 75 });
    expect(planDecode('s', clip, 70, 12)).toEqual({ start: 70, count: 5 });
    expect(planDecode('s', clip, 80, 4)).toEqual({ start: 80, count: 0 });
    expect(planDecode('s', clip, 2.7, 3.9)).toEqual({ start: 2, count: 3 });
  });
  it('refuses a request over the byte cap and names it', () => {
    const long = { width: 1920, height: 1080, frameCount: 10_000 };
    // 1920×1080×4 = 8,294,400 B a frame; 512 MiB hold 64 of them.
    expect(planDecode('l', long, 0, 64).count).toBe(64);
    expect(() => planDecode('l', long, 0, 65)).toThrow('one request may return at most 64 of them');
  });
  it('without a count or known length, returns as many as fit', () => {
    expect(planDecode('w', { width: 1920, height: 1080 }, 0).count).toBe(64);
  });
});

describe('rgb24 packing for yuv420p', () => {
  // 3×1 frame: pixels (1,2,3) (4,5,6) (7,8,9).
  const f = { width: 3, height: 1, data: rgb24ToRgba(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)) };
  it('pads odd sizes by replicating the last column and row', () => {
    expect([...packRgb24([f], 4, 2)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9]);
  });
  it('drops alpha', () => {
    const rgba = { width: 1, height: 1, data: Uint8ClampedArray.of(10, 20, 30, 99) };
    expect([...packRgb24([rgba], 1, 1)]).toEqual([10, 20, 30]);
  });
  it('unpack crops back to the original: pack then unpack is the identity', () => {
    const g = { width: 3, height: 1, data: rgb24ToRgba(Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2, 1)) };
    const back = unpackRgb24(packRgb24([f, g], 4, 2), 4, 2, 3, 1);
    expect(back.map((x) => [...x])).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1]]);
  });
  it('refuses empty lists, mixed sizes and missing data', () => {
    expect(code(() => frameSize([]))).toBe('bad-input');
    expect(code(() => frameSize([f, { width: 2, height: 1, data: new Uint8ClampedArray(8) }]))).toBe('bad-input');
    expect(code(() => frameSize([{ width: 3, height: 1, data: new Uint8ClampedArray(11) }]))).toBe('bad-input');
    expect(code(() => frameSize([{ width: 3, height: 1 } as RgbaFrame]))).toBe('bad-input');
  });
});

describe('helpers', () => {
  it('psnr8: one level off everywhere is 48.13 dB; equal is Infinity', () => {
    const a = new Uint8Array(100).fill(100);
    const b = new Uint8Array(100).fill(101);
    expect(psnr8(a, b)).toBeCloseTo(10 * Math.log10(255 * 255), 10);
    expect(psnr8(a, a)).toBe(Infinity);
  });
});
