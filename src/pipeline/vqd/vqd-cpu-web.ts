/**
 * The CPU VQ degrader in the browser: the manifest's model files (downloaded,
 * sha256-checked, cached by models.ts) on ORT-web's wasm EP. One loader for the
 * engine's fallback path, the GPU-vs-CPU tests and the benchmarks.
 */
import { fetchModelFile, fileEntry, loadFloat32File, loadManifest, type LoadProgress } from '../../engine/models';
import { createVqdCpu, type OrtLike, type VqdCpu } from './vqd-cpu';

export async function loadVqdCpu(ort: unknown, modelId = 'vqgan', onProgress?: LoadProgress): Promise<VqdCpu> {
  const m = await loadManifest();
  const cfg = m.models[modelId]?.config as { n_codes?: number; n_z?: number } | undefined;
  if (!cfg) throw new Error(`no degrader model '${modelId}' in the manifest`);
  return createVqdCpu(
    ort as OrtLike,
    {
      encoder: await fetchModelFile(fileEntry(m, modelId, `${modelId}.encoder.onnx`), onProgress),
      decoder: await fetchModelFile(fileEntry(m, modelId, `${modelId}.decoder.onnx`), onProgress),
      codebook: await loadFloat32File(modelId, `${modelId}.codebook.bin`, onProgress),
      nCodes: cfg.n_codes ?? 1024,
      nz: cfg.n_z ?? 256,
    },
    { executionProviders: ['wasm'] },
  );
}
