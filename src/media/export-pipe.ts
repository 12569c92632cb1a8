/**
 * A bounded frame pipe over a SharedArrayBuffer: the page writes upscaled frames in, the export
 * worker reads them out *synchronously* from inside ffmpeg.wasm.
 *
 * Why: ffmpeg.wasm's exec() is synchronous and needs its input readable as a file; a worker running
 * it cannot receive messages. So frames cannot be posted to it during an encode, and giving it the
 * whole clip up front would hold every raw frame in memory. Instead ffmpeg reads a character device
 * whose read() blocks (Atomics.wait) until the page has written the next frame into this ring; the
 * page's write() waits (Atomics.waitAsync — the main thread may not block) while the ring is full.
 * Memory is `slots` frames, whatever the clip's length. Needs cross-origin isolation (the app is).
 *
 * Layout: Int32 header [written, read, closed, cancelled, frameBytes, slots, 0, 0], then `slots`
 * frames of frameBytes each. `written` / `read` count whole frames; the reader keeps its position
 * inside the current frame locally (only one reader).
 */

const WRITTEN = 0;
const READ = 1;
const CLOSED = 2;
const CANCELLED = 3;
const FRAME_BYTES = 4;
const SLOTS = 5;
const HEADER_BYTES = 32;

export class PipeCancelled extends Error {
  constructor() {
    super('the export was cancelled');
    this.name = 'PipeCancelled';
  }
}

/** A new pipe's shared memory: `slots` frames of `frameBytes`. */
export function createFramePipe(frameBytes: number, slots = 4): SharedArrayBuffer {
  if (!(Number.isInteger(frameBytes) && frameBytes > 0 && Number.isInteger(slots) && slots > 0)) throw new RangeError('bad frame pipe size');
  const sab = new SharedArrayBuffer(HEADER_BYTES + frameBytes * slots);
  const h = new Int32Array(sab, 0, 8);
  h[FRAME_BYTES] = frameBytes;
  h[SLOTS] = slots;
  return sab;
}

type WaitAsync = (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: Promise<string> | string };

export class FramePipeWriter {
  private readonly h: Int32Array;
  private readonly data: Uint8Array;
  readonly frameBytes: number;
  readonly slots: number;

  constructor(sab: SharedArrayBuffer) {
    this.h = new Int32Array(sab, 0, 8);
    this.frameBytes = this.h[FRAME_BYTES];
    this.slots = this.h[SLOTS];
    this.data = new Uint8Array(sab, HEADER_BYTES);
  }

  /** Frames the reader has taken so far. */
  get consumed(): number {
    return Atomics.load(this.h, READ);
  }

  get cancelled(): boolean {
    return Atomics.load(this.h, CANCELLED) !== 0;
  }

  /** Copy one frame in, waiting while the ring is full. Rejects with PipeCancelled after abort(). */
  async write(frame: ArrayLike<number> & { length: number; subarray?: unknown }): Promise<void> {
    if (frame.length !== this.frameBytes) throw new RangeError(`frame has ${frame.length} bytes, the pipe takes ${this.frameBytes}`);
    if (Atomics.load(this.h, CLOSED)) throw new Error('the frame pipe is closed');
    for (;;) {
      if (this.cancelled) throw new PipeCancelled();
      const read = Atomics.load(this.h, READ);
      if (Atomics.load(this.h, WRITTEN) - read < this.slots) break;
      await this.waitFor(READ, read);
    }
    const w = Atomics.load(this.h, WRITTEN);
    this.data.set(frame, (w % this.slots) * this.frameBytes);
    Atomics.store(this.h, WRITTEN, w + 1);
    Atomics.notify(this.h, WRITTEN);
  }

  /** No more frames: the reader sees end of file once it has read every frame written. */
  close(): void {
    Atomics.store(this.h, CLOSED, 1);
    Atomics.notify(this.h, WRITTEN);
  }

  /** Stop: the reader's next read throws PipeCancelled. */
  abort(): void {
    Atomics.store(this.h, CANCELLED, 1);
    Atomics.notify(this.h, WRITTEN);
    Atomics.notify(this.h, READ);
  }

  private async waitFor(index: number, seen: number): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    if (waitAsync) {
      const r = waitAsync(this.h, index, seen, 1000);
      if (r.async) await r.value;
      return;
    }
    await new Promise((r) => setTimeout(r, 4));
  }
}

export class FramePipeReader {
  private readonly h: Int32Array;
  private readonly data: Uint8Array;
  readonly frameBytes: number;
  readonly slots: number;
  /** Bytes of the current frame already read. */
  private pos = 0;

  constructor(sab: SharedArrayBuffer) {
    this.h = new Int32Array(sab, 0, 8);
    this.frameBytes = this.h[FRAME_BYTES];
    this.slots = this.h[SLOTS];
    this.data = new Uint8Array(sab, HEADER_BYTES);
  }

  /** Whole frames taken so far. */
  get framesRead(): number {
    return Atomics.load(this.h, READ);
  }

  /**
   * Copy up to `into.length` bytes of the stream into `into` (never past the current frame's end);
   * blocks until a frame is there. Returns 0 at the end of the stream; throws PipeCancelled.
   */
  read(into: Uint8Array | Int8Array): number {
    for (;;) {
      if (Atomics.load(this.h, CANCELLED)) throw new PipeCancelled();
      const r = Atomics.load(this.h, READ);
      const w = Atomics.load(this.h, WRITTEN);
      if (r < w) {
        const n = Math.min(into.length, this.frameBytes - this.pos);
        const at = (r % this.slots) * this.frameBytes + this.pos;
        new Uint8Array(into.buffer, into.byteOffset, n).set(this.data.subarray(at, at + n));
        this.pos += n;
        if (this.pos === this.frameBytes) {
          this.pos = 0;
          Atomics.store(this.h, READ, r + 1);
          Atomics.notify(this.h, READ);
        }
        return n;
      }
      if (Atomics.load(this.h, CLOSED)) return 0;
      // Woken by a write, close or abort; the timeout only guards against a missed notify.
      Atomics.wait(this.h, WRITTEN, w, 1000);
    }
  }

  /** The next whole frame (a copy), or null at the end of the stream. */
  readFrame(): Uint8Array<ArrayBuffer> | null {
    const out = new Uint8Array(this.frameBytes);
    let filled = 0;
    while (filled < this.frameBytes) {
      const n = this.read(out.subarray(filled));
      if (n === 0) {
        if (filled === 0) return null;
        throw new Error('the frame pipe ended inside a frame');
      }
      filled += n;
    }
    return out;
  }
}
