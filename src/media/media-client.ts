/**
 * The page's (or another worker's) handle on the media worker: typed calls, AbortSignal
 * cancellation, hard deadlines, and MediaErrors with their codes.
 *
 * Robustness: ffmpeg runs synchronously inside the worker, so a stuck or runaway decode cannot be
 * interrupted by a message. Each call therefore has a deadline; past it (or on cancel, when the
 * worker does not stop by itself within a grace period) the worker is terminated and a fresh one
 * started, and the call rejects with a MediaError ('timeout' / 'aborted'). Later calls just work.
 */
import * as Comlink from 'comlink';
import type { CodecOptions } from './codec-args';
import { MediaError, fromWire } from './errors';
import type { RgbaFrame } from '../core/frame';
import type { DecodedFrames, MediaInfo, RoundTripResult } from './frames';
import type { MediaWorkerApi, VideoDecoderChoice } from './media.worker';

export { MediaError, isMediaError, type MediaErrorCode } from './errors';
export type { DecodedFrames, MediaInfo, RoundTripResult } from './frames';
export type { CodecOptions, VideoCodec, X264Profile } from './codec-args';

export interface CallOptions {
  signal?: AbortSignal;
  /** ffmpeg's time limit inside the worker; the client's hard deadline is this plus 30 s. */
  timeoutMs?: number;
}

export interface DecodeRequest extends CallOptions {
  start?: number;
  count?: number;
  maxPixels?: number;
  /** Native ffmpeg's exact pixels (default true; see DecodeOptions.exact in media.worker.ts). */
  exact?: boolean;
  /** 'auto' (default): WebCodecs where it can, else ffmpeg.wasm; or force one (tests, benchmarks). */
  decoder?: VideoDecoderChoice;
  /** Deinterlace a stream flagged interlaced (default true; see DecodeOptions.deinterlace in media.worker.ts). */
  deinterlace?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface RoundTripRequest extends Partial<CodecOptions>, CallOptions {
  /** Also return the encoded elementary stream. */
  returnStream?: boolean;
  /** Move the input frames' buffers to the worker instead of copying them (they become unusable here). */
  transfer?: boolean;
}

/** Slack on top of ffmpeg's own limit: loading the core, WORKERFS reads, transfers. */
const DEADLINE_SLACK_MS = 30_000;
/** How long a cancelled call may take to stop by itself before the worker is replaced. */
const CANCEL_GRACE_MS = 2_000;

function spawnMediaWorker(): Worker {
  return new Worker(new URL('./media.worker.ts', import.meta.url), { type: 'module', name: 'media' });
}

export class MediaClient {
  private worker!: Worker;
  private api!: Comlink.Remote<MediaWorkerApi>;
  private readonly pending = new Set<(e: MediaError) => void>();
  /** How many times the worker was replaced (timeouts, cancels, crashes). */
  restarts = 0;

  constructor(private readonly spawn: () => Worker = spawnMediaWorker) {
    this.start();
  }

  private start(): void {
    this.worker = this.spawn();
    this.api = Comlink.wrap<MediaWorkerApi>(this.worker);
    this.worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.fail(new MediaError('worker-crashed', `The media worker stopped: ${ev.message || 'unknown error'}`));
    });
  }

  /** Reject every call in flight and start a fresh worker. */
  private fail(err: MediaError): void {
    this.worker.terminate();
    this.restarts++;
    this.start();
    const rejecters = [...this.pending];
    this.pending.clear();
    rejecters.forEach((r) => r(err));
  }

  /** Replace the worker now (e.g. to free ffmpeg.wasm's memory after a huge clip). */
  restart(): void {
    this.fail(new MediaError('aborted', 'The media worker was restarted'));
  }

  terminate(): void {
    this.worker.terminate();
    this.pending.forEach((r) => r(new MediaError('aborted', 'The media worker was shut down')));
    this.pending.clear();
  }

  private call<T>(what: string, opts: CallOptions, defaultTimeoutMs: number, run: (api: Comlink.Remote<MediaWorkerApi>, cancel?: Int32Array) => Promise<T>): Promise<T> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(new MediaError('aborted', `${what} was cancelled`));
    // A shared flag lets the worker see a cancel while ffmpeg runs (needs cross-origin isolation).
    const cancel = globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const deadline = (opts.timeoutMs ?? defaultTimeoutMs) + DEADLINE_SLACK_MS;
    return new Promise<T>((resolve, reject) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(rejecter);
      };
      const rejecter = (e: MediaError) => {
        done();
        reject(e);
      };
      this.pending.add(rejecter);
      const timer = setTimeout(() => {
        this.fail(new MediaError('timeout', `${what} took longer than ${Math.round(deadline / 1000)} s and was stopped; the media worker was restarted`));
      }, deadline);
      const onAbort = () => {
        if (cancel) Atomics.store(cancel, 0, 1);
        grace = setTimeout(() => this.fail(new MediaError('aborted', `${what} was cancelled`)), cancel ? CANCEL_GRACE_MS : 0);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      run(this.api, cancel).then(
        (v) => {
          if (!this.pending.has(rejecter)) return; // already failed by deadline/crash
          done();
          resolve(v);
        },
        (e) => {
          if (!this.pending.has(rejecter)) return;
          rejecter(fromWire(e));
        },
      );
    });
  }

  /** Size, frame count, fps, duration, audio and codec of a file, without decoding frames. */
  probe(file: Blob, name: string, opts: CallOptions = {}): Promise<MediaInfo> {
    return this.call(`Reading '${name}'`, opts, 30_000, (api) => api.probe(file, name));
  }

  /** Frames [start, start+count) as RGBA8 (transferred to the caller). */
  decode(file: Blob, name: string, req: DecodeRequest = {}): Promise<DecodedFrames> {
    const { signal, onProgress, ...rest } = req;
    const frames = req.count ?? 64;
    const timeoutMs = req.timeoutMs ?? 60_000 + 500 * frames;
    return this.call(`Decoding '${name}'`, { signal, timeoutMs }, timeoutMs, (api, cancel) =>
      api.decode(file, name, { ...rest, timeoutMs, cancel }, onProgress ? Comlink.proxy(onProgress) : undefined),
    );
  }

  /** The FFmpeg stage: encode + decode with the codec settings; decoded rgb24 frames and the stream size. */
  roundTrip(frames: RgbaFrame[], req: RoundTripRequest = {}): Promise<RoundTripResult> {
    const { signal, transfer, ...rest } = req;
    const timeoutMs = req.timeoutMs ?? 60_000 + 500 * frames.length;
    const buffers = transfer ? frames.map((f) => f.data.buffer as ArrayBuffer) : [];
    return this.call('The FFmpeg stage', { signal, timeoutMs }, timeoutMs, (api, cancel) =>
      api.roundTrip(Comlink.transfer(frames, buffers), { ...rest, timeoutMs, cancel }),
    );
  }

  /** Load ffmpeg.wasm ahead of the first video (ms it took). */
  warmUp(opts: CallOptions = {}): Promise<number> {
    return this.call('Loading ffmpeg.wasm', opts, 60_000, (api) => api.warmUp());
  }

  coreUrls(): Promise<{ coreURL: string; wasmURL: string }> {
    return this.call('Asking the media worker', {}, 10_000, (api) => api.coreUrls());
  }
}

let shared: MediaClient | null = null;

/** The app's one media worker (started on first use). */
export async function getMedia(): Promise<MediaClient> {
  shared ??= new MediaClient();
  return shared;
}
