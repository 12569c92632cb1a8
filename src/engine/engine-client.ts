/**
 * UI-side handle on the engine worker. One worker, restarted (not patched) when
 * the GPU device is lost, since ORT cannot adopt a new device in place.
 */
import * as Comlink from 'comlink';
import type { EngineApi } from './engine.worker';
import type { BackendInfo } from '../gpu/device';

export interface EngineHandle {
  api: Comlink.Remote<EngineApi>;
  backend: BackendInfo;
  dispose(): void;
}

export async function startEngine(opts: { forceWasm?: boolean; modelsBase?: string; onLost?: (reason: string) => void } = {}): Promise<EngineHandle> {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
  const api = Comlink.wrap<EngineApi>(worker);
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (e) => reject(new Error(`engine worker failed to start: ${e.message}`)), { once: true });
  });
  const backend = await Promise.race([api.init({ forceWasm: opts.forceWasm, modelsBase: opts.modelsBase }), failed]);
  if (opts.onLost) await api.onLost(Comlink.proxy(opts.onLost));
  return {
    api,
    backend,
    dispose() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

let current: EngineHandle | null = null;
const waiters: ((h: EngineHandle) => void)[] = [];

/** The app registers the running engine here (again after a restart). */
export function provideEngine(h: EngineHandle): void {
  current = h;
  waiters.splice(0).forEach((w) => w(h));
}

/** Views reach the engine through this; it waits until the engine has started. */
export function getEngine(): Promise<EngineHandle> {
  return current ? Promise.resolve(current) : new Promise((r) => waiters.push(r));
}
