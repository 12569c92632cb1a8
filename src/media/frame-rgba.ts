/**
 * One decoded VideoFrame → RGBA8 exactly as the ffmpeg paths give it: its 8-bit 4:2:0 planes
 * (VideoFrame.copyTo) through yuv.ts's conversion (yuv-simd.ts: the wasm SIMD kernel, same bytes).
 * Used by the WebCodecs path (webcodecs.ts), in the frame-conversion worker (convert.worker.ts)
 * or, where that cannot run, in the media worker itself (frame-converter.ts).
 */
import { DEFAULT_COLOUR, planesOf, type YuvColour } from './yuv';
import { yuv420ToRgbaFast } from './yuv-simd';

/** What a frame must be and how to read it: plain data, so it can cross to a worker. */
export interface FrameTarget {
  /**
   * true: only 8-bit 4:2:0 frames (yuv.ts, as on the ffmpeg paths); any other frame format is a
   * reason to fall back. false: other formats are drawn by the browser (approximate; scrubbing).
   */
  exact: boolean;
  /** ffmpeg's colour interpretation of the stream (probe). */
  colour?: YuvColour;
  /** The frame size ffmpeg reports; frames of another size are a reason to fall back. */
  width: number;
  height: number;
}

/** One reusable destination for VideoFrame.copyTo (its user converts one frame at a time). */
export class CopyBuffer {
  private buf = new Uint8Array(0);
  get(bytes: number): Uint8Array {
    if (this.buf.length < bytes) this.buf = new Uint8Array(bytes);
    return this.buf.subarray(0, bytes);
  }
}

/**
 * A VideoFrame's visible pixels as RGBA8, or a reason it cannot be converted as the ffmpeg paths would.
 * 8-bit 4:2:0 (I420, I420A — whose alpha ffmpeg's decoders ignore too —, NV12) goes through
 * yuv.ts; other formats only when t.exact is false, drawn by the browser. Does not close the frame.
 */
export async function videoFrameToRgba(frame: VideoFrame, t: FrameTarget, copies: CopyBuffer): Promise<Uint8ClampedArray<ArrayBuffer> | string> {
  const vr = frame.visibleRect;
  if (!vr) return 'a decoded frame has no visible rectangle';
  const w = vr.width;
  const h = vr.height;
  if (w !== t.width || h !== t.height) return `a decoded frame is ${w}×${h}, the stream ${t.width}×${t.height}`;
  const fmt = frame.format;
  if (fmt === 'I420' || fmt === 'I420A' || fmt === 'NV12') {
    if (vr.x % 2 || vr.y % 2) return `an odd crop offset (${vr.x}, ${vr.y})`;
    // Copy an even-sized rectangle (4:2:0 planes need it); the conversion uses w × h of it.
    const rect = { x: vr.x, y: vr.y, width: Math.min(w + (w & 1), frame.codedWidth - vr.x), height: Math.min(h + (h & 1), frame.codedHeight - vr.y) };
    const buf = copies.get(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(buf, { rect });
    const planes = planesOf(fmt, buf, layout, w, h);
    if (typeof planes === 'string') return planes;
    return yuv420ToRgbaFast(planes, t.colour ?? DEFAULT_COLOUR) as Uint8ClampedArray<ArrayBuffer>;
  }
  if (t.exact) return `decoded frames come as ${fmt ?? 'an opaque (GPU) format'}, not 8-bit 4:2:0`;
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(frame, vr.x, vr.y, w, h, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}
