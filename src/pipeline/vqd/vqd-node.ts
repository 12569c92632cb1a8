/**
 * The VQ degrader in Node (CLI, training data factory): onnxruntime-node + the exact k-th-nearest
 * search.
 *
 * Same computation as vqd-cpu.ts's `createVqdCpu` (the browser fallback): the same tile plan
 * (multiples of 8, replicate-padded, overlapped and feathered), the same ORT models, and the same
 * k-th-nearest entries bit for bit — but the search runs as knn-screened.ts (an ORT Gemm screens
 * the codebook, the exact f32 reference decides), about 40× faster than knnCpu on a 64×64 frame,
 * which is what makes VQD affordable in the training data factory. vqd-node.test.ts checks the two
 * give identical pixels.
 *
 * Its files come from the model registry (models/source-node.ts: the folder's manifest.json, each
 * file's sha256 checked); the ORT sessions open once, so a batch of clips pays the start-up once.
 */
import type { ImageF32 } from '../../core/image.ts';
import { buildOnnxModel } from '../../gpu/onnx-builder.ts';
import { openSession, type OrtSessionOptions } from '../../gpu/ort.ts';
import { nodeModels } from '../../models/source-node.ts';
import { knnScreened, prepareCodebook } from './knn-screened.ts';
import { createVqdCpu, VQD_CPU_DEFAULT_OVERLAP, VQD_CPU_DEFAULT_TILE } from './vqd-cpu.ts';
import type { VqdKs, VqdRunner } from './options.ts';

export type { VqdKs, VqdRunner } from './options.ts';
export { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
export { ModelFileError } from '../../models/manifest.ts';

export interface VqdNodeOptions {
  /** Folder with manifest.json and the model files. Default: the repo's public/models. */
  modelsDir?: string;
  /** Manifest key of the degrader (PipelineParams.modelId). Default 'vqgan'. */
  modelId?: string;
  /** ORT intra-op threads. Default: ORT's choice (all cores). */
  threads?: number;
  /** Largest tile side (input pixels, multiple of 8) and overlap, as the browser path uses. */
  maxTile?: number;
  overlap?: number;
}

/** Load the degrader named `modelId` from the manifest (the registry checks every file) and open its sessions. */
export async function createVqdNode(opts: VqdNodeOptions = {}): Promise<VqdRunner> {
  const modelId = opts.modelId ?? 'vqgan';
  const { model, encoder, decoder, codebook } = await nodeModels(opts.modelsDir).vqgan(modelId);
  const { nCodes, nz } = model;

  const ort = await import('onnxruntime-node');
  const sessionOptions: OrtSessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) };
  // The screened search needs G = zᵀ·Eᵀ from ORT; the tile loop is vqd-cpu.ts's, shared with the browser.
  const gram = await openSession(ort, gramModel(nz, nCodes), sessionOptions);
  const prep = prepareCodebook(codebook, nCodes, nz);
  const codebookTensor = new ort.Tensor('float32', prep.codebook, [prep.N, prep.nz]);
  const quantize = async (z: Float32Array, P: number, k: number) => {
    const g = await gram.run({ z: new ort.Tensor('float32', z, [nz, P]), E: codebookTensor });
    return knnScreened(z, P, prep, k, g.G.data as Float32Array).zq;
  };
  const cpu = await createVqdCpu(ort, { encoder, decoder, codebook, nCodes, nz }, sessionOptions, quantize);
  const tiles = { maxTile: opts.maxTile ?? VQD_CPU_DEFAULT_TILE, overlap: opts.overlap ?? VQD_CPU_DEFAULT_OVERLAP };
  return {
    modelId,
    nCodes,
    weightsSha256: [model.encoder.sha256, model.decoder.sha256, model.codebook.sha256],
    async run(img: ImageF32, ks: VqdKs): Promise<ImageF32> {
      for (const k of [ks.kTop, ks.kMid, ks.kBot]) {
        if (!Number.isInteger(k) || k < 1 || k > nCodes) throw new RangeError(`vqd k = ${k} outside 1…${nCodes}`);
      }
      return cpu.run(img, ks, tiles);
    },
  };
}

/** G [P, N] = zᵀ·Eᵀ for z [nz, P] and the codebook E [N, nz] (an initializer): one Gemm. */
function gramModel(nz: number, N: number): Uint8Array {
  return buildOnnxModel({
    inputs: [
      { name: 'z', type: 'float', dims: [nz, 'P'] },
      { name: 'E', type: 'float', dims: [N, nz] },
    ],
    outputs: [{ name: 'G', type: 'float', dims: ['P', N] }],
    nodes: [{ op: 'Gemm', inputs: ['z', 'E'], outputs: ['G'], attrs: { transA: 1, transB: 1 } }],
  });
}
