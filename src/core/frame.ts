/**
 * The one 8-bit raster of the app: RGBA8, row-major, 4 bytes a pixel (ImageData's layout, what
 * canvases draw, what the media worker decodes to and what the engine takes and gives back).
 * Compute happens on ImageF32 (core/image.ts, planar float); core/pixels.ts converts between them.
 */
export interface RgbaFrame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
