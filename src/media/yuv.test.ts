import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SWS_FLAGS } from './codec-args';
import { psnr8 } from './frames';
import { yuv420ToRgba } from './yuv';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const fixture = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

function ff(args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', ...args], { input, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

describe('yuv420ToRgba', () => {
  it('maps limited-range greys and primaries like BT.601', () => {
    const planes = (y: number, u: number, v: number) => ({
      width: 2, height: 2, yStride: 2, uvStride: 1,
      y: new Uint8Array(4).fill(y), u: Uint8Array.of(u), v: Uint8Array.of(v),
    });
    expect([...yuv420ToRgba(planes(16, 128, 128)).slice(0, 4)]).toEqual([0, 0, 0, 255]);
    expect([...yuv420ToRgba(planes(235, 128, 128)).slice(0, 4)]).toEqual([255, 255, 255, 255]);
    expect([...yuv420ToRgba(planes(126, 128, 128)).slice(0, 3)]).toEqual([128, 128, 128]);
    // BT.601 red (Y 81, U 90, V 240) → (255, 0, 0) within rounding.
    const red = [...yuv420ToRgba(planes(81, 90, 240)).slice(0, 3)];
    expect(Math.abs(red[0] - 255) + red[1] + red[2]).toBeLessThanOrEqual(2);
  });

  // Against Debian ffmpeg's own yuv420p → rgba (SWS_FLAGS) on real frames: same matrix, siting
  // and chroma filter; swscale's 14-bit fixed-point filter coefficients and dithering-free
  // rounding differ from this float arithmetic by a few levels at sharp colour edges.
  // Tolerances: PSNR ≥ 42 dB, max|Δ| ≤ 6 (measured 44.7 dB, 4).
  it.skipIf(!hasFfmpeg).each([
    ['e2e/fixtures/clip-64x48/src-03.png', 64, 48],
    ['e2e/fixtures/frame-96x64.png', 96, 64],
  ])('is close to ffmpeg on %s', (path, w, h) => {
    const yuv = ff(['-i', fixture(path), '-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const ref = ff(['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-i', 'pipe:0', '-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'], yuv);
    const ySize = w * h;
    const cSize = (w / 2) * (h / 2);
    const got = yuv420ToRgba({
      width: w, height: h, yStride: w, uvStride: w / 2,
      y: yuv.subarray(0, ySize), u: yuv.subarray(ySize, ySize + cSize), v: yuv.subarray(ySize + cSize, ySize + 2 * cSize),
    });
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - ref[i]));
    const p = psnr8(got, ref);
    console.log(`${path}: max|Δ| ${max}, PSNR ${p.toFixed(2)} dB`);
    expect(p).toBeGreaterThanOrEqual(42);
    expect(max).toBeLessThanOrEqual(6);
  });
});
