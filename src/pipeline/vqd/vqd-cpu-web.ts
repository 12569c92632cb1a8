/**
 * The CPU VQ degrader in the browser: the registry's model files (downloaded, sha256-checked,
 * cached by models/source-web.ts) on ORT-web's wasm EP, with the k-th-nearest search screened in
 * the codebook's principal subspace (knn-projected.ts: knnCpu's indices, ~100× faster on the
 * sample), the decoder's entry Convs as table look-ups from its indices (code-conv.ts: 0.84 of
 * the decoder's 1.82 GFLOP on the sample), and the encoder and the rest of the decoder on the
 * project's wasm kernels where their graphs are the VQGAN's (lite/vqgan-net.ts; ORT's wasm EP for
 * any other graph, or with `lite: false`). One loader for the engine's fallback path, the GPU-vs-CPU
 * tests and the benchmarks.
 */
import type { LoadProgress } from '../../models/manifest';
import type { ModelRegistry } from '../../models/registry';
import type { Ort } from '../../gpu/ort';
import { createVqdCpu, type VqdCpu } from './vqd-cpu';
import { knnProjected, knnProjectedIndices, prepareProjectedCodebook, warmUpKnn } from './knn-projected';
import { warmUpBlur } from '../blur/blur-simd';
import { openLiteVqgan } from './lite/vqgan-session';
import { webLiteHelper } from '../vsr/wasm-net/lite-helper-web';

export async function loadVqdCpu(ort: Ort, models: ModelRegistry, modelId = 'vqgan', onProgress?: LoadProgress, opts: { lite?: boolean } = {}): Promise<VqdCpu> {
  const { model, encoder, decoder, codebook } = await models.vqgan(modelId, onProgress);
  const prep = prepareProjectedCodebook(codebook, model.nCodes, model.nz);
  const quantize = (z: Float32Array, P: number, k: number) => knnProjected(z, P, prep, k).zq;
  const search = (z: Float32Array, P: number, k: number) => knnProjectedIndices(z, P, prep, k);
  const cpu = await createVqdCpu(ort, { encoder, decoder, codebook, nCodes: model.nCodes, nz: model.nz }, { executionProviders: ['wasm'] }, quantize, {
    codeTables: { search },
    // The encoder and the decoder's rest on the project's wasm kernels (lite/vqgan-net.ts) where their graphs are recognised.
    // Two threads where the page is cross-origin isolated (shared memory), as the VSR's lite nets.
    open: (opts.lite ?? true) ? (model, role) => openLiteVqgan(ort, model, role, globalThis.crossOriginIsolated ? webLiteHelper : undefined) : undefined,
  });
  // The wasm kernels of the CPU chain, compiled to optimised code before the first slider moves.
  warmUpBlur();
  warmUpKnn(prep);
  return cpu;
}
