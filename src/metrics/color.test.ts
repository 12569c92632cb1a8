import { describe, expect, it } from 'vitest';
import { createImage } from '../core/image';
import { fromRgba8 } from '../core/pixels';
import { cropPlane, lumaOf, rgba8ToY, rgbToY } from './color';

describe('BT.601 luma (MATLAB rgb2ycbcr Y)', () => {
  it('maps black, white and the primaries to 16 + their coefficient (float32 path, |Δ| < 5e-5)', () => {
    expect(lumaOf(0, 0, 0)).toBeCloseTo(16, 4);
    expect(lumaOf(1, 1, 1)).toBeCloseTo(235, 4); // 65.481 + 128.553 + 24.966 = 219
    expect(lumaOf(1, 0, 0)).toBeCloseTo(16 + 65.481, 4);
    expect(lumaOf(0, 1, 0)).toBeCloseTo(16 + 128.553, 4);
    expect(lumaOf(0, 0, 1)).toBeCloseTo(16 + 24.966, 4);
  });

  it('reads planar ImageF32 channels in R, G, B order', () => {
    const img = createImage(2, 1);
    img.data.set([1, 0, /* G */ 0, 0, /* B */ 0, 1]);
    const y = rgbToY(img);
    expect(y.width).toBe(2);
    expect(y.data[0]).toBeCloseTo(16 + 65.481, 4);
    expect(y.data[1]).toBeCloseTo(16 + 24.966, 4);
  });

  it('gives bit-identical Y from RGBA8 and from the ImageF32 of the same pixels', () => {
    const w = 16, h = 16;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 97 + 13) % 256;
    const direct = rgba8ToY(rgba, w, h);
    const viaF32 = rgbToY(fromRgba8(rgba, w, h));
    expect(Array.from(direct.data)).toEqual(Array.from(viaF32.data));
  });

  it('crops the border like img[c:-c, c:-c]', () => {
    const p = { width: 5, height: 4, data: Float32Array.from({ length: 20 }, (_, i) => i) };
    const c = cropPlane(p, 1);
    expect([c.width, c.height]).toEqual([3, 2]);
    expect(Array.from(c.data)).toEqual([6, 7, 8, 11, 12, 13]);
    expect(() => cropPlane(p, 2)).toThrow(RangeError);
    expect(() => cropPlane(p, -1)).toThrow(RangeError);
  });
});
