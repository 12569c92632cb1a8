/**
 * Where the WebCodecs path converts its decoded frames: in the frame-conversion worker
 * (convert.worker.ts) when one can be started and VideoFrames can be sent to it, else in the
 * calling thread. Either way the bytes are frame-rgba.ts's, every frame is closed, and a frame's
 * result is its RGBA8 or a reason (which sends the file to ffmpeg.wasm).
 */
import { CopyBuffer, videoFrameToRgba, type FrameTarget } from './frame-rgba';
import type { ConvertReply, ConvertRequest } from './convert.worker';

export type Converted = Uint8ClampedArray<ArrayBuffer> | string;

export interface FrameConverter {
  /** Takes the frame (it is closed once read); results come in any order, each by its promise. */
  convert(frame: VideoFrame, target: FrameTarget): Promise<Converted>;
  /** Where frames are converted now (a worker converter that failed has become 'inline'). */
  readonly kind: 'worker' | 'inline';
}

/** In this thread, one frame at a time (they share the copy buffer). */
export class InlineConverter implements FrameConverter {
  readonly kind = 'inline';
  private readonly copies = new CopyBuffer();
  private queue: Promise<unknown> = Promise.resolve();
  convert(frame: VideoFrame, target: FrameTarget): Promise<Converted> {
    const run = async (): Promise<Converted> => {
      try {
        return await videoFrameToRgba(frame, target, this.copies);
      } catch (e) {
        return `reading a decoded frame failed (${e instanceof Error ? e.message : String(e)})`;
      } finally {
        frame.close();
      }
    };
    const next = this.queue.then(run);
    this.queue = next;
    return next;
  }
}

/**
 * In frame-conversion workers (each converts one frame at a time; a frame goes to the one with the
 * fewest in flight); falls back to this thread for good if one fails.
 */
export class WorkerConverter implements FrameConverter {
  private workers: { worker: Worker; inFlight: number }[];
  private readonly pending = new Map<number, { done: (r: Converted) => void; slot: number }>();
  private nextId = 0;
  private readonly inline = new InlineConverter();

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(new URL('./convert.worker.ts', import.meta.url), { type: 'module', name: 'media-convert' });
      worker.onmessage = (e: MessageEvent<ConvertReply>) => {
        const p = this.pending.get(e.data.id);
        if (!p) return;
        this.pending.delete(e.data.id);
        this.workers[p.slot].inFlight--;
        p.done('rgba' in e.data ? e.data.rgba : e.data.reason);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        this.broken(`the frame-conversion worker stopped (${e.message || 'unknown error'})`);
      };
      return { worker, inFlight: 0 };
    });
  }

  get kind(): 'worker' | 'inline' {
    return this.workers.length ? 'worker' : 'inline';
  }

  /** Stop the workers (frames in flight are answered with a reason); later frames convert here. */
  close(): void {
    this.broken('the converter was closed');
  }

  /** Answer every frame in flight with the reason, and convert here from now on. */
  private broken(why: string): void {
    for (const w of this.workers) w.worker.terminate();
    this.workers = [];
    for (const p of this.pending.values()) p.done(why);
    this.pending.clear();
  }

  convert(frame: VideoFrame, target: FrameTarget): Promise<Converted> {
    if (!this.workers.length) return this.inline.convert(frame, target);
    let slot = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i].inFlight < this.workers[slot].inFlight) slot = i;
    const id = this.nextId++;
    return new Promise<Converted>((resolve) => {
      this.pending.set(id, { done: resolve, slot });
      this.workers[slot].inFlight++;
      try {
        this.workers[slot].worker.postMessage({ id, frame, target } satisfies ConvertRequest, [frame]);
      } catch {
        // VideoFrames cannot be sent to a worker here (DataCloneError): the frame is still ours.
        this.pending.delete(id);
        this.broken('VideoFrames cannot be sent to a worker');
        resolve(this.inline.convert(frame, target));
      }
    });
  }
}

let shared: FrameConverter | null = null;

/**
 * Frame-conversion workers of the shared converter: two where there are two cores. Measured with
 * the media bench (2-core VM, other jobs running), 25 1080p frames: 354–376 ms with two against
 * 433–477 ms with one (the decoder alone 132–178 ms); 75 at 480×270: the same with either.
 */
const conversionWorkers = () => Math.max(1, Math.min(2, globalThis.navigator?.hardwareConcurrency ?? 1));

/** The media worker's converter, made once: the worker one where Worker exists, else inline. */
export function frameConverter(): FrameConverter {
  if (!shared) {
    try {
      shared = typeof Worker !== 'undefined' ? new WorkerConverter(conversionWorkers()) : new InlineConverter();
    } catch {
      shared = new InlineConverter();
    }
  }
  return shared;
}
