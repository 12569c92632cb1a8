/**
 * Engine-worker methods of the degradation pipeline (spread into engineApi).
 * WebGPU: GpuDegrader (stage cache on the GPU). Without WebGPU: the CPU
 * references (run-cpu.ts) with the VQGAN on ORT's wasm EP — same params, same
 * counter-based noise, same tile plan, so the two paths give the same picture.
 */
import * as Comlink from 'comlink';
import { getBackend, ort } from '../gpu/device';
import { GpuDegrader, type DegradeFrameInput } from '../pipeline/run-gpu';
import type { StageTimes } from '../pipeline/stages';
import { assertValidParams, type PipelineParams } from '../pipeline/params';
import { degradeFrameBeforeCodec, prepareStages } from '../pipeline/run-cpu';
import { loadVqdCpu } from '../pipeline/vqd/vqd-cpu-web';
import type { VqdRunner } from '../pipeline/vqd/options';
import type { LoadProgress } from '../models/manifest';
import { webModels } from '../models/source-web';
import type { RgbaFrame } from '../core/frame';
import { frameOf, imageOf } from '../core/pixels';

export interface DegradeProgress {
  /** Frames finished of this call. */
  done: number;
  total: number;
  /** Model download, when one is under way. */
  file?: string;
  loaded?: number;
  bytes?: number;
}

export interface DegradeResponse {
  frames: RgbaFrame[];
  times: StageTimes;
  backend: 'webgpu' | 'wasm';
}

let gpu: GpuDegrader | undefined;
const cpuVqd = new Map<string, Promise<VqdRunner>>();

function cpuVqdRunner(modelId: string, onProgress?: LoadProgress): Promise<VqdRunner> {
  let p = cpuVqd.get(modelId);
  if (!p) {
    p = (async () => {
      const v = await loadVqdCpu(ort, webModels(), modelId, onProgress);
      return { modelId, nCodes: v.nCodes, run: (img, ks) => v.run(img, ks) } satisfies VqdRunner;
    })();
    p.catch(() => cpuVqd.delete(modelId));
    cpuVqd.set(modelId, p);
  }
  return p;
}

export const degradeApi = {
  /**
   * Blur → Noise → Down → VQD → Quantise for each frame (the FFmpeg stage follows in the
   * media worker). Frames come back as RGBA8, transferred.
   */
  async degradeFrames(
    frames: DegradeFrameInput[],
    rawParams: PipelineParams,
    opts: { timing?: boolean } = {},
    onProgress?: (p: DegradeProgress) => void,
  ): Promise<DegradeResponse> {
    const params = assertValidParams(rawParams);
    const backend = await getBackend();
    const times: StageTimes = {};
    const out: RgbaFrame[] = [];
    const loadProgress: LoadProgress = ({ file, loaded, total }) => onProgress?.({ done: out.length, total: frames.length, file, loaded, bytes: total });
    if (backend.kind === 'webgpu') {
      gpu ??= new GpuDegrader({ device: backend.device, ort, models: webModels() });
      for (const f of frames) {
        out.push(await gpu.run(f, params, opts.timing ? times : undefined, loadProgress));
        onProgress?.({ done: out.length, total: frames.length });
      }
    } else {
      const st = prepareStages(params);
      const vqd = params.vqd.enabled ? await cpuVqdRunner(params.modelId, loadProgress) : undefined;
      for (const f of frames) {
        out.push(frameOf(await degradeFrameBeforeCodec(imageOf(f), f.index, st, vqd)));
        onProgress?.({ done: out.length, total: frames.length });
      }
      Object.assign(times, st.times);
    }
    return Comlink.transfer({ frames: out, times, backend: backend.kind }, out.map((f) => f.data.buffer as ArrayBuffer));
  },

  /** Drop cached stage buffers (e.g. when a new source opens). */
  async clearDegradeCache(): Promise<void> {
    gpu?.clear();
  },
};
