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
 * It also finds the files: it reads public/models/manifest.json, checks each file's sha256 (a stale
 * or half-copied model must not silently make training data) and opens the ORT sessions once, so a
 * batch of clips pays the start-up once.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageF32 } from '../../core/image.ts';
import { buildOnnxModel } from '../../engine/onnx-builder.ts';
import { knnScreened, prepareCodebook } from './knn-screened.ts';
import { createVqdCpu, VQD_CPU_DEFAULT_OVERLAP, VQD_CPU_DEFAULT_TILE, type OrtLike } from './vqd-cpu.ts';
// Types only: vqd-gpu.ts touches WebGPU globals (and WGSL) when evaluated.
import type { VqdKs } from './vqd-gpu.ts';


export type { VqdKs } from './vqd-gpu.ts';

/** What the pipeline needs from a degrader (run-cpu.ts's `deps.vqd`). */
export interface VqdRunner {
  /** Frame in [0, 1] → degraded frame in [0, 1], same size. */
  run(img: ImageF32, ks: VqdKs): Promise<ImageF32>;
  readonly modelId: string;
  /** Codebook entries: the largest usable k. */
  readonly nCodes: number;
}

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

export const DEFAULT_MODELS_DIR = path.resolve(import.meta.dirname, '../../../public/models');

interface ManifestFileEntry {
  file: string;
  sha256?: string;
  layout?: { rows?: number; cols?: number; dtype?: string };
}
interface ManifestModelEntry {
  config?: { n_codes?: number; n_z?: number };
  files?: ManifestFileEntry[];
}

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

async function readChecked(dir: string, entry: ManifestFileEntry): Promise<Uint8Array> {
  const p = path.join(dir, path.basename(entry.file));
  let bytes: Buffer;
  try {
    bytes = await readFile(p);
  } catch (e) {
    throw new ModelFileError(`model file ${p} cannot be read: ${(e as Error).message}`);
  }
  if (entry.sha256) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== entry.sha256) throw new ModelFileError(`model file ${p} does not match manifest.json (sha256 ${got.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…)`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function pick(files: ManifestFileEntry[], suffix: string, modelId: string): ManifestFileEntry {
  const f = files.find((x) => x.file.endsWith(suffix));
  if (!f) throw new ModelFileError(`manifest model '${modelId}' has no *${suffix} file`);
  return f;
}

/** Load the degrader named `modelId` from the manifest and open its sessions. */
export async function createVqdNode(opts: VqdNodeOptions = {}): Promise<VqdRunner> {
  const dir = opts.modelsDir ?? DEFAULT_MODELS_DIR;
  const modelId = opts.modelId ?? 'vqgan';
  let manifest: { models?: Record<string, ManifestModelEntry> };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    throw new ModelFileError(`cannot read ${path.join(dir, 'manifest.json')}: ${(e as Error).message}`);
  }
  const model = manifest.models && Object.prototype.hasOwnProperty.call(manifest.models, modelId) ? manifest.models[modelId] : undefined;
  if (!model || !Array.isArray(model.files)) {
    throw new ModelFileError(`model '${modelId}' is not in ${path.join(dir, 'manifest.json')} (known: ${Object.keys(manifest.models ?? {}).join(', ')})`);
  }
  const encEntry = pick(model.files, 'encoder.onnx', modelId);
  const decEntry = pick(model.files, 'decoder.onnx', modelId);
  const cbEntry = pick(model.files, 'codebook.bin', modelId);
  const nCodes = cbEntry.layout?.rows ?? model.config?.n_codes;
  const nz = cbEntry.layout?.cols ?? model.config?.n_z;
  if (!nCodes || !nz) throw new ModelFileError(`manifest model '${modelId}' does not give the codebook's rows and columns`);

  const [encoder, decoder, cbBytes] = await Promise.all([readChecked(dir, encEntry), readChecked(dir, decEntry), readChecked(dir, cbEntry)]);
  if (cbBytes.byteLength !== nCodes * nz * 4) throw new ModelFileError(`codebook is ${cbBytes.byteLength} bytes, expected ${nCodes}×${nz} float32`);
  // Copy into an aligned little-endian Float32Array (x86/arm hosts are little-endian).
  const codebook = new Float32Array(cbBytes.slice().buffer);

  const ort = (await import('onnxruntime-node')) as unknown as OrtLike;
  const sessionOptions: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (opts.threads) sessionOptions.intraOpNumThreads = opts.threads;
  // The screened search needs G = zᵀ·Eᵀ from ORT; the tile loop is vqd-cpu.ts's, shared with the browser.
  const gram = await ort.InferenceSession.create(gramModel(nz, nCodes), sessionOptions);
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
