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
import { InlineConverter, WorkerConverter, type FrameConverter } from './frame-converter';
import { decodeMp4Range, decoderConfig, readMp4Index } from './webcodecs';
import { planesOf, yuv420ToRgba, type PlaneLayout } from './yuv';
import { lastFlaggedPixels, yuv420ToRgbaSimd, yuvSimdAvailable } from './yuv-simd';

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
 * Where WebCodecs' time goes, in this (harness) worker, part by part: the MP4 index (mp4box; the
 * media worker caches it per file), the browser's VideoDecoder alone (samples read beforehand,
 * frames closed unread), the decoder with VideoFrame.copyTo into one reused buffer, yuv.ts's
 * conversion of one frame's planes (the JS reference and the wasm SIMD kernel the decode paths
 * use, into a reused buffer), a fresh RGBA frame's memory, and decodeMp4Range whole (without the
 * media worker's hop and probe cache), converting in the frame-conversion worker as the media
 * worker does, and in its own thread.
 */
async function webcodecsParts(blob: Blob, frames: number) {
  const t0 = performance.now();
  const index = await readMp4Index(blob);
  const indexMs = performance.now() - t0;
  if ('reason' in index) return { skipped: index.reason };
  const { track } = index;
  const n = Math.min(frames, track.samples.length);
  const lo = Math.min(...track.samples.slice(0, n).map((s) => s.offset));
  const hi = Math.max(...track.samples.slice(0, n).map((s) => s.offset + s.size));
  const span = new Uint8Array(await blob.slice(lo, hi).arrayBuffer());
  type Copied = { buf: Uint8Array; layout: PlaneLayout[]; w: number; h: number };
  const decodeOnce = (copy: boolean) => async (): Promise<Copied | null> => {
    const got: { planes: Copied | null } = { planes: null };
    const pending: Promise<void>[] = [];
    let buf = new Uint8Array(0);
    const dec = new VideoDecoder({
      output: (f) => {
        if (!copy || f.format !== 'I420') return f.close();
        if (buf.length < f.allocationSize()) buf = new Uint8Array(f.allocationSize());
        const w = f.visibleRect!.width;
        const h = f.visibleRect!.height;
        pending.push(f.copyTo(buf).then((layout) => void (got.planes ??= { buf: buf.slice(), layout, w, h })).finally(() => f.close()));
      },
      error: () => undefined,
    });
    dec.configure(decoderConfig(track));
    for (let i = 0; i < n; i++) {
      const sm = track.samples[i];
      const data = span.subarray(sm.offset - lo, sm.offset - lo + sm.size);
      dec.decode(new EncodedVideoChunk({ type: sm.is_sync ? 'key' : 'delta', timestamp: Math.round((sm.cts * 1e6) / sm.timescale), data }));
    }
    await dec.flush();
    await Promise.all(pending);
    dec.close();
    return got.planes;
  };
  const decode = await timed(decodeOnce(false));
  const withCopy = await timed(decodeOnce(true));
  const p = withCopy.out;
  if (!p) return { skipped: 'no I420 frame' };
  const planes = planesOf('I420', p.buf, p.layout, p.w, p.h);
  if (typeof planes === 'string') return { skipped: planes };
  const out = new Uint8ClampedArray(p.w * p.h * 4);
  const convert = async (fn: () => unknown) => r1((await timed(async () => { for (let k = 0; k < 10; k++) fn(); })).ms / 10);
  // (warm: V8 tiers both up before the timed runs)
  for (let k = 0; k < 20; k++) yuv420ToRgbaSimd(planes, undefined, out);
  const simdMs = yuvSimdAvailable() ? await convert(() => yuv420ToRgbaSimd(planes, undefined, out)) : null;
  const flagged = lastFlaggedPixels;
  const jsMs = await convert(() => yuv420ToRgba(planes, undefined, out));
  // A fresh RGBA frame written once: what every decoded frame costs in memory alone (page faults
  // and zeroing of a new buffer; the frames leave the worker, so their buffers cannot be reused).
  const fresh = await timed(async () => {
    for (let k = 0; k < 5; k++) new Uint8ClampedArray(p.w * p.h * 4).fill(1);
  });
  const range = (converter?: FrameConverter) =>
    timed(async () => {
      const r = await decodeMp4Range(blob, track, 0, n, { exact: true, width: track.width, height: track.height, onFrame: () => undefined, cancelled: () => false, deadline: Infinity, converter });
      if (!('frames' in r)) throw new Error(`decodeMp4Range: ${JSON.stringify(r)}`);
    });
  const whole = await range();
  const two = new WorkerConverter(2);
  const wholeTwo = await range(two);
  two.close();
  const wholeInline = await range(new InlineConverter());
  const part = (ms: number) => ({ ms: r1(ms), msPerFrame: r1(ms / n) });
  return {
    mp4IndexMs: r1(indexMs),
    videoDecoderOnly: { frames: n, ...part(decode.ms), fps: r1((n * 1000) / decode.ms) },
    videoDecoderWithCopyTo: part(withCopy.ms),
    yuvToRgbaMsPerFrame: { wasmSimd: simdMs, jsReference: jsMs, simdFlaggedPixels: flagged },
    freshRgbaFrameWrittenMs: r1(fresh.ms / 5),
    decodeMp4RangeInThisWorker: { conversionWorker: part(whole.ms), twoConversionWorkers: part(wholeTwo.ms), convertingInThisThread: part(wholeInline.ms) },
  };
}

/**
 * The decode comparison with its parts, and the speed-up WebCodecs would have if nothing but the
 * browser's VideoDecoder took time (ffmpeg.wasm's ms over the decoder's alone): the ceiling.
 */
function withCeiling(both: Awaited<ReturnType<typeof bothDecoders>>, parts: Awaited<ReturnType<typeof webcodecsParts>>) {
  const dec = 'videoDecoderOnly' in parts ? parts.videoDecoderOnly?.ms : undefined;
  return { ...both, webcodecsParts: parts, speedupIfOnlyVideoDecoder: dec ? r1(both.ffmpegWasm.ms / dec) : null };
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
            ...withCeiling(await bothDecoders(media, clip, 'sample-1080p.mp4', { count: 25 }, 25), await webcodecsParts(clip, 25)),
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
          decodeSample480x270: withCeiling(decodeSample, await webcodecsParts(blob, 75)),
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
            "the browser's VideoDecoder (native, threads) + yuv.ts YUV→RGB (wasm SIMD, yuv-simd.ts) in the media worker; " +
            'ffmpeg.wasm = one wasm thread, then the same YUV→RGB. ' +
            'Both on the CPU (no GPU involved); on a shared machine their ratio moves with the load.',
        };
      } finally {
        media.terminate();
      }
    },
  },
];
