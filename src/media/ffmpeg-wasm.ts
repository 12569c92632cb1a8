/**
 * ffmpeg.wasm's core (@ffmpeg/core 0.12, single-threaded), driven directly inside the media worker.
 *
 * Why not @ffmpeg/ffmpeg's FFmpeg class: it only spawns its own worker and forwards messages to
 * the very core we load here. Running the core in our worker saves a second worker, a copy of
 * every file and frame across it, and lets a decode stream frames out while ffmpeg runs (the
 * frame sink below). The core's files come from our own origin: Vite `?url` imports of the
 * package's exports ('@ffmpeg/core' → ffmpeg-core.js, '@ffmpeg/core/wasm' → ffmpeg-core.wasm)
 * are served by the dev server and emitted as assets by `vite build`. No CDN.
 *
 * exec() is synchronous: while ffmpeg runs, this worker handles no messages. A stuck run is
 * ended by the core's own timeout, or by the client terminating the worker (media-client.ts).
 */
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import { MediaError } from './errors';

interface CoreFS {
  mkdir(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
  analyzePath(path: string): { exists: boolean };
  mount(type: unknown, opts: { blobs?: { name: string; data: Blob }[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: DeviceOps): void;
  mkdev(path: string, dev: number): void;
  filesystems: { WORKERFS: unknown; MEMFS: unknown };
  ErrnoError: new (errno: number) => Error;
}

interface DeviceOps {
  open?: (stream: unknown) => void;
  close?: (stream: unknown) => void;
  read: (stream: unknown, buffer: Int8Array, offset: number, length: number, pos: number) => number;
  write: (stream: unknown, buffer: Int8Array, offset: number, length: number, pos: number) => number;
}

interface Core {
  FS: CoreFS;
  exec(...args: string[]): number;
  ffprobe(...args: string[]): number;
  setTimeout(ms: number): void;
  setLogger(fn: (log: { type: string; message: string }) => void): void;
  reset(): void;
}

export interface RunResult {
  code: number;
  /** stderr lines (ffmpeg's log), last ones kept. */
  log: string[];
  /** stdout lines (ffprobe's JSON). */
  stdout: string[];
  ms: number;
}

/** Writes to this path go to the current FrameSink instead of memory-backed files. */
export const SINK_PATH = '/dev/frames';
const INPUT_DIR = '/in';
/** Wasi errno EIO: ffmpeg sees a failed write and stops cleanly. */
const EIO = 29;

/**
 * Collects rawvideo output frame by frame as ffmpeg writes it: no whole-output file in wasm
 * memory, no extra copy, and a write can be refused to cancel a run.
 */
export class FrameSink {
  readonly frames: Uint8ClampedArray<ArrayBuffer>[] = [];
  private cur: Uint8ClampedArray<ArrayBuffer> | null = null;
  private filled = 0;
  cancelled = false;

  constructor(
    readonly frameBytes: number,
    readonly maxFrames: number,
    private readonly onFrame: (done: number) => void,
    private readonly shouldCancel: () => boolean,
  ) {}

  /** Returns false to refuse the write (cancel or more frames than asked for). */
  write(bytes: Int8Array): boolean {
    if (this.shouldCancel()) {
      this.cancelled = true;
      return false;
    }
    let off = 0;
    while (off < bytes.length) {
      if (!this.cur) {
        if (this.frames.length >= this.maxFrames) return false;
        this.cur = new Uint8ClampedArray(this.frameBytes);
        this.filled = 0;
      }
      const n = Math.min(bytes.length - off, this.frameBytes - this.filled);
      this.cur.set(new Uint8Array(bytes.buffer, bytes.byteOffset + off, n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.frameBytes) {
        this.frames.push(this.cur);
        this.cur = null;
        this.onFrame(this.frames.length);
      }
    }
    return true;
  }
}

export class FfmpegWasm {
  private log: string[] = [];
  private stdout: string[] = [];
  private sink: FrameSink | null = null;

  private constructor(private readonly core: Core) {
    core.setLogger(({ type, message }) => {
      // The core ends every run through abort(), which prints this; it is not an error.
      if (message === 'Aborted()') return;
      const into = type === 'stdout' ? this.stdout : this.log;
      into.push(message);
      if (into === this.log && into.length > 400) into.splice(0, into.length - 200);
    });
    const fs = core.FS;
    fs.mkdir(INPUT_DIR);
    const dev = fs.makedev(64, 0);
    fs.registerDevice(dev, {
      read: () => 0,
      write: (_s, buffer, offset, length) => {
        if (!this.sink) throw new fs.ErrnoError(EIO);
        if (!this.sink.write(buffer.subarray(offset, offset + length))) throw new fs.ErrnoError(EIO);
        return length;
      },
    });
    fs.mkdev(SINK_PATH, dev);
  }

  static async load(): Promise<FfmpegWasm> {
    try {
      const mod = (await import(/* @vite-ignore */ coreURL)) as { default: (o: object) => Promise<Core> };
      // The core's locateFile reads the wasm's URL from a JSON after '#' in mainScriptUrlOrBlob:
      // that is how it finds a file whose name Vite has hashed.
      const core = await mod.default({
        mainScriptUrlOrBlob: `${coreURL}#${btoa(JSON.stringify({ wasmURL, workerURL: '' }))}`,
      });
      return new FfmpegWasm(core);
    } catch (e) {
      throw new MediaError('load-failed', `Could not load the video decoder (ffmpeg.wasm): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Run ffmpeg (or ffprobe) with the core's own time limit; never throws for a non-zero exit. */
  run(args: string[], timeoutMs: number, opts: { probe?: boolean; sink?: FrameSink } = {}): RunResult {
    this.log = [];
    this.stdout = [];
    this.sink = opts.sink ?? null;
    this.core.setTimeout(timeoutMs);
    const t0 = performance.now();
    let code: number;
    try {
      code = opts.probe ? this.core.ffprobe(...args) : this.core.exec(...args);
    } finally {
      this.core.reset();
      this.sink = null;
    }
    return { code, log: this.log, stdout: this.stdout, ms: performance.now() - t0 };
  }

  /** Make `blob` readable at the returned path for the duration of fn, without copying it into
   * wasm memory (WORKERFS reads slices on demand). */
  withInput<T>(blob: Blob, name: string, fn: (path: string) => T): T {
    const ext = /\.[a-z0-9]{1,5}$/i.exec(name)?.[0].toLowerCase() ?? '';
    const file = `input${ext}`;
    this.core.FS.mount(this.core.FS.filesystems.WORKERFS, { blobs: [{ name: file, data: blob }] }, INPUT_DIR);
    try {
      return fn(`${INPUT_DIR}/${file}`);
    } finally {
      this.core.FS.unmount(INPUT_DIR);
    }
  }

  writeFile(path: string, data: Uint8Array): void {
    this.core.FS.writeFile(path, data);
  }

  readFile(path: string): Uint8Array {
    return this.core.FS.readFile(path);
  }

  remove(path: string): void {
    if (this.core.FS.analyzePath(path).exists) this.core.FS.unlink(path);
  }
}

/** The URLs the core is served from (for the status line and the report). */
export const ffmpegCoreUrls = { coreURL, wasmURL };
