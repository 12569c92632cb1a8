/**
 * Plain data the media worker hands across the worker boundary, its size limits, and the pixel
 * shuffles around ffmpeg's rawvideo (rgba → rgb24, even-size padding, cropping back).
 * Pure TS: used by the worker, the client and unit tests.
 */
import type { RgbaFrame } from '../core/frame';
import { MediaError } from './errors';

/** What probe() learns about a file, before any frame is decoded. */
export interface MediaInfo {
  kind: 'image' | 'video';
  /** Display size of decoded frames (rotation metadata already applied). */
  width: number;
  height: number;
  /** Frames in the stream; absent when the container does not say and counting would be costly. */
  frameCount?: number;
  /** Frames per second (0 for a still image). Frame i is taken to start at i / fps. */
  fps: number;
  durationS: number;
  hasAudio: boolean;
  /** Video codec (ffmpeg's name, e.g. 'h264', 'vp9', 'gif') or the still format ('png', 'jpeg', …). */
  codec: string;
  /**
   * Non-square stored pixels (anamorphic video: a DVD's 720×480 shown 16:9 has 32:27): width over
   * height of one pixel as shown. Frames stay as stored; exports carry it so players show them right.
   */
  pixelAspect?: PixelAspect;
  /** The stream says its frames are interlaced (DVD, broadcast): decode() deinterlaces them unless asked not to. */
  interlaced?: true;
}

/** A pixel's shown width : height, in lowest terms, never 1:1. */
export interface PixelAspect {
  num: number;
  den: number;
}

/** A run of decoded frames, all the same size: RGBA8, row-major, 4 bytes a pixel. */
export interface DecodedFrames {
  width: number;
  height: number;
  /** Index of frames[0] in the source. */
  start: number;
  frames: Uint8ClampedArray[];
  /** Set when ffmpeg stopped early on damaged data after yielding some frames. */
  warning?: string;
  /** Which decoder made the frames. */
  decoder?: 'image' | 'ffmpeg.wasm' | 'webcodecs';
  /** When ffmpeg.wasm decoded a video: why WebCodecs was not used for it (e.g. the codec). */
  fallback?: string;
}

export interface RoundTripResult {
  width: number;
  height: number;
  /** Decoded frames, interleaved rgb24, one per input frame. */
  frames: Uint8Array[];
  /** Size of the encoded elementary stream in bytes (for H.264 without SEI, i.e. the coded video). */
  bytes: number;
  /** The elementary stream itself (.h264 / .m4v / .m2v), when asked for with returnStream. */
  stream?: Uint8Array;
  encodeMs: number;
  decodeMs: number;
}

/** Larger frames are refused before decoding: 16.7 Mpx is 4096×4096, four times 4K UHD's area. */
export const MAX_FRAME_PIXELS = 4096 * 4096;
/** Longest side any frame may have (browsers' canvas limit is 16384; keep a margin for 4× upscaling). */
export const MAX_FRAME_SIDE = 8192;
/** Most bytes one decode() call may return; the UI asks for chunks of frames, not whole clips. */
export const MAX_DECODE_BYTES = 512 * 2 ** 20;

/** Throws 'too-large' (naming the file and the size) if a frame of w×h is over the limits. */
export function checkFrameSize(name: string, width: number, height: number, maxPixels = MAX_FRAME_PIXELS): void {
  if (!(width > 0 && height > 0)) {
    throw new MediaError('corrupt', `Could not decode '${name}': it declares an empty frame size (${width}×${height})`);
  }
  if (width * height > maxPixels || width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new MediaError(
      'too-large',
      `'${name}' has ${width}×${height} frames (${pixels(width * height)}); the limit is ${pixels(maxPixels)} and ` +
        `${MAX_FRAME_SIDE} px a side. Scale it down first.`,
    );
  }
}

function pixels(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} Mpx` : `${n} px`;
}

/**
 * Which frames one decode() call returns: from `start`, `count` of them (default: to the end),
 * clamped to the frames the container has. Throws 'too-large' when they would not fit in
 * MAX_DECODE_BYTES; with no count and an unknown length, as many as fit.
 */
export function planDecode(
  name: string,
  info: { width: number; height: number; frameCount?: number },
  start: number,
  count?: number,
  maxBytes = MAX_DECODE_BYTES,
): { start: number; count: number } {
  const s = Math.max(0, Math.floor(Number.isFinite(start) ? start : 0));
  const frameBytes = info.width * info.height * 4;
  const left = info.frameCount !== undefined ? Math.max(0, info.frameCount - s) : Infinity;
  const cap = Math.max(1, Math.floor(maxBytes / frameBytes));
  const n = count !== undefined ? Math.min(Math.max(0, Math.floor(count)), left) : Math.min(left, cap);
  if (n > cap) {
    throw new MediaError(
      'too-large',
      `Asked for ${n} frames of ${info.width}×${info.height} from '${name}' (${Math.round((n * frameBytes) / 2 ** 20)} MB); ` +
        `one request may return at most ${cap} of them`,
    );
  }
  return { start: s, count: n };
}

/** The frames' shared size, after checking every frame has it and carries enough data. */
export function frameSize(frames: readonly RgbaFrame[]): { width: number; height: number } {
  if (frames.length === 0) throw new MediaError('bad-input', 'No frames were given to encode');
  const { width, height } = frames[0];
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new MediaError('bad-input', `Frame ${i} is ${f.width}×${f.height} but frame 0 is ${width}×${height}; a clip has one size`);
    }
    if (!(f.data?.length >= width * height * 4)) throw new MediaError('bad-input', `Frame ${i} has no RGBA data of ${width}×${height}`);
  });
  return { width, height };
}

/**
 * Pack frames into one rgb24 buffer of padW×padH per frame (≥ the frame size), replicating the
 * last column and row into the padding: yuv420p needs even sizes, and replicated edges add no new
 * content for the encoder to spend bits on.
 */
export function packRgb24(frames: readonly RgbaFrame[], padW: number, padH: number): Uint8Array {
  const { width: w, height: h } = frameSize(frames);
  const frameBytes = padW * padH * 3;
  const out = new Uint8Array(frameBytes * frames.length);
  frames.forEach((f, k) => {
    const src = f.data;
    const base = k * frameBytes;
    for (let y = 0; y < padH; y++) {
      const sy = Math.min(y, h - 1);
      for (let x = 0; x < padW; x++) {
        const s = (sy * w + Math.min(x, w - 1)) * 4;
        const o = base + (y * padW + x) * 3;
        out[o] = src[s];
        out[o + 1] = src[s + 1];
        out[o + 2] = src[s + 2];
      }
    }
  });
  return out;
}

/** Split a run of rgb24 frames of srcW×srcH into frames of w×h (top-left crop, w ≤ srcW, h ≤ srcH). */
export function unpackRgb24(buf: Uint8Array, srcW: number, srcH: number, w: number, h: number): Uint8Array[] {
  const frameBytes = srcW * srcH * 3;
  const n = Math.floor(buf.length / frameBytes);
  const frames: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const f = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      const s = k * frameBytes + y * srcW * 3;
      f.set(buf.subarray(s, s + w * 3), y * w * 3);
    }
    frames.push(f);
  }
  return frames;
}

/** PSNR (dB, peak 255) over all bytes of two same-length 8-bit buffers; +Infinity when equal. */
export function psnr8(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`psnr8: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / sum);
}
