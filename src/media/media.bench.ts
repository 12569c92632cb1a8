/**
 * Media worker timings on real content (the bundled sample): ffmpeg.wasm load, decode speed
 * (whole clip, and a scrubber-sized chunk from the middle, which seeks), and the FFmpeg stage
 * (libx264 crf 23 high round trip) at the pipeline's LR size for ×4 (480×270) and at 1920×1080.
 * Median of RUNS after one warm-up. Runs in the harness worker; the media worker is its own thread.
 */
import type { GpuTestContext } from '../gpu/gputest';
import { MediaClient } from './media-client';
import type { RgbaFrame } from '../core/frame';
import { median } from '../gpu/bench-util';

const RUNS = 3;
const r1 = (v: number) => Math.round(v * 10) / 10;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; out: T }> {
  await fn();
  const ms: number[] = [];
  let out!: T;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), out };
}

/** Nearest-neighbour ×k of an RGBA frame: a 1920×1080 frame with the sample's content. */
function upscale(rgba: Uint8ClampedArray, w: number, h: number, k: number): RgbaFrame {
  const W = w * k;
  const out = new Uint8ClampedArray(W * h * k * 4);
  const src = new Uint32Array(rgba.buffer, rgba.byteOffset, w * h);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < h * k; y++) {
    const row = Math.floor(y / k) * w;
    for (let x = 0; x < W; x++) dst[y * W + x] = src[row + Math.floor(x / k)];
  }
  return { width: W, height: h * k, data: out };
}

export const benches = [
  {
    name: 'media: ffmpeg.wasm load, decode, x264 round trip (480×270 and 1920×1080)',
    async run(ctx: GpuTestContext): Promise<Record<string, unknown>> {
      const media = new MediaClient();
      try {
        const loadMs = await media.warmUp();
        const blob = new Blob([(await ctx.fetchBytes('/samples/sample.mp4')) as BlobPart]);
        const whole = await timed(() => media.decode(blob, 'sample.mp4', { count: 75 }));
        const chunk = await timed(() => media.decode(blob, 'sample.mp4', { start: 36, count: 12 }));
        const wholeFast = await timed(() => media.decode(blob, 'sample.mp4', { count: 75, exact: false }));
        const chunkFast = await timed(() => media.decode(blob, 'sample.mp4', { start: 36, count: 12, exact: false }));
        const lr: RgbaFrame[] = whole.out.frames.slice(0, 8).map((f) => ({ width: 480, height: 270, data: f }));
        const rtLr = await timed(() => media.roundTrip(lr, { codec: 'libx264', crf: 23, profile: 'high' }));
        const hr = whole.out.frames.slice(0, 3).map((f) => upscale(f, 480, 270, 4));
        const rtHr = await timed(() => media.roundTrip(hr, { codec: 'libx264', crf: 23, profile: 'high', returnStream: true }));
        // Decode speed at 1080p: the round trip's own H.264 stream, read back as a user file.
        const h264 = new Blob([rtHr.out.stream! as BlobPart]);
        const dec1080 = await timed(() => media.decode(h264, 'bench.h264', { count: 3 }));
        const dec1080Fast = await timed(() => media.decode(h264, 'bench.h264', { count: 3, exact: false }));
        // (exact: false on a raw .h264 falls back to ffmpeg.wasm's default conversion: WebCodecs
        // needs an MP4, and the repo ships no 1080p MP4.)
        return {
          ffmpegLoadMs: r1(loadMs),
          decode480x270: { frames: 75, ms: r1(whole.ms), msPerFrame: r1(whole.ms / 75) },
          decodeChunk12From36: { ms: r1(chunk.ms), msPerFrame: r1(chunk.ms / 12) },
          webcodecs480x270: { decoder: wholeFast.out.decoder, ms: r1(wholeFast.ms), msPerFrame: r1(wholeFast.ms / 75) },
          webcodecsChunk12From36: { ms: r1(chunkFast.ms), msPerFrame: r1(chunkFast.ms / 12) },
          decode1920x1080: { frames: dec1080.out.frames.length, ms: r1(dec1080.ms), msPerFrame: r1(dec1080.ms / 3) },
          decode1920x1080NotExact: { decoder: dec1080Fast.out.decoder, ms: r1(dec1080Fast.ms), msPerFrame: r1(dec1080Fast.ms / 3) },
          x264crf23RoundTrip480x270: {
            frames: 8, ms: r1(rtLr.ms), msPerFrame: r1(rtLr.ms / 8), bytes: rtLr.out.bytes,
            encodeMs: r1(rtLr.out.encodeMs), decodeMs: r1(rtLr.out.decodeMs),
          },
          x264crf23RoundTrip1920x1080: {
            frames: 3, ms: r1(rtHr.ms), msPerFrame: r1(rtHr.ms / 3), bytes: rtHr.out.bytes,
            encodeMs: r1(rtHr.out.encodeMs), decodeMs: r1(rtHr.out.decodeMs),
          },
          note: 'libx264 in ffmpeg.wasm is single-threaded C (no SIMD); medians of 3 after 1 warm-up',
        };
      } finally {
        media.terminate();
      }
    },
  },
];
