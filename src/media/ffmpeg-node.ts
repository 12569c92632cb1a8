/**
 * The FFmpeg stage and video decoding in Node, for the CLI and the training data factory.
 *
 * Two backends behind one interface:
 * - native: Debian's `ffmpeg` (or $VQDSR_FFMPEG), driven through rawvideo pipes (rgb24 in, yuv420p
 *   or rgb24 out). The round trip streams: an encoder process pipes its elementary stream into a
 *   decoder process, frames go in on one side and come out on the other, so a long video never
 *   sits in memory.
 * - wasm: @ffmpeg/core (the same ffmpeg 5.1 build the browser uses) loaded directly as an
 *   emscripten module in Node, working on its in-memory file system. Whole clips at a time.
 * Both run the command lines from codec-args.ts, so they encode with the same settings as the
 * app's media worker.
 *
 * YUV → RGB: 8-bit 4:2:0 video (yuv420p, yuvj420p: the round trip's own streams and nearly every
 * user clip) comes out of ffmpeg as its raw planes and is converted by yuv.ts, the conversion the
 * media worker uses for ffmpeg.wasm and WebCodecs too, so the CLI and the app decode the same
 * bytes. Every other pixel format (4:2:2, 4:4:4, 10-bit, RGB images, palettes) keeps ffmpeg's own
 * conversion to rgb24, with SWS_FLAGS so native and wasm agree.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ImageF32 } from '../core/image.ts';
import { fromRgb24, fromRgba8, toRgb24 } from '../core/pixels.ts';
import { ffmpegFailure } from './errors.ts';
import { SNIFF_BYTES, classifyContent, type ContentClass } from './sniff.ts';
import { DEINTERLACE_FILTER, SWS_FLAGS, codecOptionsProblem, decodeArgs, encodeArgs, evenSize, type CodecOptions, type FfmpegBackendName, type RoundTripStats, type RoundTripStream } from './codec-args.ts';
import { DEFAULT_COLOUR, colourOf, packedPlanes, yuv420FrameBytes, type YuvColour } from './yuv.ts';
import { isQuarterTurn } from './probe.ts';
import { yuv420ToRgbaFast } from './yuv-simd.ts';

export type { CodecOptions, FfmpegBackendName, RoundTripStats, RoundTripStream, VideoCodec, X264Profile } from './codec-args.ts';

export type FrameSource = AsyncIterable<ImageF32> | Iterable<ImageF32>;

export interface VideoInfo {
  width: number;
  height: number;
  /** ffmpeg's pixel format of the decoded frames ('yuv420p', 'yuvj420p', 'yuv444p', 'rgb24' …), when it says. */
  pixFmt?: string;
  /** The YUV → RGB matrix and range of the stream (its colorspace and range tags, as ffmpeg reads them). */
  colour: YuvColour;
  /** The stream says its frames are interlaced (field order top/bottom first): decoded through DEINTERLACE_FILTER unless asked not to. */
  interlaced?: true;
}

export interface DecodeFileOptions {
  /** Deinterlace a stream flagged interlaced (default true; codec-args.ts DEINTERLACE_FILTER). */
  deinterlace?: boolean;
}

export interface FrameRange {
  /** First frame index, inclusive. */
  start?: number;
  /** End frame index, exclusive. */
  end?: number;
}

export interface FfmpegNode {
  readonly backend: FfmpegBackendName;
  /** Encode the clip with `settings` and decode it again (the pipeline's FFmpeg stage). */
  roundTrip(frames: FrameSource, settings: CodecOptions): RoundTripStream;
  /** Frame size of the first video stream of a file (video or still image). */
  probe(file: string): Promise<VideoInfo>;
  /** Decode a video (or image) file to frames, optionally only frames [start, end). */
  decodeFile(file: string, range?: FrameRange, opts?: DecodeFileOptions): Promise<{ info: VideoInfo; frames: AsyncIterable<ImageF32> }>;
}

/** No ffmpeg can run here: the message tells the user what to install. */
export class FfmpegUnavailableError extends Error {
  constructor(detail: string) {
    super(
      'No usable ffmpeg: install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`; macOS: `brew install ffmpeg`) ' +
        `or set VQDSR_FFMPEG to its path. (${detail})`,
    );
    this.name = 'FfmpegUnavailableError';
  }
}

/** ffmpeg ran and failed (bad input file, unsupported codec …); carries its own error text. */
export class FfmpegError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FfmpegError';
  }
}

/**
 * A failed probe as the user's words: the media layer's reading of ffmpeg's log (audio only, an
 * unknown format, a cut MP4 — the latter only when the bytes are an MP4), with the file's content
 * class from its first bytes where it is readable.
 */
function probeFailure(name: string, log: readonly string[], code: number, file?: string): FfmpegError {
  let content: ContentClass | undefined;
  if (file) {
    try {
      content = contentOfFile(file);
    } catch {
      /* unreadable here: judged from the log alone */
    }
  }
  return new FfmpegError(ffmpegFailure(name, log, code, false, content).message);
}

/** The first SNIFF_BYTES of a file (for sniff.ts) and its size, without loading the rest. */
export function readFileHead(file: string): { head: Uint8Array; size: number } {
  const size = statSync(file).size;
  const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return { head, size };
}

/** A file's content class from its first bytes (sniff.ts), never from its name. */
export function contentOfFile(file: string): ContentClass {
  const { head, size } = readFileHead(file);
  return classifyContent(head, size);
}

let cached: Promise<FfmpegNode> | null = null;

/**
 * The ffmpeg to use: native when present, else the wasm core, else FfmpegUnavailableError.
 * `prefer: 'wasm'` skips native (tests use it to compare the two).
 */
export function getFfmpeg(prefer: 'auto' | FfmpegBackendName = 'auto'): Promise<FfmpegNode> {
  if (prefer === 'wasm') return loadWasmBackend();
  if (prefer === 'native') {
    const bin = findNativeFfmpeg();
    if (!bin) return Promise.reject(new FfmpegUnavailableError('native ffmpeg not found on PATH'));
    return Promise.resolve(new NativeFfmpeg(bin));
  }
  cached ??= (async () => {
    const bin = findNativeFfmpeg();
    if (bin) return new NativeFfmpeg(bin);
    try {
      return await loadWasmBackend();
    } catch (e) {
      throw new FfmpegUnavailableError(`native ffmpeg not found; @ffmpeg/core failed to load: ${(e as Error).message}`);
    }
  })();
  cached.catch(() => {
    cached = null;
  });
  return cached;
}

/** Path of a working native ffmpeg ($VQDSR_FFMPEG, else `ffmpeg` on PATH), or null. */
export function findNativeFfmpeg(): string | null {
  const candidate = process.env.VQDSR_FFMPEG || 'ffmpeg';
  const r = spawnSync(candidate, ['-hide_banner', '-version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? candidate : null;
}

/** Top-level comma-separated fields of a stream line (commas inside parentheses stay). */
function fields(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * The first video stream of `ffmpeg -i` output: its size, pixel format and colour tags. The
 * stream line (libavcodec's avcodec_string) reads e.g.
 *   `Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 25 fps`
 *   `Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 48x32 [SAR 1:1 DAR 3:2]`
 * where the pixel format's parentheses hold the range (tv / pc), when set, then the colour space
 * (alone when primaries and transfer have the same name, else space/primaries/transfer), then
 * field order and chroma location. Untagged video says none of these: BT.601, limited range.
 */
export function parseVideoStream(log: string): VideoInfo | null {
  const lines = log.split('\n');
  for (const [i, line] of lines.entries()) {
    const at = /Stream #\d+:\d+.*?: Video: (.*)$/.exec(line);
    if (!at) continue;
    const parts = fields(at[1]);
    const sizeAt = parts.findIndex((p) => /^\d+x\d+(\s|$)/.test(p));
    if (sizeAt < 0) continue;
    const [width, height] = /^(\d+)x(\d+)/.exec(parts[sizeAt])!.slice(1).map(Number);
    // The pixel format is the field before the size (after the codec), when there is one.
    const fmt = sizeAt >= 2 ? /^([a-z][a-z0-9_]*)(?:\s*\((\d+ bpc)\))?(?:\((.*)\))?$/.exec(parts[sizeAt - 1]) : null;
    let range: string | undefined;
    let space: string | undefined;
    let interlaced = false;
    for (const item of fmt?.[3]?.split(',').map((x) => x.trim()) ?? []) {
      if (item === 'tv' || item === 'pc') range = item;
      else if (/^(top|bottom)( coded)? first/.test(item)) interlaced = true;
      else if (space === undefined && COLOUR_SPACES.has(item.split('/')[0])) space = item.split('/')[0];
    }
    // Phone clips: ffmpeg turns frames upright by the stream's display matrix (its side data,
    // listed under the stream line), so a quarter turn swaps the size the frames come in.
    const turned = quarterTurned(lines.slice(i + 1));
    return {
      width: turned ? height : width,
      height: turned ? width : height,
      ...(fmt ? { pixFmt: fmt[1] } : {}),
      colour: colourOf(space, range, fmt?.[1]),
      ...(interlaced ? { interlaced: true as const } : {}),
    };
  }
  return null;
}

/** Whether the stream whose lines follow says `displaymatrix: rotation of ±90 (or 270) degrees`. */
function quarterTurned(following: string[]): boolean {
  for (const line of following) {
    if (/^\s*Stream #|^\S/.test(line)) break; // the next stream, or the end of this input's listing
    const m = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(line);
    if (m) return isQuarterTurn(Number(m[1]));
  }
  return false;
}

/**
 * The deinterlacing filter for a stream flagged interlaced, unless turned off. Frames are decoded
 * from the first and the range picked after, so each kept frame has its true neighbours.
 */
function deinterlaceArgs(info: VideoInfo, opts: DecodeFileOptions): string[] {
  return info.interlaced && opts.deinterlace !== false ? ['-vf', DEINTERLACE_FILTER] : [];
}

/** libavutil's colour space names (av_color_space_name), how a stream line names its matrix. */
const COLOUR_SPACES = new Set(['gbr', 'bt709', 'unknown', 'reserved', 'fcc', 'bt470bg', 'smpte170m', 'smpte240m', 'ycgco', 'bt2020nc', 'bt2020c', 'smpte2085', 'chroma-derived-nc', 'chroma-derived-c', 'ictcp']);

/** 8-bit 4:2:0 pixel formats: ffmpeg hands over the planes and yuv.ts converts them. */
export const YUV420_PIX_FMTS: ReadonlySet<string> = new Set(['yuv420p', 'yuvj420p']);

/**
 * How a file's frames leave ffmpeg: 8-bit 4:2:0 as the stream's own planes (`-pix_fmt` of the same
 * name, so no swscale runs, and yuvj420p is not range-converted), converted by yuv.ts; anything
 * else as rgb24 by swscale with SWS_FLAGS (bit-exact C paths, so native and wasm agree; without
 * them native ffmpeg takes its unscaled SIMD fast path).
 */
function decodeOutput(info: VideoInfo): { args: string[]; frameBytes: number; toImage: (buf: Uint8Array) => ImageF32 } {
  const { width: w, height: h } = info;
  if (info.pixFmt && YUV420_PIX_FMTS.has(info.pixFmt)) {
    const rgba = new Uint8ClampedArray(w * h * 4); // one scratch frame per decode: fromRgba8 copies out of it
    return { args: ['-f', 'rawvideo', '-pix_fmt', info.pixFmt], frameBytes: yuv420FrameBytes(w, h), toImage: (buf) => yuvToImage(buf, w, h, info.colour, w, h, rgba) };
  }
  return { args: ['-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'rgb24'], frameBytes: w * h * 3, toImage: (buf) => fromRgb24(buf, w, h, w) };
}

/**
 * A packed yuv420p frame of w×h (ffmpeg rawvideo) → its top-left visibleW×visibleH as an image, by
 * yuv.ts, through `scratch` (RGBA of the visible size) when given.
 */
function yuvToImage(buf: Uint8Array, w: number, h: number, colour: YuvColour, visibleW = w, visibleH = h, scratch?: Uint8ClampedArray): ImageF32 {
  return fromRgba8(yuv420ToRgbaFast(packedPlanes(buf, w, h, visibleW, visibleH), colour, scratch), visibleW, visibleH);
}

function checkOptions(o: CodecOptions): void {
  const problem = codecOptionsProblem(o);
  if (problem) throw new RangeError(`compress: ${problem}`);
}

function checkClipFrame(f: ImageF32, w: number, h: number, index: number): void {
  if (f.width !== w || f.height !== h || f.channels !== 3) {
    throw new RangeError(`frame ${index} is ${f.width}×${f.height}×${f.channels}, the clip's first frame ${w}×${h}×3`);
  }
}

async function* asAsync<T>(src: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* src;
}

/** Splits a byte stream into fixed-size frames. */
class FrameAssembler {
  private buf: Uint8Array;
  private fill = 0;
  constructor(private readonly frameBytes: number) {
    this.buf = new Uint8Array(frameBytes);
  }
  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.frameBytes - this.fill, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.frameBytes) {
        const full = this.buf;
        this.buf = new Uint8Array(this.frameBytes);
        this.fill = 0;
        yield full;
      }
    }
  }
  get leftover(): number {
    return this.fill;
  }
}

// ───────────────────────────── native ─────────────────────────────

/**
 * spawn() option for the ffmpeg children of a long run: their own process group, so a terminal's
 * Ctrl-C goes to the CLI alone, which stops at a frame boundary and ends their input itself
 * (src/cli/stop-request.ts); they die with their pipes. Windows has no process groups.
 */
export const OWN_PROCESS_GROUP = { detached: process.platform !== 'win32' } as const;

class NativeFfmpeg implements FfmpegNode {
  readonly backend = 'native' as const;
  constructor(private readonly bin: string) {}

  private run(args: string[]): { proc: ChildProcessWithoutNullStreams; done: Promise<void> } {
    const proc = spawn(this.bin, args, { stdio: ['pipe', 'pipe', 'pipe'], ...OWN_PROCESS_GROUP });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => {
      if (err.length < 8192) err += c.toString();
    });
    // A dead process makes writes fail with EPIPE; the exit code below reports the real cause.
    proc.stdin.on('error', () => {});
    const done = new Promise<void>((resolve, reject) => {
      proc.on('error', (e) => reject(new FfmpegError(`could not start ${this.bin}: ${e.message}`)));
      proc.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new FfmpegError(`ffmpeg ${signal ? `killed by ${signal}` : `exited with ${code}`}: ${err.trim() || '(no message)'}`));
      });
    });
    done.catch(() => {});
    return { proc, done };
  }

  roundTrip(frames: FrameSource, settings: CodecOptions): RoundTripStream {
    let settle!: { resolve: (s: RoundTripStats) => void; reject: (e: unknown) => void };
    const stats = new Promise<RoundTripStats>((resolve, reject) => (settle = { resolve, reject }));
    stats.catch(() => {});
    const self = this;

    async function* decoded(): AsyncGenerator<ImageF32> {
      checkOptions(settings);
      const it = asAsync(frames)[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done) {
        settle.resolve({ encodedBytes: 0, frames: 0, backend: 'native' });
        return;
      }
      const head: ImageF32 = first.value;
      const { width: w, height: h } = head;
      const { width: pw, height: ph } = evenSize(w, h);
      const enc = self.run(encodeArgs(settings, pw, ph, 'pipe:0', 'pipe:1'));
      const dec = self.run(decodeArgs(settings, 'pipe:0', 'pipe:1'));
      let encodedBytes = 0;
      let sent = 0;
      let received = 0;
      enc.proc.stdout.on('data', (c: Buffer) => {
        encodedBytes += c.length;
      });
      enc.proc.stdout.pipe(dec.proc.stdin);

      async function* rgbIn(): AsyncGenerator<Uint8Array> {
        checkClipFrame(head, w, h, 0);
        yield toRgb24(head, pw, ph);
        sent = 1;
        for (let r = await it.next(); !r.done; r = await it.next()) {
          checkClipFrame(r.value, w, h, sent);
          yield toRgb24(r.value, pw, ph);
          sent++;
        }
      }
      // An object, not a `let`: the catch below sets it, and TS narrows a `let` to null.
      const feed: { error: Error | null } = { error: null };
      const feeding = pipeline(Readable.from(rgbIn()), enc.proc.stdin).catch((e: unknown) => {
        feed.error = e instanceof Error ? e : new Error(String(e));
        enc.proc.kill('SIGKILL');
        dec.proc.kill('SIGKILL');
      });

      let finished = false;
      try {
        // yuv420p planes back (decodeArgs), converted by yuv.ts: the encoder's swscale wrote
        // untagged BT.601 limited range, which is what the decoder reports and yuv.ts assumes.
        const asm = new FrameAssembler(yuv420FrameBytes(pw, ph));
        for await (const chunk of dec.proc.stdout as AsyncIterable<Buffer>) {
          for (const yuv of asm.push(chunk)) {
            received++;
            yield yuvToImage(yuv, pw, ph, DEFAULT_COLOUR, w, h);
          }
        }
        await feeding;
        if (feed.error) throw feed.error;
        await enc.done;
        await dec.done;
        if (received !== sent || asm.leftover !== 0) {
          throw new FfmpegError(`round trip returned ${received} frames (+${asm.leftover} bytes) for ${sent} sent`);
        }
        finished = true;
        settle.resolve({ encodedBytes, frames: received, backend: 'native' });
      } catch (e) {
        settle.reject(e);
        throw e;
      } finally {
        if (!finished) {
          enc.proc.kill('SIGKILL');
          dec.proc.kill('SIGKILL');
          await it.return?.(undefined);
          settle.reject(new Error('round trip stopped before its last frame'));
        }
      }
    }
    return { frames: decoded(), stats };
  }

  async probe(file: string): Promise<VideoInfo> {
    const r = spawnSync(this.bin, ['-hide_banner', '-loglevel', 'info', '-nostdin', '-i', file], { encoding: 'utf8' });
    const info = parseVideoStream(r.stderr ?? '');
    if (!info) throw probeFailure(file, (r.stderr ?? '').split('\n'), r.status ?? 1, file);
    return info;
  }

  async decodeFile(file: string, range: FrameRange = {}, opts: DecodeFileOptions = {}): Promise<{ info: VideoInfo; frames: AsyncIterable<ImageF32> }> {
    const info = await this.probe(file);
    const start = range.start ?? 0;
    const end = range.end ?? Infinity;
    const self = this;
    const output = decodeOutput(info);
    async function* frames(): AsyncGenerator<ImageF32> {
      if (end <= start) return;
      const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-map', '0:v:0'];
      // Stop the decoder early instead of decoding the rest of a long file.
      if (Number.isFinite(end)) args.push('-frames:v', String(end));
      args.push('-fps_mode', 'passthrough', ...deinterlaceArgs(info, opts), ...output.args, 'pipe:1');
      const dec = self.run(args);
      dec.proc.stdin.end();
      let index = 0;
      let complete = false;
      try {
        const asm = new FrameAssembler(output.frameBytes);
        for await (const chunk of dec.proc.stdout as AsyncIterable<Buffer>) {
          for (const raw of asm.push(chunk)) {
            if (index >= start && index < end) yield output.toImage(raw);
            index++;
          }
        }
        await dec.done;
        complete = true;
      } finally {
        if (!complete) dec.proc.kill('SIGKILL');
      }
    }
    return { info, frames: frames() };
  }
}

// ───────────────────────────── wasm ─────────────────────────────

/** The part of @ffmpeg/core's emscripten module we use. */
interface FfmpegCoreModule {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
    unlink(path: string): void;
  };
  exec(...args: string[]): number;
  reset(): void;
  setLogger(fn: (l: { type: string; message: string }) => void): void;
}

let wasmBackend: Promise<FfmpegNode> | null = null;

function loadWasmBackend(): Promise<FfmpegNode> {
  wasmBackend ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package exports its UMD build to require(); the ESM build sits beside it.
    const umd = require.resolve('@ffmpeg/core');
    const esm = path.join(path.dirname(path.dirname(umd)), 'esm', 'ffmpeg-core.js');
    const wasmBinary = await readFile(esm.replace(/\.js$/, '.wasm'));
    const g = globalThis as { self?: unknown };
    // The core is built for browsers and workers only; at start-up it reads self.location.href
    // (its own URL) and nothing else from the worker scope, so a one-field shim is enough.
    const shimmed = g.self === undefined;
    if (shimmed) g.self = { location: { href: pathToFileURL(esm).href } };
    try {
      const mod = (await import(pathToFileURL(esm).href)) as { default: (o: object) => Promise<FfmpegCoreModule> };
      const core = await mod.default({ wasmBinary, locateFile: (p: string) => p });
      return new WasmFfmpeg(core);
    } finally {
      if (shimmed) delete g.self;
    }
  })();
  wasmBackend.catch(() => {
    wasmBackend = null;
  });
  return wasmBackend;
}

class WasmFfmpeg implements FfmpegNode {
  readonly backend = 'wasm' as const;
  private log: string[] = [];
  private seq = 0;
  constructor(private readonly core: FfmpegCoreModule) {
    core.setLogger((l) => {
      if (this.log.length < 200) this.log.push(l.message);
    });
  }

  /** Run one ffmpeg command in the core (synchronous inside the module); returns its exit code. */
  private exec(args: string[]): number {
    this.log = [];
    this.core.reset();
    return this.core.exec(...args);
  }

  private tmp(ext: string): string {
    return `/vqdsr-${process.pid}-${this.seq++}.${ext}`;
  }

  private unlink(...paths: string[]): void {
    for (const p of paths) {
      try {
        this.core.FS.unlink(p);
      } catch {
        /* never written */
      }
    }
  }

  roundTrip(frames: FrameSource, settings: CodecOptions): RoundTripStream {
    let settle!: { resolve: (s: RoundTripStats) => void; reject: (e: unknown) => void };
    const stats = new Promise<RoundTripStats>((resolve, reject) => (settle = { resolve, reject }));
    stats.catch(() => {});
    const self = this;
    async function* decoded(): AsyncGenerator<ImageF32> {
      checkOptions(settings);
      // The core works on whole files: gather the clip, run both commands, hand the frames back.
      const chunks: Uint8Array[] = [];
      let w = 0;
      let h = 0;
      let pw = 0;
      let ph = 0;
      for await (const f of asAsync(frames)) {
        if (chunks.length === 0) {
          ({ width: w, height: h } = f);
          ({ width: pw, height: ph } = evenSize(w, h));
        }
        checkClipFrame(f, w, h, chunks.length);
        chunks.push(toRgb24(f, pw, ph));
      }
      if (chunks.length === 0) {
        settle.resolve({ encodedBytes: 0, frames: 0, backend: 'wasm' });
        return;
      }
      const raw = self.tmp('rgb');
      const es = self.tmp('es');
      const out = self.tmp('yuv');
      let decodedYuv: Uint8Array;
      let encodedBytes: number;
      try {
        const all = new Uint8Array(chunks.length * pw * ph * 3);
        chunks.forEach((c, i) => all.set(c, i * c.length));
        chunks.length = 0;
        self.core.FS.writeFile(raw, all);
        if (self.exec(encodeArgs(settings, pw, ph, raw, es)) !== 0) throw new FfmpegError(`ffmpeg.wasm encode failed: ${self.log.join(' ')}`);
        encodedBytes = self.core.FS.readFile(es).length;
        if (self.exec(decodeArgs(settings, es, out)) !== 0) throw new FfmpegError(`ffmpeg.wasm decode failed: ${self.log.join(' ')}`);
        decodedYuv = self.core.FS.readFile(out);
        const n = all.length / (pw * ph * 3);
        if (decodedYuv.length !== n * yuv420FrameBytes(pw, ph)) {
          throw new FfmpegError(`round trip returned ${decodedYuv.length / yuv420FrameBytes(pw, ph)} frames for ${n} sent`);
        }
      } catch (e) {
        settle.reject(e);
        throw e;
      } finally {
        self.unlink(raw, es, out);
      }
      // yuv420p planes back (decodeArgs), converted by yuv.ts as in the native round trip.
      const frameBytes = yuv420FrameBytes(pw, ph);
      const n = decodedYuv.length / frameBytes;
      for (let i = 0; i < n; i++) yield yuvToImage(decodedYuv.subarray(i * frameBytes, (i + 1) * frameBytes), pw, ph, DEFAULT_COLOUR, w, h);
      settle.resolve({ encodedBytes, frames: n, backend: 'wasm' });
    }
    return { frames: decoded(), stats };
  }

  private probeMounted(p: string, name: string): VideoInfo {
    // -loglevel info explicitly: the core keeps the log level of its previous command.
    this.exec(['-hide_banner', '-loglevel', 'info', '-i', p]);
    const info = parseVideoStream(this.log.join('\n'));
    if (!info) throw probeFailure(name, this.log.filter((l) => !l.startsWith('Aborted(')), 1);
    return info;
  }

  async probe(file: string): Promise<VideoInfo> {
    const p = this.tmp(path.extname(file).slice(1) || 'bin');
    this.core.FS.writeFile(p, await readFile(file));
    try {
      return this.probeMounted(p, file);
    } finally {
      this.unlink(p);
    }
  }

  async decodeFile(file: string, range: FrameRange = {}, opts: DecodeFileOptions = {}): Promise<{ info: VideoInfo; frames: AsyncIterable<ImageF32> }> {
    const p = this.tmp(path.extname(file).slice(1) || 'bin');
    const out = this.tmp('raw');
    this.core.FS.writeFile(p, await readFile(file));
    let raw: Uint8Array;
    let info: VideoInfo;
    let output: ReturnType<typeof decodeOutput>;
    try {
      info = this.probeMounted(p, file);
      output = decodeOutput(info);
      const start = range.start ?? 0;
      const end = range.end ?? Infinity;
      const args = ['-hide_banner', '-loglevel', 'error', '-i', p, '-map', '0:v:0'];
      if (Number.isFinite(end)) args.push('-frames:v', String(end));
      args.push('-fps_mode', 'passthrough', ...deinterlaceArgs(info, opts), ...output.args, out);
      if (this.exec(args) !== 0) throw new FfmpegError(`ffmpeg.wasm could not decode ${file}: ${this.log.join(' ')}`);
      const all = this.core.FS.readFile(out);
      const fb = output.frameBytes;
      raw = all.subarray(Math.min(start, Math.floor(all.length / fb)) * fb);
    } finally {
      this.unlink(p, out);
    }
    const { frameBytes: fb, toImage } = output;
    async function* frames(): AsyncGenerator<ImageF32> {
      for (let o = 0; o + fb <= raw.length; o += fb) yield toImage(raw.subarray(o, o + fb));
    }
    return { info, frames: frames() };
  }
}
