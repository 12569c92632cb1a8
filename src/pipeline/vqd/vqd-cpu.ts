/**
 * The VQ degrader without WebGPU: the same models on any ORT CPU backend
 * (onnxruntime-web's wasm EP in the browser fallback, onnxruntime-node in the
 * CLI and the training data factory), the kNN CPU reference, and the tile CPU
 * references — the same tile plan as vqd-gpu.ts, so both give the same pixels
 * up to float rounding of the two ORT backends.
 */
import type { ImageF32 } from '../../core/image';
import { createImage } from '../../core/image';
import { knnCpu } from './knn-cpu';
import { accumulateCpu, extractCpu, normalizeCpu, planTiles } from '../../gpu/tiles';
import type { VqdGpuOptions } from './vqd-gpu';
import type { VqdKs } from './options';
import { openSession, type Ort, type OrtFeeds, type OrtSessionOptions } from '../../gpu/ort';

export interface VqdCpu {
  readonly nCodes: number;
  run(img: ImageF32, ks: VqdKs, opts?: VqdGpuOptions): Promise<ImageF32>;
}

/** The k-th-nearest quantiser between encoder and decoder: z [nz, P] → zq [nz, P]. */
export type CpuQuantizer = (z: Float32Array, P: number, k: number) => Promise<Float32Array> | Float32Array;

/** The browser paths' tile defaults (same values as vqd-gpu.ts VQD_DEFAULT_TILE / _OVERLAP). */
export const VQD_CPU_DEFAULT_TILE = 256;
export const VQD_CPU_DEFAULT_OVERLAP = 32;

export interface VqdModelBytes {
  encoder: Uint8Array;
  decoder: Uint8Array;
  codebook: Float32Array;
  nCodes: number;
  nz: number;
}

/**
 * `quantize` replaces the plain knnCpu search (the Node CLI passes its faster screened search,
 * which gives the same indices); the tile loop around it is the same for every CPU caller.
 */
export async function createVqdCpu(ort: Ort, files: VqdModelBytes, sessionOptions: OrtSessionOptions = {}, quantize?: CpuQuantizer): Promise<VqdCpu> {
  const encoder = await openSession(ort, files.encoder, sessionOptions);
  const decoder = await openSession(ort, files.decoder, sessionOptions);
  const { codebook, nCodes: N, nz } = files;
  if (codebook.length !== N * nz) throw new Error(`codebook has ${codebook.length} values, expected ${N}×${nz}`);
  const quant: CpuQuantizer = quantize ?? ((z, P, k) => knnCpu(z, nz, P, codebook, N, k).zq);
  return {
    nCodes: N,
    async run(img, ks, opts = {}) {
      const { width: w, height: h } = img;
      const overlap = opts.overlap ?? VQD_CPU_DEFAULT_OVERLAP;
      const plan = planTiles(w, h, { maxTile: opts.maxTile ?? VQD_CPU_DEFAULT_TILE, overlap, multiple: 8 });
      const acc = new Float32Array(3 * w * h);
      const wsum = new Float32Array(w * h);
      const kList = [ks.kTop, ks.kMid, ks.kBot];
      for (const t of plan) {
        const tileIn = extractCpu(img.data, w, h, 3, t.x0, t.y0, t.w, t.h, 2, -1);
        const z = await encoder.run({ [encoder.inputNames[0]]: new ort.Tensor('float32', tileIn, [1, 3, t.h, t.w]) });
        const feeds: OrtFeeds = {};
        for (let i = 0; i < encoder.outputNames.length; i++) {
          const zt = z[encoder.outputNames[i]];
          const [, , lh, lw] = zt.dims; // tile/8, /4, /2 for top, middle, bottom
          const k = Math.min(N, Math.max(1, Math.round(kList[i])));
          const zq = await quant(zt.data as Float32Array, lh * lw, k);
          feeds[decoder.inputNames[i]] = new ort.Tensor('float32', zq, [1, nz, lh, lw]);
        }
        const out = await decoder.run(feeds);
        accumulateCpu(acc, wsum, w, h, 3, out[decoder.outputNames[0]].data as Float32Array, t, overlap, 0.5, 0.5);
      }
      const result = createImage(w, h, 3);
      result.data.set(normalizeCpu(acc, wsum, w, h, 3, 0, 1));
      return result;
    },
  };
}
