/**
 * UI-side handle on the engine worker. One worker, restarted (not patched) when the GPU device is
 * lost or the worker crashes, since ORT can adopt neither a new device nor a broken wasm heap in place.
 *
 * Every call through `api` is raced against the worker's end: when the worker is lost (device
 * lost, an uncaught error in the worker, a wasm abort, dispose), calls in flight reject with
 * EngineLostError instead of waiting forever, so callers can wait for the restarted engine
 * (`getEngine()` waits while none is running) and go on — the Upscale run resumes.
 */
import * as Comlink from 'comlink';
import type { EngineApi, EngineBackendHooks } from './engine.worker';
import type { BackendInfo } from '../gpu/device';
import type { BackendPreference } from '../gpu/backend-choice';

export interface EngineHandle {
  api: Comlink.Remote<EngineApi>;
  /** The backend at start (planHooks.onBackend tells of WebGPU brought up later). */
  backend: BackendInfo;
  /** Rejects with EngineLostError when this worker is gone (never resolves). */
  lost: Promise<never>;
  dispose(reason?: string): void;
}

/** The engine worker a call went to is gone; a restarted one takes over (see getEngine). */
export class EngineLostError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EngineLostError';
  }
}

/**
 * Errors after which the worker's wasm heap or GPU state cannot be trusted: wasm traps and aborts
 * (ORT's "Aborted(…)"), allocation failures, a lost device. The caller restarts the engine on them.
 */
export function isFatalEngineError(e: unknown): boolean {
  if (e instanceof EngineLostError) return true;
  const name = e instanceof Error ? e.name : '';
  const msg = e instanceof Error ? e.message : String(e);
  return name === 'RuntimeError' || /\bAborted\(|out of memory|memory access out of bounds|unreachable|device (was |is )?lost/i.test(msg);
}

export interface EngineStartOptions {
  forceWasm?: boolean;
  /** The CPU paths (the VSR net, the VQGAN) on onnxruntime's wasm EP rather than the project's wasm kernels (?ortcpu: comparisons). */
  ortCpu?: boolean;
  modelsBase?: string;
  /** The GPU device was lost: the app restarts the engine. */
  onLost?: (reason: string) => void;
  /** The worker crashed (an uncaught error or a failed message): the app restarts the engine. */
  onCrash?: (reason: string) => void;
  /** Side per heavy stage: 'auto' measures (gpu/backend-choice.ts). */
  preference?: BackendPreference;
  /** Earlier probes' results, by measurement key (the UI stores them). */
  measurements?: Record<string, unknown>;
  /** Hears each stage's plan, every new measurement, and WebGPU brought up after start. */
  planHooks?: EngineBackendHooks;
}

/** `remote` with every method call raced against `lost`. */
function guarded<T extends object>(remote: T, lost: Promise<never>): T {
  return new Proxy(remote, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === 'symbol' || typeof v !== 'function') return v;
      return (...args: unknown[]) => Promise.race([(v as (...a: unknown[]) => unknown)(...args), lost]);
    },
  });
}

export async function startEngine(opts: EngineStartOptions = {}): Promise<EngineHandle> {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
  const raw = Comlink.wrap<EngineApi>(worker);
  let markLost!: (reason: string) => void;
  let gone = false;
  const lost = new Promise<never>((_, reject) => {
    markLost = (reason) => {
      if (gone) return;
      gone = true;
      reject(new EngineLostError(reason));
    };
  });
  lost.catch(() => undefined); // observed by the calls it is raced against, not an unhandled rejection
  let started = false;
  const crashed = (reason: string) => {
    if (gone) return;
    markLost(reason);
    if (started) opts.onCrash?.(reason);
  };
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    crashed(`the engine worker crashed: ${e.message || 'unknown error'}`);
  });
  worker.addEventListener('messageerror', () => crashed('the engine worker sent a message that could not be read'));
  const api = guarded(raw, lost);
  const init = { forceWasm: opts.forceWasm, ortCpu: opts.ortCpu, modelsBase: opts.modelsBase, preference: opts.preference, measurements: opts.measurements };
  try {
    const backend = await api.init(init);
    if (opts.onLost) {
      const onLost = opts.onLost;
      await api.onLost(
        Comlink.proxy((reason: string) => {
          markLost(reason);
          onLost(reason);
        }),
      );
    }
    if (opts.planHooks) await api.onBackendPlan(Comlink.proxy(opts.planHooks));
    started = true;
    const handle: EngineHandle = {
      api,
      backend,
      lost,
      dispose(reason = 'the engine was restarted') {
        markLost(reason);
        retireEngine(handle);
        raw[Comlink.releaseProxy]();
        worker.terminate();
      },
    };
    return handle;
  } catch (e) {
    worker.terminate();
    throw e instanceof EngineLostError ? new Error(`engine worker failed to start: ${e.reason}`) : e;
  }
}

let current: EngineHandle | null = null;
const waiters: ((h: EngineHandle) => void)[] = [];

/** The app registers the running engine here (again after a restart). */
export function provideEngine(h: EngineHandle): void {
  current = h;
  waiters.splice(0).forEach((w) => w(h));
}

/** A disposed engine is no longer handed out: getEngine waits for its successor. */
function retireEngine(h: EngineHandle): void {
  if (current === h) current = null;
}

/** Views reach the engine through this; it waits until the engine has (re)started. */
export function getEngine(): Promise<EngineHandle> {
  return current ? Promise.resolve(current) : new Promise((r) => waiters.push(r));
}

let restarter: ((reason: string) => void) | null = null;

/** The app's way of restarting the engine (App registers it). */
export function setEngineRestarter(fn: (reason: string) => void): void {
  restarter = fn;
}

/**
 * A caller saw a fatal error (isFatalEngineError) from a call that the worker itself answered (a
 * wasm trap inside ORT, say): the worker is alive but unusable, so it is replaced.
 */
export function restartEngine(reason: string): void {
  restarter?.(reason);
}

/**
 * Whether `h` turns out to be lost within `ms`: a call can fail with the GPU's own error (an ORT
 * run on a destroyed device) a moment before the device-lost event arrives; the caller then treats
 * the failure as the loss it is.
 */
export function engineLostWithin(h: EngineHandle, ms: number): Promise<EngineLostError | null> {
  return Promise.race([
    h.lost.then(
      () => null,
      (e: unknown) => (e instanceof EngineLostError ? e : null),
    ),
    new Promise<null>((r) => setTimeout(() => r(null), ms)),
  ]);
}
