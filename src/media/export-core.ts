/**
 * Driving an ffmpeg.wasm core (@ffmpeg/core 0.12) for exports: frames in through a blocking
 * character device, the file out through a *seekable* character device, the source's audio through
 * a mounted Blob. Independent of how the core is loaded (export.worker.ts loads it from our origin;
 * the unit test loads it in Node), so it has no `?url` imports.
 *
 * - /dev/vin: read() pulls raw frames from a synchronous source (the SharedArrayBuffer frame pipe,
 *   export-pipe.ts). ffmpeg reads it as `-f rawvideo -i /dev/vin`.
 * - /dev/vout: write(pos) and llseek() go to an OutputTarget, so muxers that seek back (MP4 writes
 *   its moov and the mdat size at the end, WebM its cues and duration) produce ordinary files, while
 *   the bytes go straight to disk (OPFS) rather than into wasm memory.
 * - The audio source: WORKERFS mount of the user's Blob (read in slices, never copied whole), or a
 *   MEMFS file where WORKERFS is missing (Node tests).
 */

export interface ExportCoreFS {
  mkdir(path: string): void;
  writeFile(path: string, data: Uint8Array): void;
  unlink(path: string): void;
  analyzePath(path: string): { exists: boolean };
  mount(type: unknown, opts: { blobs?: { name: string; data: Blob }[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: object): void;
  mkdev(path: string, dev: number): void;
  filesystems: { WORKERFS?: unknown };
  ErrnoError: new (errno: number) => Error;
}

export interface ExportCoreModule {
  FS: ExportCoreFS;
  exec(...args: string[]): number;
  setTimeout(ms: number): void;
  setLogger(fn: (log: { type: string; message: string }) => void): void;
  reset(): void;
}

/** Where the encoded file goes: positioned writes (muxers seek back to patch headers). */
export interface OutputTarget {
  write(bytes: Uint8Array, position: number): void;
  /** Bytes written so far (the end of the file). */
  readonly size: number;
}

/** In-memory target, in 4 MiB pages (the fallback where OPFS is missing). */
export class MemoryTarget implements OutputTarget {
  private static readonly PAGE = 4 * 2 ** 20;
  private readonly pages: Uint8Array<ArrayBuffer>[] = [];
  size = 0;

  write(bytes: Uint8Array, position: number): void {
    let off = 0;
    while (off < bytes.length) {
      const at = position + off;
      const p = Math.floor(at / MemoryTarget.PAGE);
      const inPage = at % MemoryTarget.PAGE;
      while (this.pages.length <= p) this.pages.push(new Uint8Array(MemoryTarget.PAGE));
      const n = Math.min(bytes.length - off, MemoryTarget.PAGE - inPage);
      this.pages[p].set(bytes.subarray(off, off + n), inPage);
      off += n;
    }
    this.size = Math.max(this.size, position + bytes.length);
  }

  /** The file's bytes as Blob parts (pages, the last one trimmed). */
  parts(): Uint8Array<ArrayBuffer>[] {
    const out: Uint8Array<ArrayBuffer>[] = [];
    let left = this.size;
    for (const p of this.pages) {
      if (left <= 0) break;
      out.push(left >= p.length ? p : p.slice(0, left));
      left -= p.length;
    }
    return out;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts()) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export interface ExportRunIo {
  /** Fills `into` with the next bytes of raw video; 0 = end of stream. May block. */
  input?: (into: Int8Array) => number;
  output: OutputTarget;
}

export interface ExportRunResult {
  code: number;
  log: string[];
  ms: number;
  /** The input source threw (e.g. PipeCancelled): its error. */
  inputError?: unknown;
}

export const VIDEO_IN = '/dev/vin';
export const VIDEO_OUT = '/dev/vout';
const SOURCE_DIR = '/src';
const EIO = 29;
const ESPIPE = 70;

export class ExportCore {
  private io: ExportRunIo | null = null;
  private inputError: unknown;
  private log: string[] = [];

  constructor(private readonly core: ExportCoreModule) {
    const fs = core.FS;
    core.setLogger(({ type, message }) => {
      if (message === 'Aborted()' || type === 'stdout') return;
      this.log.push(message);
      if (this.log.length > 400) this.log.splice(0, this.log.length - 200);
    });
    fs.mkdir(SOURCE_DIR);
    // Majors from 64 up belong to emscripten's own devices (/dev/random 64, /dev/urandom 65, …:
    // matroska reads urandom for its UIDs); ours sit far above them.
    const vin = fs.makedev(240, 0);
    fs.registerDevice(vin, {
      read: (_s: unknown, buffer: Int8Array, offset: number, length: number) => {
        const src = this.io?.input;
        if (!src) return 0;
        try {
          return src(buffer.subarray(offset, offset + length));
        } catch (e) {
          this.inputError = e;
          throw new fs.ErrnoError(EIO);
        }
      },
      write: () => {
        throw new fs.ErrnoError(EIO);
      },
    });
    fs.mkdev(VIDEO_IN, vin);
    const vout = fs.makedev(241, 0);
    fs.registerDevice(vout, {
      read: () => 0,
      write: (_s: unknown, buffer: Int8Array, offset: number, length: number, position: number) => {
        if (!this.io) throw new fs.ErrnoError(EIO);
        this.io.output.write(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length), position);
        return length;
      },
      llseek: (stream: { position: number }, offset: number, whence: number) => {
        const base = whence === 0 ? 0 : whence === 1 ? stream.position : (this.io?.output.size ?? 0);
        const p = base + offset;
        if (p < 0) throw new fs.ErrnoError(ESPIPE);
        return p;
      },
    });
    fs.mkdev(VIDEO_OUT, vout);
  }

  /**
   * Make a source file readable at the returned path for fn's duration: a Blob through WORKERFS
   * (no copy), bytes through MEMFS.
   */
  withSource<T>(name: string, data: Blob | Uint8Array, fn: (path: string) => T): T {
    const fs = this.core.FS;
    const file = `source${/\.[a-z0-9]{1,5}$/i.exec(name)?.[0].toLowerCase() ?? ''}`;
    if (data instanceof Uint8Array || !fs.filesystems.WORKERFS) {
      const bytes = data instanceof Uint8Array ? data : null;
      if (!bytes) throw new Error('this ffmpeg build cannot read a Blob (no WORKERFS)');
      const p = `${SOURCE_DIR}/${file}`;
      fs.writeFile(p, bytes);
      try {
        return fn(p);
      } finally {
        fs.unlink(p);
      }
    }
    fs.mount(fs.filesystems.WORKERFS, { blobs: [{ name: file, data }] }, SOURCE_DIR);
    try {
      return fn(`${SOURCE_DIR}/${file}`);
    } finally {
      fs.unmount(SOURCE_DIR);
    }
  }

  /** Run ffmpeg with /dev/vin and /dev/vout wired to `io`. Never throws for a non-zero exit. */
  run(args: string[], io: ExportRunIo, timeoutMs = -1): ExportRunResult {
    this.io = io;
    this.inputError = undefined;
    this.log = [];
    this.core.setTimeout(timeoutMs);
    const t0 = performance.now();
    let code: number;
    try {
      code = this.core.exec(...args);
    } finally {
      this.core.reset();
      this.io = null;
    }
    return { code, log: this.log, ms: performance.now() - t0, inputError: this.inputError };
  }
}
