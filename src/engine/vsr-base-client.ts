/**
 * The engine's handle on a VSR base worker (vsr-base.worker.ts): one per split session, started
 * with it and ended with it (or with the engine worker, whose nested workers go with it). A worker
 * that stops (an error event) fails its calls with that reason; the session then makes its bases
 * on the engine's thread (vsr-cpu-ort.ts).
 */
import * as Comlink from 'comlink';
import type { SplitStep } from './vsr-split';
import type { BaseRunner } from './vsr-cpu-ort';
import type { VsrBaseWorkerApi } from './vsr-base.worker';

export async function startBaseWorker(split: SplitStep): Promise<BaseRunner> {
  const worker = new Worker(new URL('./vsr-base.worker.ts', import.meta.url), { type: 'module', name: 'vsr-base' });
  const api = Comlink.wrap<VsrBaseWorkerApi>(worker);
  let failure: Error | null = null;
  const crashed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      failure = new Error(`the VSR base worker stopped: ${e.message || 'unknown error'}`);
      reject(failure);
    }, { once: true }),
  );
  crashed.catch(() => undefined);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    api[Comlink.releaseProxy]();
    worker.terminate();
  };
  try {
    await Promise.race([api.open(split.base, split.input, split.baseName), crashed]);
  } catch (e) {
    end();
    throw e;
  }
  return {
    run: (data, dims) => (failure ? Promise.reject(failure) : ended ? Promise.reject(new Error('the VSR base worker was ended')) : Promise.race([api.run(data, [...dims]), crashed])),
    release: end,
  };
}
