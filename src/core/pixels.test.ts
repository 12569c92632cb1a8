/**
 * The pixel formats and the one rounding rule. The shader's integer form of the rule
 * (shaders/convert.wgsl quantize8, ported line for line below) equals quantize01 on every level's
 * half-way point ± 64 f32 steps and on random samples; the convert GPU test then shows the shader
 * equals this port's answers on the GPU.
 */
import { describe, expect, it } from 'vitest';
import { createImage } from './image.ts';
import { makeRng } from './rng.ts';
import { fromRgb24, fromRgba8, packRgba8, quantize01, quantizeImage, rgb24ToRgba, rgbaToRgb24, toRgb24, toRgba8 } from './pixels.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** convert.wgsl's quantize8, in JS (u32 arithmetic: every intermediate < 2^32). */
function quantize8Wgsl(x: number): number {
  f32[0] = x;
  const v = Math.min(1, Math.max(0, f32[0]));
  if (!(v >= 0.001953125)) return 0;
  f32[0] = v;
  const bits = u32[0];
  const e = ((bits >>> 23) & 0xff) - 127;
  const m = (bits & 0x7fffff) | 0x800000;
  const s = 23 - e;
  const p = m * 255; // < 2^32: exact in a double, as in u32
  return (Math.floor(p / 2 ** (s - 1)) + 1) >>> 1;
}

describe('the one rounding rule', () => {
  it('quantize01 = the shader\'s integer form on every level\'s half-way point ± 64 f32 steps, and on random samples', () => {
    const bad: string[] = [];
    let checked = 0;
    const check = (v: number) => {
      const want = quantize01(v);
      // The shader's form, and the exact product rounded half up (v·255 of an f32 is exact in a double).
      if (quantize8Wgsl(v) !== want || (v >= 0 && v <= 1 && want !== Math.floor(v * 255 + 0.5))) bad.push(`v = ${v}`);
      checked++;
    };
    for (let k = 0; k < 255; k++) {
      f32[0] = (k + 0.5) / 255;
      const mid = u32[0];
      for (let d = -64; d <= 64; d++) {
        u32[0] = mid + d;
        check(f32[0]);
      }
    }
    const rng = makeRng(7);
    for (let i = 0; i < 50_000; i++) {
      f32[0] = rng.uniform(-0.1, 1.1);
      check(f32[0]);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(checked).toBe(255 * 129 + 50_000);
  });

  it('a rounded f32 multiply would break it: such inputs exist and are among those checked', () => {
    // f32(v·255) lands on a half although the exact product does not: round-half-to-even of the
    // f32 product (the shader's old rule) then gives another level than the exact rule.
    let differ = 0;
    for (let k = 0; k < 255; k++) {
      f32[0] = (k + 0.5) / 255;
      const mid = u32[0];
      for (let d = -4; d <= 4; d++) {
        u32[0] = mid + d;
        const p = Math.fround(f32[0] * 255);
        const halfEven = p % 1 === 0.5 ? (Math.floor(p) % 2 === 0 ? Math.floor(p) : Math.ceil(p)) : Math.round(p);
        if (halfEven !== quantize01(f32[0])) differ++;
      }
    }
    expect(differ).toBeGreaterThan(0);
  });
});

describe('pixel formats', () => {
  const w = 5;
  const h = 3;
  const rgba = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37 + 11) % 256));

  it('RGBA8 ↔ planar float ↔ RGBA8 words and rgb24: lossless on 8-bit data, one byte order', () => {
    const img = fromRgba8(rgba, w, h);
    expect([...toRgba8(img)]).toEqual([...rgba]);
    expect([...new Uint8Array(packRgba8(img.data, w * h).buffer)]).toEqual([...rgba]);
    const rgb = rgbaToRgb24(rgba);
    expect([...rgb24ToRgba(rgb)]).toEqual([...rgba]);
    expect([...toRgb24(img)]).toEqual([...rgb]);
    expect(fromRgb24(rgb, w, h).data).toEqual(img.data);
    expect(quantizeImage(img).data).toEqual(img.data);
  });

  it('rgb24ToRgba adds opaque alpha', () => {
    expect([...rgb24ToRgba(Uint8Array.of(1, 2, 3, 4, 5, 6))]).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('rgb24 with a row stride (crop) and with padding (edge replication)', () => {
    const img = fromRgba8(rgba, w, h);
    const padded = toRgb24(img, w + 2, h + 1);
    const back = fromRgb24(padded, w, h, w + 2);
    expect(back.data).toEqual(img.data);
    // The padding repeats the last column and the last row.
    const px = (x: number, y: number) => [...padded.subarray((y * (w + 2) + x) * 3, (y * (w + 2) + x) * 3 + 3)];
    expect(px(w + 1, 0)).toEqual(px(w - 1, 0));
    expect(px(2, h)).toEqual(px(2, h - 1));
    expect(() => fromRgb24(new Uint8Array(10), w, h)).toThrow(RangeError);
  });

  it('quantises out-of-range and off-grid samples with the rule', () => {
    const img = createImage(2, 1, 3);
    img.data.set([-0.5, 2, 0.5, 127.5 / 255, 1 / 510, 1]); // planes R, G, B of two pixels
    const d = img.data;
    expect([...toRgba8(img)]).toEqual([0, quantize01(d[2]), quantize01(d[4]), 255, 255, quantize01(d[3]), 255, 255]);
    expect([quantize01(-0.5), quantize01(2), quantize01(0.5)]).toEqual([0, 255, 128]);
  });
});
