/**
 * Media worker timings on real content (the bundled sample): ffmpeg.wasm load, decode speed of
 * both decoders, WebCodecs and ffmpeg.wasm, on the same frames with the same output bytes (whole
 * clip, a scrubber-sized chunk from the middle, which seeks, and a 1080p H.264 MP4 made by
 * media.bench-setup.mjs), and the FFmpeg stage (libx264 crf 23 high round trip) at the pipeline's
 * LR size for ×4 (480×270) and at 1920×1080.
 * Median of RUNS after one warm-up. Runs in the harness worker; the media worker is its own thread.
 */
import type { GpuTestContext } from '../gpu/gputest';
import { MediaClient } from './media-client';
import type { RgbaFrame } from '../core/frame';
import { median } from '../gpu/bench-util';
import type { DecodeRequest } from './media-client';
import { decoderConfig, readMp4Index } from './webcodecs';
import { yuv420ToRgba, type PlaneLayout } from './yuv';

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

/** One decode timed with each decoder: ms, fps, and WebCodecs' speed-up. */
async function bothDecoders(media: MediaClient, blob: Blob, name: string, req: DecodeRequest, frames: number) {
  const wc = await timed(() => media.decode(blob, name, { ...req, decoder: 'webcodecs' }));
  const ff = await timed(() => media.decode(blob, name, { ...req, decoder: 'ffmpeg.wasm' }));
  const identical = wc.out.frames.length === ff.out.frames.length && wc.out.frames.every((f, k) => f.every((v, i) => v === ff.out.frames[k][i]));
  const fps = (ms: number) => r1((frames * 1000) / ms);
  return {
    frames,
    webcodecs: { ms: r1(wc.ms), fps: fps(wc.ms), decoder: wc.out.decoder },
    ffmpegWasm: { ms: r1(ff.ms), fps: fps(ff.ms), decoder: ff.out.decoder },
    webcodecsSpeedup: r1(ff.ms / wc.ms),
    identicalRgba: identical,
  };
}

/**
 * Where WebCodecs' time goes, in this (harness) worker: the browser's VideoDecoder alone (frames
 * closed unread), and yuv.ts's conversion of one frame's planes — the exact-pixels cost.
 */
async function webcodecsParts(blob: Blob, frames: number) {
  const index = await readMp4Index(blob);
  if ('reason' in index) return { skipped: index.reason };
  const { track } = index;
  type Copied = { buf: Uint8Array; layout: PlaneLayout[]; w: number; h: number };
  const decodeOnce = async (): Promise<Copied | null> => {
    const got: { planes: Copied | null; copying: boolean } = { planes: null, copying: false };
    const pending: Promise<void>[] = [];
    const dec = new VideoDecoder({
      output: (f) => {
        if (!got.copying && f.format === 'I420') {
          got.copying = true;
          const buf = new Uint8Array(f.allocationSize());
          const w = f.visibleRect!.width;
          const h = f.visibleRect!.height;
          pending.push(f.copyTo(buf).then((layout) => void (got.planes = { buf, layout, w, h })).finally(() => f.close()));
        } else f.close();
      },
      error: () => undefined,
    });
    dec.configure(decoderConfig(track));
    const n = Math.min(frames, track.samples.length);
    for (let i = 0; i < n; i++) {
      const sm = track.samples[i];
      const data = new Uint8Array(await blob.slice(sm.offset, sm.offset + sm.size).arrayBuffer());
      dec.decode(new EncodedVideoChunk({ type: sm.is_sync ? 'key' : 'delta', timestamp: Math.round((sm.cts * 1e6) / sm.timescale), data }));
    }
    await dec.flush();
    await Promise.all(pending);
    dec.close();
    return got.planes;
  };
  const decode = await timed(decodeOnce);
  const p = decode.out;
  if (!p) return { skipped: 'no I420 frame' };
  const planes = {
    width: p.w, height: p.h, y: p.buf.subarray(p.layout[0].offset), u: p.buf.subarray(p.layout[1].offset), v: p.buf.subarray(p.layout[2].offset),
    yStride: p.layout[0].stride, uvStride: p.layout[1].stride,
  };
  const out = new Uint8ClampedArray(p.w * p.h * 4);
  const convert = await timed(async () => {
    for (let k = 0; k < 5; k++) yuv420ToRgba(planes, undefined, out);
  });
  return {
    videoDecoderOnly: { frames, ms: r1(decode.ms), fps: r1((frames * 1000) / decode.ms) },
    yuvToRgbaMsPerFrame: r1(convert.ms / 5),
  };
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
        const decodeSample = await bothDecoders(media, blob, 'sample.mp4', { count: 75 }, 75);
        const decodeChunk = await bothDecoders(media, blob, 'sample.mp4', { start: 36, count: 12 }, 12);
        // 1080p H.264 (B-frames) MP4: made before the browser started, from the sample.
        let decode1080p: Record<string, unknown>;
        try {
          const clip = new Blob([(await ctx.fetchBytes('/.cache/bench/sample-1080p.mp4')) as BlobPart]);
          decode1080p = {
            file: '.cache/bench/sample-1080p.mp4 (sample ×4 Lanczos, x264 crf 20 high)',
            ...(await bothDecoders(media, clip, 'sample-1080p.mp4', { count: 25 }, 25)),
            webcodecsParts: await webcodecsParts(clip, 25),
          };
        } catch (e) {
          decode1080p = { skipped: `no 1080p clip (media.bench-setup.mjs needs Debian ffmpeg): ${e instanceof Error ? e.message : String(e)}` };
        }
        const lr: RgbaFrame[] = whole.out.frames.slice(0, 8).map((f) => ({ width: 480, height: 270, data: f }));
        const rtLr = await timed(() => media.roundTrip(lr, { codec: 'libx264', crf: 23, profile: 'high' }));
        const hr = whole.out.frames.slice(0, 3).map((f) => upscale(f, 480, 270, 4));
        const rtHr = await timed(() => media.roundTrip(hr, { codec: 'libx264', crf: 23, profile: 'high', returnStream: true }));
        // Decode speed at 1080p: the round trip's own H.264 stream, read back as a user file.
        const h264 = new Blob([rtHr.out.stream! as BlobPart]);
        // (a raw .h264 stream is no MP4: ffmpeg.wasm, whatever the default)
        const dec1080 = await timed(() => media.decode(h264, 'bench.h264', { count: 3 }));
        return {
          ffmpegLoadMs: r1(loadMs),
          decode480x270Default: { decoder: whole.out.decoder, frames: 75, ms: r1(whole.ms), msPerFrame: r1(whole.ms / 75) },
          decodeSample480x270: { ...decodeSample, webcodecsParts: await webcodecsParts(blob, 75) },
          decodeChunk12From36: decodeChunk,
          decode1080pMp4: decode1080p,
          decode1920x1080RawH264: { decoder: dec1080.out.decoder, frames: dec1080.out.frames.length, ms: r1(dec1080.ms), msPerFrame: r1(dec1080.ms / 3) },
          x264crf23RoundTrip480x270: {
            frames: 8, ms: r1(rtLr.ms), msPerFrame: r1(rtLr.ms / 8), bytes: rtLr.out.bytes,
            encodeMs: r1(rtLr.out.encodeMs), decodeMs: r1(rtLr.out.decodeMs),
          },
          x264crf23RoundTrip1920x1080: {
            frames: 3, ms: r1(rtHr.ms), msPerFrame: r1(rtHr.ms / 3), bytes: rtHr.out.bytes,
            encodeMs: r1(rtHr.out.encodeMs), decodeMs: r1(rtHr.out.decodeMs),
          },
          note:
            'libx264 in ffmpeg.wasm is single-threaded C (no SIMD); medians of 3 after 1 warm-up. Decode: WebCodecs = ' +
            "the browser's VideoDecoder (native, threads) + yuv.ts YUV→RGB in the media worker; ffmpeg.wasm = one wasm thread. " +
            'Both on the CPU (no GPU involved); on a shared machine their ratio moves with the load.',
        };
      } finally {
        media.terminate();
      }
    },
  },
];
