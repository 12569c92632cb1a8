/**
 * The VQ degrader on WebGPU: encoder.onnx → k-th-nearest (shaders/knn.wgsl) per
 * branch → decoder.onnx, all on ORT's device; tensors never leave the GPU.
 *
 *   frame [3,H,W] in [0,1] ─extract(×2−1, pad to 8)→ encoder ─z_top/z_mid/z_bot→
 *   knn(kTop) / knn(kMid) / knn(kBot) ─zq→ decoder ─image [-1,1]→ accumulate(×½+½) → normalize
 *
 * Frames larger than `maxTile` run as overlapping tiles cross-faded over the
 * overlap (tile.wgsl). The VQGAN has attention at H/8, so a tile does not see
 * the whole frame: the overlap keeps the seams invisible, and a test states
 * the tiled-vs-whole difference on a frame that fits both ways.
 */
import { createKnn, type Knn } from './knn-gpu';
import { VQD_FRAME_MARGIN, type VqdKs } from './options';
import { createTileOps, type TileOps } from '../../gpu/tiles-gpu';
import { planTiles } from '../../gpu/tiles';
import { flushOrt } from '../../gpu/device';
import type { Ort, OrtFeeds, OrtTensor } from '../../gpu/ort';
import { modelSession } from '../../gpu/sessions';
import type { LoadProgress } from '../../models/manifest';
import type { ModelRegistry } from '../../models/registry';

export type { VqdKs } from './options';

export interface VqdGpuOptions {
  /** Largest tile side in input pixels (multiple of 8). */
  maxTile?: number;
  /** Overlap between tiles in input pixels (multiple of 8). */
  overlap?: number;
}

export interface VqdGpu {
  readonly nCodes: number;
  /** input: planar RGB [3,h,w] in [0,1]; returns a new buffer [3,h,w] in [0,1] (caller destroys). */
  run(input: GPUBuffer, w: number, h: number, ks: VqdKs, opts?: VqdGpuOptions): Promise<GPUBuffer>;
}

const STRIDE = 8;
export const VQD_DEFAULT_TILE = 256;
export const VQD_DEFAULT_OVERLAP = 32;

export async function createVqdGpu(device: GPUDevice, ort: Ort, models: ModelRegistry, modelId = 'vqgan', onProgress?: LoadProgress): Promise<VqdGpu> {
  const model = await models.model('vqgan', modelId);
  const { nCodes: N, nz } = model;
  const opts = { backend: 'webgpu', gpuOutputs: true, onProgress } as const;
  const [encoder, decoder, codebook] = await Promise.all([
    modelSession(ort, models, model.encoder, opts),
    modelSession(ort, models, model.decoder, opts),
    models.float32(model.codebook, onProgress),
  ]);
  if (codebook.length !== N * nz) throw new Error(`codebook has ${codebook.length} values, expected ${N}×${nz}`);
  const knn: Knn = createKnn(device);
  knn.setCodebook(codebook, N, nz);
  const tiles: TileOps = createTileOps(device);
  const [inName] = encoder.inputNames;
  const encOut = encoder.outputNames; // z_top, z_mid, z_bot
  const decIn = decoder.inputNames; // zq_top, zq_mid, zq_bot
  const [decOut] = decoder.outputNames;

  async function runTile(tileIn: GPUBuffer, tw: number, th: number, ks: VqdKs): Promise<OrtTensor> {
    const z = await encoder.run({ [inName]: ort.Tensor.fromGpuBuffer(tileIn, { dataType: 'float32', dims: [1, 3, th, tw] }) });
    await flushOrt(); // our knn submit below must come after the encoder's kernels
    const enc = device.createCommandEncoder({ label: 'vqd.knn' });
    const scales = [8, 4, 2];
    const kList = [ks.kTop, ks.kMid, ks.kBot];
    // Caller-owned outputs: the three branches differ in P but a second tile must not alias them.
    const zq = encOut.map((name, i) => {
      const P = (tw / scales[i]) * (th / scales[i]);
      const out = {
        indices: device.createBuffer({ size: Math.max(16, P * 4), usage: GPUBufferUsage.STORAGE }),
        zq: device.createBuffer({ size: P * nz * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
      };
      knn.run({ z: z[name].gpuBuffer, P, k: Math.min(N, Math.max(1, Math.round(kList[i]))), encoder: enc, out });
      return out;
    });
    device.queue.submit([enc.finish()]);
    const feeds: OrtFeeds = {};
    decIn.forEach((name, i) => {
      feeds[name] = ort.Tensor.fromGpuBuffer(zq[i].zq, { dataType: 'float32', dims: [1, nz, th / scales[i], tw / scales[i]] });
    });
    const out = await decoder.run(feeds);
    await flushOrt(); // the accumulate submit reads the decoder output
    for (const name of encOut) z[name].dispose();
    for (const b of zq) {
      b.indices.destroy();
      b.zq.destroy();
    }
    return out[decOut];
  }

  return {
    nCodes: N,
    async run(input, w, h, ks, opts = {}) {
      const maxTile = opts.maxTile ?? VQD_DEFAULT_TILE;
      const overlap = opts.overlap ?? VQD_DEFAULT_OVERLAP;
      const plan = planTiles(w, h, { maxTile, overlap, multiple: STRIDE, margin: VQD_FRAME_MARGIN });
      const enc0 = device.createCommandEncoder({ label: 'vqd.acc' });
      const { acc, wsum } = tiles.accumulator(w, h, 3, enc0);
      device.queue.submit([enc0.finish()]);
      for (const t of plan) {
        const e1 = device.createCommandEncoder({ label: 'vqd.extract' });
        const tileIn = tiles.extract({ src: input, srcW: w, srcH: h, channels: 3, x0: t.x0, y0: t.y0, w: t.w, h: t.h, scale: 2, offset: -1, encoder: e1 });
        device.queue.submit([e1.finish()]);
        const outT = await runTile(tileIn, t.w, t.h, ks);
        const e2 = device.createCommandEncoder({ label: 'vqd.accumulate' });
        tiles.accumulate({ acc, wsum, frameW: w, frameH: h, channels: 3, tileBuf: outT.gpuBuffer, tile: t, feather: overlap, scale: 0.5, offset: 0.5, encoder: e2 });
        device.queue.submit([e2.finish()]);
        await device.queue.onSubmittedWorkDone();
        outT.dispose();
        tileIn.destroy();
      }
      const e3 = device.createCommandEncoder({ label: 'vqd.normalize' });
      tiles.normalize({ acc, wsum, frameW: w, frameH: h, channels: 3, lo: 0, hi: 1, encoder: e3 });
      device.queue.submit([e3.finish()]);
      wsum.destroy();
      return acc;
    },
  };
}
