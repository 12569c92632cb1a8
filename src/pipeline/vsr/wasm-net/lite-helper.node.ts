/**
 * The kernels' helper thread on a Node worker (lite-helper.node-worker.ts, TypeScript through tsx):
 * what the tests give LiteNet and VqganNet where the browser gives lite-helper-web.ts.
 */
import { Worker } from 'node:worker_threads';
import type { LiteHelperSpawn } from './lite-helper';

export const nodeLiteHelper: LiteHelperSpawn = (init) => {
  const url = new URL('./lite-helper.node-worker.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData: init });
  let failed: Error | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.on('error', (e: Error) => reject((failed = e)));
    worker.on('exit', (code) => (failed ??= new Error(`the helper worker exited (code ${code})`)));
  });
  return { ready, terminate: () => void worker.terminate(), failed: () => failed };
};
