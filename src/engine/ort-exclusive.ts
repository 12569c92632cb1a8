/**
 * One ORT call at a time in this worker.
 *
 * onnxruntime-web's WebGPU build runs its wasm under asyncify: a session.run() suspends the wasm
 * stack while it awaits the GPU, and a second run (or a session creation) entering the wasm during
 * that suspension corrupts it — seen here as "RuntimeError: memory access out of bounds" inside
 * ort-wasm-simd-threaded.asyncify.wasm when the Degrade tab's preview and an Upscale run overlapped,
 * after which every later run fails. Each feature awaits its own runs, but features interleave at
 * those awaits; so every InferenceSession.run and InferenceSession.create in the worker goes
 * through one queue. ORT never calls back into our code during a call, so this cannot deadlock.
 */
import type * as ortTypes from 'onnxruntime-web';

const INSTALLED = Symbol.for('vqdsr.ortExclusive');

let tail: Promise<unknown> = Promise.resolve();

/** Run fn after every ORT call queued before it has settled. */
export function ortExclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = tail.then(fn, fn);
  tail = run.catch(() => undefined);
  return run;
}

/** Route every session run and creation of this ORT module through ortExclusive (idempotent). */
export function serializeOrtCalls(ort: typeof ortTypes): void {
  const S = ort.InferenceSession as unknown as {
    prototype: { run: (...a: unknown[]) => Promise<unknown> };
    create: (...a: unknown[]) => Promise<unknown>;
    [INSTALLED]?: boolean;
  };
  if (S[INSTALLED]) return;
  S[INSTALLED] = true;
  const run = S.prototype.run;
  S.prototype.run = function (this: unknown, ...a: unknown[]) {
    return ortExclusive(() => run.apply(this, a));
  };
  const create = S.create;
  S.create = function (this: unknown, ...a: unknown[]) {
    return ortExclusive(() => create.apply(this, a));
  };
}
