import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createImage, fromRgba8, type ImageF32 } from '../core/image';
import { colorShift, temporalFlickerY } from './fidelity';

// A real 8-frame clip (the e2e fixture: src = the clip, ref = its libx264 encode, clip-64x48.mp4,
// decoded by the project's exact YUV → RGB, src/media/yuv.ts), and the expected numbers computed
// independently with numpy (float64, Y = 16 + 65.481 R + 128.553 G + 24.966 B on [0, 1], 4 px
// border dropped):
//   shift(ref, src) frame 0      = [-0.28839, -0.23214, 0.10982]
//   flicker(ref vs src)          = 2.54976
//   flicker(frozen src[0] vs src) = 9.67072 (= mean |ΔY| of the clip)
// (With the old swscale-exact decode the ref frames were darker: shift [-1.96205, -1.46071,
// -1.39598], flicker 2.57494; the same script gives those on the old PNGs.) The script, run as
// `/usr/bin/python3 fid.py e2e/fixtures/clip-64x48`:
//   import sys; import numpy as np; from PIL import Image
//   d = sys.argv[1]
//   load = lambda kind: [np.asarray(Image.open(f'{d}/{kind}-{k:02d}.png').convert('RGB'), np.float64) for k in range(8)]
//   src, ref = load('src'), load('ref'); c = 4; win = lambda a: a[c:-c, c:-c]
//   print((win(ref[0]) - win(src[0])).reshape(-1, 3).mean(0))
//   Y = lambda a: 16 + (65.481 * a[..., 0] + 128.553 * a[..., 1] + 24.966 * a[..., 2]) / 255
//   flick = lambda out, rf: np.mean([np.abs(win(Y(out[t]) - Y(out[t - 1])) - win(Y(rf[t]) - Y(rf[t - 1]))).mean() for t in range(1, 8)])
//   print(flick(ref, src), flick([src[0]] * 8, src))
// Tolerance 1e-3 levels: this code's Y is rounded through float32 (BasicSR's arithmetic).
const DIR = path.resolve(import.meta.dirname, '../../e2e/fixtures/clip-64x48');
function readPng(file: string): ImageF32 {
  const png = PNG.sync.read(readFileSync(file));
  return fromRgba8(png.data, png.width, png.height);
}
const load = (kind: 'src' | 'ref') => Array.from({ length: 8 }, (_, i) => readPng(path.join(DIR, `${kind}-${String(i).padStart(2, '0')}.png`)));
const TOL = 1e-3;

function offset(img: ImageF32, levels: [number, number, number]): ImageF32 {
  const out = createImage(img.width, img.height);
  const plane = img.width * img.height;
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) out.data[c * plane + i] = img.data[c * plane + i] + levels[c] / 255;
  return out;
}

describe('colorShift (mean per channel, 8-bit levels)', () => {
  const src = load('src');
  const ref = load('ref');

  it('matches numpy on a real frame pair', () => {
    const d = colorShift(ref[0], src[0], { cropBorder: 4 });
    [-0.28839, -0.23214, 0.10982].forEach((v, c) => expect(Math.abs(d[c] - v)).toBeLessThan(TOL));
  });

  it('recovers a blue cast added to a real frame, and its sign', () => {
    const d = colorShift(offset(src[3], [0, 0, -12]), src[3], { cropBorder: 4 });
    expect(Math.abs(d[0])).toBeLessThan(1e-4);
    expect(Math.abs(d[1])).toBeLessThan(1e-4);
    expect(Math.abs(d[2] + 12)).toBeLessThan(1e-4);
  });

  it('ignores the border it is told to drop', () => {
    const a = src[1];
    const b = createImage(a.width, a.height);
    b.data.set(a.data);
    const plane = a.width * a.height;
    for (let x = 0; x < a.width; x++) b.data[plane + x] = 1; // green row 0 set to white
    expect(colorShift(b, a)[1]).toBeGreaterThan(0.5);
    expect(colorShift(b, a, { cropBorder: 4 })).toEqual([0, 0, 0]);
  });

  it('refuses images of different sizes', () => {
    expect(() => colorShift(createImage(8, 8), createImage(8, 9))).toThrow(RangeError);
  });
});

describe('temporalFlickerY (error of the frame-to-frame change, Y levels)', () => {
  const src = load('src');
  const ref = load('ref');

  it('matches numpy on a real clip and its codec round trip', () => {
    expect(Math.abs(temporalFlickerY(ref, src, { cropBorder: 4 }) - 2.54976)).toBeLessThan(TOL);
  });

  it('a frozen frame scores the clip’s own mean |ΔY|', () => {
    const frozen = src.map(() => src[0]);
    expect(Math.abs(temporalFlickerY(frozen, src, { cropBorder: 4 }) - 9.67072)).toBeLessThan(TOL);
  });

  it('is zero for a static error (a constant offset on every frame)', () => {
    const shifted = src.map((f) => offset(f, [3, -2, 5]));
    expect(temporalFlickerY(shifted, src, { cropBorder: 4 })).toBeLessThan(1e-3);
  });

  it('measures an alternating offset: ±d on R, G, B gives 2·d·219/255 per step', () => {
    const d = 2;
    const flick = src.map((f, t) => offset(f, t % 2 ? [d, d, d] : [-d, -d, -d]));
    expect(Math.abs(temporalFlickerY(flick, src, { cropBorder: 4 }) - (2 * d * 219) / 255)).toBeLessThan(TOL);
  });

  it('is NaN for one frame and refuses clips of different lengths', () => {
    expect(temporalFlickerY([src[0]], [src[0]])).toBeNaN();
    expect(() => temporalFlickerY(src.slice(0, 3), src.slice(0, 4))).toThrow(RangeError);
  });
});
