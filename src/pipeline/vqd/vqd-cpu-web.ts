/**
 * The CPU VQ degrader in the browser: the registry's model files (downloaded, sha256-checked,
 * cached by models/source-web.ts) on ORT-web's wasm EP. One loader for the engine's fallback
 * path, the GPU-vs-CPU tests and the benchmarks.
 */
import type { LoadProgress } from '../../models/manifest';
import type { ModelRegistry } from '../../models/registry';
import type { Ort } from '../../gpu/ort';
import { createVqdCpu, type VqdCpu } from './vqd-cpu';

export async function loadVqdCpu(ort: Ort, models: ModelRegistry, modelId = 'vqgan', onProgress?: LoadProgress): Promise<VqdCpu> {
  const { model, encoder, decoder, codebook } = await models.vqgan(modelId, onProgress);
  return createVqdCpu(ort, { encoder, decoder, codebook, nCodes: model.nCodes, nz: model.nz }, { executionProviders: ['wasm'] });
}
