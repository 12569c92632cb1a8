/**
 * One ORT session per (model set, file, backend, output location) in the engine worker, created
 * once from the registry's checked bytes. `gpuOutputs` keeps outputs on the GPU (webgpu only), so
 * they feed our kernels without a copy.
 */
import type { LoadProgress, ManifestFile } from '../models/manifest.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { openSession, type Ort, type Session } from './ort.ts';

export interface ModelSessionOptions {
  backend: 'webgpu' | 'wasm';
  /** Keep outputs on the GPU (webgpu only). */
  gpuOutputs?: boolean;
  onProgress?: LoadProgress;
}

const cache = new WeakMap<ModelRegistry, Map<string, Promise<Session>>>();

export function modelSession(ort: Ort, models: ModelRegistry, file: ManifestFile, opts: ModelSessionOptions): Promise<Session> {
  let perSet = cache.get(models);
  if (!perSet) {
    perSet = new Map();
    cache.set(models, perSet);
  }
  const gpuOutputs = opts.backend === 'webgpu' && opts.gpuOutputs === true;
  const key = `${file.file}@${file.sha256}/${opts.backend}/${gpuOutputs ? 'gpu' : 'cpu'}`;
  let s = perSet.get(key);
  if (!s) {
    s = (async () =>
      openSession(ort, await models.bytes(file, opts.onProgress), {
        executionProviders: [opts.backend],
        graphOptimizationLevel: 'all',
        ...(gpuOutputs ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      }))();
    const set = perSet;
    s.catch(() => set.delete(key));
    perSet.set(key, s);
  }
  return s;
}
