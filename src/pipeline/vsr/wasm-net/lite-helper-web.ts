/**
 * Starts the lite net's helper thread as a module worker (browser). The net needs shared memory,
 * so only where the page is cross-origin isolated; the caller checks crossOriginIsolated.
 */
import type { LiteHelperSpawn } from './lite-helper';

export const webLiteHelper: LiteHelperSpawn = (init) => {
  const worker = new Worker(new URL('./lite-helper.worker.ts', import.meta.url), { type: 'module', name: 'lite-net helper' });
  let failed: Error | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => {
      failed = new Error(e.message || 'the helper worker failed to start');
      reject(failed);
    };
  });
  worker.postMessage(init);
  return { ready, terminate: () => worker.terminate(), failed: () => failed };
};
