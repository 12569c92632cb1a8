/**
 * onnxruntime for both sides, and the one queue every ORT call in a realm goes through.
 *
 * One type: onnxruntime-web and onnxruntime-node both re-export onnxruntime-common, so `Ort` (the
 * InferenceSession and Tensor of either module) takes `import('onnxruntime-node')` in the CLI and
 * `ort` of device.ts in the engine worker as they are.
 *
 * One queue: onnxruntime-web's WebGPU build runs its wasm under asyncify: a session.run() suspends
 * the wasm stack while it awaits the GPU, and a second run (or a session creation) entering the
 * wasm during that suspension corrupts it — seen as "RuntimeError: memory access out of bounds"
 * inside ort-wasm-simd-threaded.asyncify.wasm when the Degrade tab's preview and an Upscale run
 * overlapped, after which every later run fails. Features interleave at their awaits, so every
 * session is opened with `openSession`, whose creation, runs and release go through `ortQueue` one
 * at a time. ORT never calls back into our code during a call, so this cannot deadlock. In Node the
 * queue costs nothing (the CLI awaits each run anyway).
 *
 * Node-safe: no WebGPU globals, no runtime import of either ORT module.
 */
import type * as ortTypes from 'onnxruntime-web';

/** The part of onnxruntime that onnxruntime-web and onnxruntime-node share. */
export type Ort = Pick<typeof ortTypes, 'InferenceSession' | 'Tensor'>;
export type OrtTensor = ortTypes.Tensor;
export type OrtFeeds = Record<string, OrtTensor>;
export type OrtSessionOptions = ortTypes.InferenceSession.SessionOptions;

/**
 * What the caller of one run knows beyond its feeds, for a session that stands in for ORT's and can
 * use it (engine/vsr-cpu-ort.ts: a step graph whose base is made ahead). It never changes a result.
 */
export interface RunHint {
  /** No run of the same sequence follows this one (a run's last step): nothing is worth preparing for a next. */
  last?: boolean;
  /** The next run of the same sequence repeats this one's frames (a primed first step): keep what is made for them. */
  again?: boolean;
}

/**
 * ORT's run options with the caller's hint beside them: how a hint reaches a session that stands in
 * for ORT's. ORT's own sessions read only their own keys (onnxruntime-common's run, the wasm and the
 * Node backends), so to them this is the empty options object.
 */
export type OrtRunOptions = ortTypes.InferenceSession.RunOptions & { hint?: RunHint };

/** An ORT session whose every call is queued (see the header). */
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: OrtFeeds, hint?: RunHint): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

let tail: Promise<unknown> = Promise.resolve();

/** Run `fn` after every ORT call queued before it has settled. */
export function ortQueue<T>(fn: () => Promise<T>): Promise<T> {
  const run = tail.then(fn, fn);
  tail = run.catch(() => undefined);
  return run;
}

/** Create a session (queued) whose runs and release are queued too. */
export async function openSession(ort: Ort, model: Uint8Array, options: OrtSessionOptions = {}): Promise<Session> {
  const s = await ortQueue(() => ort.InferenceSession.create(model, options));
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    run: (feeds, hint) => {
      // Without a hint ORT's run is called exactly as before: no options object at all.
      const options: OrtRunOptions | undefined = hint && { hint };
      return ortQueue(() => (options ? s.run(feeds, options) : s.run(feeds)));
    },
    release: () => ortQueue(() => s.release()),
  };
}
