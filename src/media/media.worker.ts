/**
 * The media worker: probes and decodes the user's files and runs the pipeline's FFmpeg stage
 * (encode + decode round trip), off the UI thread. Reached through comlink (media-client.ts).
 *
 * - Still images (png, jpeg, webp, bmp) decode with the browser's own decoder
 *   (createImageBitmap + OffscreenCanvas): fast and exact for 8-bit PNG.
 * - Videos: WebCodecs first (webcodecs.ts: MP4/MOV whose codec the browser's VideoDecoder takes,
 *   8-bit 4:2:0), per file; ffmpeg.wasm for the rest and whenever WebCodecs cannot give ffmpeg's
 *   frames (the reason is logged and returned as DecodedFrames.fallback). Both give the same bytes
 *   as the Node CLI's native ffmpeg: for 8-bit 4:2:0 (yuv420p, yuvj420p) every path takes the
 *   decoder's raw planes and converts them with yuv.ts, the project's exact YUV → RGB; other
 *   pixel formats (4:2:2, 4:4:4, 10-bit, palettes) keep ffmpeg's swscale with SWS_FLAGS, the
 *   CLI's conversion for them too (WebCodecs leaves those to ffmpeg.wasm). Codecs this ffmpeg.wasm
 *   build cannot decode (AV1: ffprobe then gives no pixel format) are the browser's alone, 8-bit
 *   4:2:0 frames only, with the colour ffmpeg reads from the container.
 * - Frame counts are ffmpeg's: a trimmed MP4 whose edit list hides samples is counted by the
 *   packets ffmpeg keeps, and phone clips come upright (ffmpeg's autorotation), as in the CLI.
 *   Video flagged interlaced (DVD, broadcast) is deinterlaced by ffmpeg.wasm (bwdif), as in the CLI.
 * - ffmpeg.wasm runs in this worker (see ffmpeg-wasm.ts), reading the file through WORKERFS
 *   without copying it; it also probes every video (size, frame count, fps, colour).
 * - Videos decode by frame range ([start, start+count) at time start/fps, `-ss` before `-i` so
 *   ffmpeg seeks to the keyframe before it; WebCodecs decodes from the keyframe before the first
 *   wanted frame), so a long clip is never held whole in memory.
 * - Sizes are checked before decoding (image headers, ffprobe): oversized frames are refused.
 * - Every failure becomes a MediaError; after one, the worker keeps serving requests.
 */
import * as Comlink from 'comlink';
import type { RgbaFrame } from '../core/frame';
import { codecOptionsProblem, decodeArgs, encodeArgs, evenSize, DEFAULT_CODEC_OPTIONS, DEINTERLACE_FILTER, SWS_FLAGS, type CodecOptions } from './codec-args';
import { rgbaToRgb24 } from '../core/pixels';
import { MediaError, ffmpegFailure, wireErrors } from './errors';
import { FfmpegWasm, FrameSink, SINK_PATH, ffmpegCoreUrls, type RunResult } from './ffmpeg-wasm';
import {
  MAX_FRAME_PIXELS,
  checkFrameSize,
  frameSize,
  packRgb24,
  planDecode,
  type DecodedFrames,
  type MediaInfo,
  type RoundTripResult,
} from './frames';
import { keptPacketCount, parseProbe, probeHints, type DecodeHints } from './probe';
import { SNIFF_BYTES, classifyContent, contentProblem, isStill, sniff, type ContentClass, type Sniffed } from './sniff';
import type { Mp4Index } from './webcodecs';
import { DEFAULT_COLOUR, packedPlanes, yuv420FrameBytes, type YuvColour } from './yuv';
import { yuv420ToRgbaFast } from './yuv-simd';

/** The WebCodecs path and its demuxer (mp4box, ~180 kB) load with the first MP4/MOV video. */
const webcodecs = () => import('./webcodecs');

/** Which decoder a video may use: 'auto' tries WebCodecs, then ffmpeg.wasm. */
export type VideoDecoderChoice = 'auto' | 'webcodecs' | 'ffmpeg.wasm';

export interface DecodeOptions {
  /** First frame index (default 0). */
  start?: number;
  /** Frames to decode (default: to the end, within MAX_DECODE_BYTES). */
  count?: number;
  /** Refuse frames larger than this many pixels (default MAX_FRAME_PIXELS). */
  maxPixels?: number;
  /**
   * true (default): exactly the Node CLI's pixels: WebCodecs only for 8-bit 4:2:0 (yuv.ts converts
   * its planes), else ffmpeg.wasm (8-bit 4:2:0 by yuv.ts, other formats by swscale with SWS_FLAGS).
   * false: also WebCodecs frames of other formats (10-bit, 4:4:4), drawn by the browser, and
   * ffmpeg.wasm's other formats with swscale's default flags: a few levels from native. For
   * scrubbing previews. (8-bit 4:2:0 is always yuv.ts's.)
   */
  exact?: boolean;
  /**
   * 'auto' (default): WebCodecs where it can give the frames, else ffmpeg.wasm. 'ffmpeg.wasm'
   * skips WebCodecs; 'webcodecs' refuses ('unsupported') what WebCodecs cannot do. For tests and
   * benchmarks.
   */
  decoder?: VideoDecoderChoice;
  /**
   * true (default): a stream flagged interlaced is deinterlaced (codec-args.ts DEINTERLACE_FILTER,
   * as the CLI does), by ffmpeg.wasm; a range then starts a frame early so its first frame has
   * its true neighbour, and that lead frame is dropped. false: frames as stored.
   */
  deinterlace?: boolean;
  /** ffmpeg's own time limit for this call (default 60 s + 0.5 s a frame). */
  timeoutMs?: number;
  /** Set element 0 to non-zero to cancel (a SharedArrayBuffer-backed flag, when available). */
  cancel?: Int32Array;
}

export interface RoundTripOptions extends Partial<CodecOptions> {
  /** Also return the encoded elementary stream (e.g. to let the user download it). */
  returnStream?: boolean;
  timeoutMs?: number;
  cancel?: Int32Array;
}

let ffmpegPromise: Promise<FfmpegWasm> | null = null;
function ffmpeg(): Promise<FfmpegWasm> {
  ffmpegPromise ??= FfmpegWasm.load().catch((e) => {
    ffmpegPromise = null; // let the next call try again
    throw e;
  });
  return ffmpegPromise;
}

/** One ffmpeg run at a time: the core is a single process with one file system. */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = queue.then(fn, fn);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * Run ffmpeg; if the core itself threw (a wasm trap, out of memory) rather than exiting with a
 * code, drop it so the next call loads a fresh one.
 */
function runCore(ff: FfmpegWasm, args: string[], timeoutMs: number, opts: { probe?: boolean; sink?: FrameSink } = {}): RunResult {
  try {
    return ff.run(args, timeoutMs, opts);
  } catch (e) {
    ffmpegPromise = null;
    const msg = e instanceof Error ? e.message : String(e);
    throw new MediaError('ffmpeg-failed', `ffmpeg.wasm crashed (${msg}); it will be reloaded for the next file`);
  }
}

const tookTooLong = (r: RunResult, timeoutMs: number) => r.ms >= timeoutMs * 0.95;
const cancelled = (flag?: Int32Array) => (flag ? Atomics.load(flag, 0) !== 0 : false);
const aborted = (what: string) => new MediaError('aborted', `${what} was cancelled`);

/** The file's first bytes read once: the still-image sniff and the content class both come from them. */
async function head(blob: Blob): Promise<{ s: Sniffed; content: ContentClass }> {
  const bytes = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
  const s = sniff(bytes);
  return { s, content: classifyContent(bytes, blob.size, s) };
}

/** Empty and text files are refused here, before ffmpeg guesses from the name. */
function refuseNonMedia(name: string, content: ContentClass): ContentClass {
  const problem = contentProblem(name, content);
  if (problem) throw new MediaError('unsupported', problem);
  return content;
}

/** Probe results by file identity (name, size, first bytes' hash): decode() of chunk after chunk
 * of one clip must not re-run ffprobe each time. */
const probeCache = new Map<string, MediaInfo>();
/** Size and first bytes' hash by Blob (immutable): every call of a decode asked it twice. */
const blobKeys = new WeakMap<Blob, string>();
async function fileKey(blob: Blob, name: string): Promise<string> {
  let key = blobKeys.get(blob);
  if (key === undefined) {
    const bytes = new Uint8Array(await blob.slice(0, 65536).arrayBuffer());
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    key = `${blob.size}|${(h >>> 0).toString(16)}`;
    blobKeys.set(blob, key);
  }
  return `${name}|${key}`;
}

/** MP4 indexes for the WebCodecs path (or why a file cannot take it), by file identity. */
const mp4Cache = new Map<string, Mp4Index>();
async function mp4Index(blob: Blob, name: string): Promise<Mp4Index> {
  const key = await fileKey(blob, name);
  if (!mp4Cache.has(key)) {
    if (mp4Cache.size >= 4) mp4Cache.delete(mp4Cache.keys().next().value!);
    const index = await (await webcodecs())
      .readMp4Index(blob)
      .catch((e: unknown): Mp4Index => ({ reason: `reading the MP4 index failed (${e instanceof Error ? e.message : String(e)})` }));
    mp4Cache.set(key, index);
  }
  return mp4Cache.get(key)!;
}

/** ffprobe's hints (pixel format, colour, start offset) by file identity, beside probeCache. */
const hintsCache = new Map<string, DecodeHints>();

async function probeVideo(blob: Blob, name: string, content?: ContentClass, timeoutMs = 30_000): Promise<MediaInfo> {
  return (await probeVideoHints(blob, name, content, timeoutMs)).info;
}

async function probeVideoHints(blob: Blob, name: string, content?: ContentClass, timeoutMs = 30_000): Promise<{ info: MediaInfo; hints: DecodeHints }> {
  const key = await fileKey(blob, name);
  const hit = probeCache.get(key);
  const hitHints = hintsCache.get(key);
  if (hit && hitHints) return { info: hit, hints: hitHints };
  // (Before the serial section: reading the index awaits the blob, ffmpeg's calls below do not.)
  const index = await mp4Index(blob, name);
  const editCutsFrames = 'reason' in index && index.editCutsFrames === true;
  const info = await serial(async () => {
    const ff = await ffmpeg();
    const probeArgs = (path: string, count: boolean) => [
      // 'repeat+': ffmpeg's log would otherwise fold a message identical to the previous run's
      // into "Last message repeated", and the error would be lost.
      '-v', 'repeat+error', '-print_format', 'json', '-show_streams', '-show_format', ...(count ? ['-count_packets'] : []), path,
    ];
    // ffprobe in @ffmpeg/core 0.12 always returns -1, so success is judged by its JSON.
    const runProbe = (path: string, count: boolean): { json: { streams?: unknown[] }; r: RunResult } => {
      const r = runCore(ff, probeArgs(path, count), timeoutMs, { probe: true });
      let json: { streams?: unknown[] } = {};
      try {
        json = JSON.parse(r.stdout.join('\n')) as { streams?: unknown[] };
      } catch {
        /* no or partial JSON: judged below from the log */
      }
      return { json, r };
    };
    return ff.withInput(blob, name, (path) => {
      const first = runProbe(path, false);
      if (!first.json.streams?.length) {
        if (first.r.log.length === 0 && !tookTooLong(first.r, timeoutMs)) {
          throw new MediaError('unsupported', `Could not decode '${name}': not a video or image file ffmpeg understands`);
        }
        throw ffmpegFailure(name, first.r.log, first.r.code, tookTooLong(first.r, timeoutMs), content);
      }
      let parsed = parseProbe(first.json, name);
      // A trimmed MP4 (`ffmpeg -ss … -c copy`) keeps samples its edit list hides: nb_frames counts
      // them, ffmpeg's decoder drops them (the demuxer flags their packets 'D'). Count what it keeps,
      // so the frame count, progress and the "ended early" check agree with the frames that come.
      if (editCutsFrames) {
        const kept = countKeptVideoPackets(ff, path, timeoutMs);
        if (kept !== null) parsed = { ...parsed, frameCount: kept };
      }
      // Containers without a frame count (webm, mkv, gif): count packets, which only demuxes —
      // cheap next to decoding — unless the file is large, where duration × fps must do.
      if (parsed.frameCount === undefined && blob.size <= 256 * 2 ** 20) {
        const counted = runProbe(path, true);
        if (counted.json.streams?.length) parsed = parseProbe(counted.json, name);
      }
      return { info: parsed, hints: probeHints(first.json) };
    });
  });
  if (probeCache.size >= 16) probeCache.delete(probeCache.keys().next().value!);
  if (hintsCache.size >= 16) hintsCache.delete(hintsCache.keys().next().value!);
  probeCache.set(key, info.info);
  hintsCache.set(key, info.hints);
  return info;
}

/**
 * How many of the first video stream's packets ffmpeg decodes into frames (probe.ts keptPacketCount).
 * Demuxes the whole file, so only for files whose index says an edit list hides samples. null when
 * ffprobe gives no answer in time.
 */
function countKeptVideoPackets(ff: FfmpegWasm, path: string, timeoutMs: number): number | null {
  const r = runCore(ff, ['-v', 'repeat+error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', path], timeoutMs, { probe: true });
  return tookTooLong(r, timeoutMs) ? null : keptPacketCount(r.stdout);
}

/** 8-bit 4:2:0 pixel formats: what every decode path hands to yuv.ts as planes (ffmpeg-node's YUV420_PIX_FMTS). */
const EXACT_PIX_FMTS = new Set(['yuv420p', 'yuvj420p']);

/** ffmpeg.wasm's rawvideo yuv420p frames (one per sink buffer) → RGBA8 by yuv.ts (its wasm SIMD form where it runs: the same bytes). */
function yuvFramesToRgba(frames: Uint8ClampedArray<ArrayBuffer>[], w: number, h: number, colour: YuvColour, visibleW = w, visibleH = h): Uint8ClampedArray<ArrayBuffer>[] {
  return frames.map((f) => {
    const out = new Uint8ClampedArray(new ArrayBuffer(visibleW * visibleH * 4));
    yuv420ToRgbaFast(packedPlanes(new Uint8Array(f.buffer, f.byteOffset, f.length), w, h, visibleW, visibleH), colour, out);
    return out;
  });
}

/**
 * Frames [start, start+count) by WebCodecs, or the reason this file (or range) is left to
 * ffmpeg.wasm. Throws only for cancel and timeout, which end the whole call.
 */
async function decodeWithWebCodecs(
  blob: Blob,
  name: string,
  info: MediaInfo,
  hints: DecodeHints,
  start: number,
  count: number,
  opts: DecodeOptions,
  deadline: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ frames: Uint8ClampedArray<ArrayBuffer>[] } | { reason: string }> {
  const exact = opts.exact !== false;
  if (typeof VideoDecoder === 'undefined') return { reason: 'this browser has no WebCodecs VideoDecoder' };
  // A pixel format ffprobe does not know means ffmpeg.wasm has no decoder for the codec (AV1 in
  // this build): the browser may have one, and each decoded frame's format decides (frame-rgba.ts).
  if (exact && hints.pixFmt !== undefined && !EXACT_PIX_FMTS.has(hints.pixFmt)) return { reason: `its pixel format (${hints.pixFmt}) is not 8-bit 4:2:0` };
  const index = await mp4Index(blob, name);
  if ('reason' in index) return index;
  const { track } = index;
  if (track.width !== info.width || track.height !== info.height) {
    return { reason: `the MP4 says ${track.width}×${track.height}, the stream ${info.width}×${info.height}` };
  }
  if (info.frameCount !== undefined && track.samples.length !== info.frameCount) {
    return { reason: `the MP4 index has ${track.samples.length} frames, ffprobe ${info.frameCount}` };
  }
  // A range not starting at 0: ffmpeg seeks by time ((start − ½)/fps from the file's start), which
  // is frame `start` only for a constant rate and a video track that starts with the file.
  if (exact && start > 0 && !track.constantRate) return { reason: 'a variable frame rate (ffmpeg seeks by time)' };
  if (exact && start > 0 && Math.abs(hints.startOffsetS) * info.fps >= 0.25) {
    return { reason: `the video starts ${hints.startOffsetS.toFixed(3)} s after the file (ffmpeg seeks by time)` };
  }
  let last = 0;
  const r = await (await webcodecs()).decodeMp4Range(blob, track, start, count, {
    exact,
    colour: hints.colour,
    width: info.width,
    height: info.height,
    onFrame: (done) => {
      const now = performance.now();
      if (onProgress && (done === count || now - last > 100)) {
        last = now;
        void Promise.resolve(onProgress(done, count)).catch(() => undefined);
      }
    },
    cancelled: () => cancelled(opts.cancel),
    deadline,
  });
  if ('stopped' in r) {
    if (r.stopped === 'cancelled') throw aborted(`Decoding '${name}'`);
    throw new MediaError('timeout', `Decoding '${name}' took too long and was stopped`, 'WebCodecs decode past its time limit');
  }
  return r;
}

async function decodeStill(blob: Blob, name: string, s: Sniffed, maxPixels: number): Promise<ImageData> {
  if (s.width !== undefined && s.height !== undefined) checkFrameSize(name, s.width, s.height, maxPixels);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new MediaError('corrupt', `Could not decode '${name}': the ${s.format.toUpperCase()} image data is damaged`);
  }
  try {
    checkFrameSize(name, bitmap.width, bitmap.height, maxPixels);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new MediaError('unsupported', 'This browser cannot read pixels in a worker (no OffscreenCanvas 2D)');
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

const api = {
  /** Where the ffmpeg core is served from (same origin). */
  async coreUrls(): Promise<{ coreURL: string; wasmURL: string }> {
    return ffmpegCoreUrls;
  },

  /** Load ffmpeg.wasm now (otherwise it loads on first use); resolves with the load time in ms. */
  async warmUp(): Promise<number> {
    return wireErrors(async () => {
      const t0 = performance.now();
      await ffmpeg();
      return performance.now() - t0;
    });
  },

  async probe(blob: Blob, name: string): Promise<MediaInfo> {
    return wireErrors(async () => {
      const { s, content } = await head(blob);
      if (isStill(s.format)) {
        let { width, height } = s;
        if (width === undefined || height === undefined) {
          const bitmap = await createImageBitmap(blob).catch(() => {
            throw new MediaError('corrupt', `Could not decode '${name}': the ${s.format.toUpperCase()} image data is damaged`);
          });
          ({ width, height } = bitmap);
          bitmap.close();
        }
        return { kind: 'image', width, height, frameCount: 1, fps: 0, durationS: 0, hasAudio: false, codec: s.format };
      }
      return probeVideo(blob, name, refuseNonMedia(name, content));
    });
  },

  /** `onProgress` is its own argument: comlink proxies functions only at the top level. */
  async decode(blob: Blob, name: string, opts: DecodeOptions = {}, onProgress?: (done: number, total: number) => void): Promise<DecodedFrames> {
    return wireErrors(async () => {
      const start = Math.max(0, Math.floor(opts.start ?? 0)) || 0;
      const maxPixels = opts.maxPixels ?? MAX_FRAME_PIXELS;
      if (cancelled(opts.cancel)) throw aborted(`Decoding '${name}'`);
      const { s, content } = await head(blob);
      if (isStill(s.format)) {
        if (start > 0 || opts.count === 0) return { width: s.width ?? 0, height: s.height ?? 0, start, frames: [] };
        const img = await decodeStill(blob, name, s, maxPixels);
        void Promise.resolve(onProgress?.(1, 1)).catch(() => undefined);
        const out: DecodedFrames = { width: img.width, height: img.height, start: 0, frames: [img.data], decoder: 'image' };
        return Comlink.transfer(out, [img.data.buffer]);
      }
      const t0 = performance.now();
      const { info, hints } = await probeVideoHints(blob, name, refuseNonMedia(name, content));
      checkFrameSize(name, info.width, info.height, maxPixels);
      const frameBytes = info.width * info.height * 4;
      const { count } = planDecode(name, info, start, opts.count);
      if (count === 0) return { width: info.width, height: info.height, start, frames: [] };
      const timeoutMs = opts.timeoutMs ?? 60_000 + 500 * count;

      const deinterlace = info.interlaced === true && opts.deinterlace !== false;
      let fallback: string | undefined = deinterlace ? 'interlaced: ffmpeg deinterlaces it (bwdif)' : undefined;
      if (deinterlace && opts.decoder === 'webcodecs') throw new MediaError('unsupported', `WebCodecs cannot decode '${name}' as ffmpeg would: ${fallback}`);
      if (opts.decoder !== 'ffmpeg.wasm' && !deinterlace) {
        const wc = await decodeWithWebCodecs(blob, name, info, hints, start, count, opts, t0 + timeoutMs, onProgress);
        if ('frames' in wc) {
          const out: DecodedFrames = { width: info.width, height: info.height, start, frames: wc.frames, decoder: 'webcodecs' };
          return Comlink.transfer(out, out.frames.map((f) => f.buffer));
        }
        fallback = wc.reason;
        if (opts.decoder === 'webcodecs') throw new MediaError('unsupported', `WebCodecs cannot decode '${name}' as ffmpeg would: ${fallback}`);
        console.info(`[media] '${name}': ffmpeg.wasm, not WebCodecs: ${fallback}`);
      }

      // 8-bit 4:2:0: the stream's own planes (same pixel format, so no swscale runs), converted
      // by yuv.ts below; anything else: swscale's RGBA (SWS_FLAGS unless exact is false).
      const planar = EXACT_PIX_FMTS.has(hints.pixFmt ?? '') ? hints.pixFmt! : null;
      // Deinterlacing a range: one lead frame before it, decoded and dropped (DecodeOptions.deinterlace).
      const lead = deinterlace && start > 0 ? 1 : 0;
      const result = await serial(async () => {
        const ff = await ffmpeg();
        let last = 0;
        const sink = new FrameSink(
          planar ? yuv420FrameBytes(info.width, info.height) : frameBytes,
          count + lead,
          (done) => {
            const now = performance.now();
            const kept = Math.max(0, done - lead);
            if (onProgress && (kept === count || now - last > 100)) {
              last = now;
              void Promise.resolve(onProgress(kept, count)).catch(() => undefined);
            }
          },
          () => cancelled(opts.cancel),
        );
        // Seek half a frame early: -ss drops frames stamped before it, so frame `start`
        // (at start/fps) survives float rounding of its timestamp.
        const first = start - lead;
        const seek = first > 0 ? ['-ss', ((first - 0.5) / info.fps).toFixed(6)] : [];
        const r = ff.withInput(blob, name, (path) =>
          runCore(ff, [
            '-hide_banner', '-loglevel', 'repeat+error', '-nostdin',
            ...seek, '-i', path,
            '-map', '0:v:0', '-an', '-sn', '-dn',
            '-frames:v', String(count + lead), '-fps_mode', 'passthrough',
            ...(deinterlace ? ['-vf', DEINTERLACE_FILTER] : []),
            // Fixed output size: a stream that changes resolution mid-way is scaled to the first.
            '-s', `${info.width}x${info.height}`,
            ...(planar ? ['-f', 'rawvideo', '-pix_fmt', planar] : [...(opts.exact === false ? [] : ['-sws_flags', SWS_FLAGS]), '-f', 'rawvideo', '-pix_fmt', 'rgba']),
            '-y', SINK_PATH,
          ], timeoutMs, { sink }),
        );
        return { r, sink };
      });
      const { r, sink } = result;
      if (sink.cancelled) throw aborted(`Decoding '${name}'`);
      const kept = sink.frames.slice(lead);
      const frames = planar ? yuvFramesToRgba(kept, info.width, info.height, hints.colour) : kept;
      const out: DecodedFrames = { width: info.width, height: info.height, start, frames, decoder: 'ffmpeg.wasm', ...(fallback ? { fallback } : {}) };
      if (r.code !== 0) {
        const timedOut = tookTooLong(r, timeoutMs);
        const failure = ffmpegFailure(name, r.log, r.code, timedOut);
        // ffmpeg.wasm lacks the codec's decoder (ffprobe gave no pixel format) and the browser's
        // could not give the frames either: say both.
        const err = failure.code === 'unsupported' && hints.pixFmt === undefined && fallback !== undefined
          ? new MediaError('unsupported', `${failure.message} (the browser's decoder: ${fallback})`, failure.detail)
          : failure;
        // A timed-out run's frames are an arbitrary prefix: report the timeout, not a short result.
        if (frames.length === 0 || timedOut) throw err;
        out.warning = `${err.message} (after ${frames.length} frames)`;
      } else if (frames.length === 0 && start === 0) {
        throw new MediaError('corrupt', `Could not decode '${name}': no frame in it could be decoded`);
      } else if (frames.length < count && info.frameCount !== undefined) {
        out.warning = `'${name}' ended after frame ${start + frames.length} though it claims ${info.frameCount} frames (damaged or cut short?)`;
      }
      return Comlink.transfer(out, out.frames.map((f) => f.buffer));
    });
  },

  /**
   * The pipeline's FFmpeg stage: encode the frames with the codec (args from codec-args.ts),
   * decode the stream back, and report its size. Odd sizes are edge-padded to even and cropped back.
   */
  async roundTrip(frames: RgbaFrame[], opts: RoundTripOptions = {}): Promise<RoundTripResult> {
    return wireErrors(async () => {
      const o: CodecOptions = {
        codec: opts.codec ?? DEFAULT_CODEC_OPTIONS.codec,
        crf: opts.crf ?? DEFAULT_CODEC_OPTIONS.crf,
        qscale: opts.qscale ?? DEFAULT_CODEC_OPTIONS.qscale,
        profile: opts.profile ?? DEFAULT_CODEC_OPTIONS.profile,
        fps: opts.fps ?? DEFAULT_CODEC_OPTIONS.fps,
      };
      const problem = codecOptionsProblem(o);
      if (problem) throw new MediaError('bad-input', `Bad FFmpeg-stage settings: ${problem}`);
      const { width, height } = frameSize(frames);
      checkFrameSize('the frames to encode', width, height);
      const pad = evenSize(width, height);
      const raw = packRgb24(frames, pad.width, pad.height);
      const timeoutMs = opts.timeoutMs ?? 60_000 + 500 * frames.length;
      const codecName = o.codec === 'libx264' ? `libx264 (crf ${o.crf}, ${o.crf > 0 ? o.profile : 'lossless'})` : `${o.codec} (q ${o.qscale})`;
      return serial(async () => {
        const ff = await ffmpeg();
        const inPath = '/rt-in.rgb';
        const esPath = '/rt-out.es';
        try {
          ff.writeFile(inPath, raw);
          const enc = runCore(ff, encodeArgs(o, pad.width, pad.height, inPath, esPath), timeoutMs);
          ff.remove(inPath);
          if (cancelled(opts.cancel)) throw aborted('The FFmpeg stage');
          if (enc.code !== 0) {
            const why = tookTooLong(enc, timeoutMs) ? 'took too long' : `failed (exit ${enc.code}): ${enc.log.filter((l) => l.trim()).at(-1) ?? ''}`;
            throw new MediaError(tookTooLong(enc, timeoutMs) ? 'timeout' : 'ffmpeg-failed', `Encoding with ${codecName} ${why}`, enc.log.join('\n'));
          }
          const encoded = ff.readFile(esPath);
          const bytes = encoded.length;
          // yuv420p planes back (decodeArgs), converted by yuv.ts: untagged BT.601 limited, as the
          // encoder's swscale wrote them; the padding cropped off in the conversion.
          const sink = new FrameSink(yuv420FrameBytes(pad.width, pad.height), frames.length, () => undefined, () => cancelled(opts.cancel));
          const dec = runCore(ff, decodeArgs(o, esPath, SINK_PATH), timeoutMs, { sink });
          if (sink.cancelled) throw aborted('The FFmpeg stage');
          if (dec.code !== 0) {
            throw new MediaError('ffmpeg-failed', `Decoding the ${o.codec} stream back failed (exit ${dec.code})`, dec.log.join('\n'));
          }
          if (sink.frames.length !== frames.length) {
            throw new MediaError('ffmpeg-failed', `The ${o.codec} round trip gave back ${sink.frames.length} frames for ${frames.length}`);
          }
          const decoded = yuvFramesToRgba(sink.frames, pad.width, pad.height, DEFAULT_COLOUR, width, height).map((f) => rgbaToRgb24(f));
          const out: RoundTripResult = { width, height, frames: decoded, bytes, encodeMs: enc.ms, decodeMs: dec.ms };
          if (opts.returnStream) out.stream = encoded.slice();
          return Comlink.transfer(out, [...decoded.map((f) => f.buffer), ...(out.stream ? [out.stream.buffer] : [])]);
        } finally {
          ff.remove(inPath);
          ff.remove(esPath);
        }
      });
    });
  },
};

export type MediaWorkerApi = typeof api;
Comlink.expose(api);
