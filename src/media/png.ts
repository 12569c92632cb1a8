/**
 * PNG files ↔ ImageF32 in Node (pngjs). Alpha is composited over white: clip art and UI
 * screenshots are often transparent, and white is what they are drawn on in the app.
 * 16-bit PNGs are reduced to 8 bits by pngjs, which is what the pipeline's uint8 stage sees anyway.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { createImage, type ImageF32 } from '../core/image.ts';
import { toRgb24 } from '../core/pixels.ts';

export function decodePng(bytes: Uint8Array): ImageF32 {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height, data } = png;
  const img = createImage(width, height, 3);
  const plane = width * height;
  const d = img.data;
  for (let i = 0; i < plane; i++) {
    const a = data[i * 4 + 3] / 255;
    const bg = 1 - a;
    d[i] = (data[i * 4] / 255) * a + bg;
    d[plane + i] = (data[i * 4 + 1] / 255) * a + bg;
    d[2 * plane + i] = (data[i * 4 + 2] / 255) * a + bg;
  }
  return img;
}

/** 8-bit RGB PNG (values quantised by the pipeline's one rounding rule, core/pixels.ts). */
export function encodePng(img: ImageF32): Buffer {
  const { width, height } = img;
  const rgb = toRgb24(img);
  // colorType 2 = RGB without alpha; fixed deflate settings keep the bytes reproducible.
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 6, deflateStrategy: 3 });
}

export function readPng(file: string): ImageF32 {
  return decodePng(readFileSync(file));
}

export function writePng(file: string, img: ImageF32): void {
  writeFileSync(file, encodePng(img));
}
