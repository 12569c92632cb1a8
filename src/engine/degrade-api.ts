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
import { assertValidParams, defaultPipelineParams, type PipelineParams } from '../pipeline/params';
import { degradeFrameBeforeCodec, prepareStages } from '../pipeline/run-cpu';
import { loadVqdCpu } from '../pipeline/vqd/vqd-cpu-web';
import type { VqdRunner } from '../pipeline/vqd/options';
import type { LoadProgress } from '../models/manifest';
import { webModels } from '../models/source-web';
import type { RgbaFrame } from '../core/frame';
import { frameOf, imageOf } from '../core/pixels';
import { getPlanner, probePattern, type StageProbe } from './backend-plan';
import type { Side } from '../gpu/backend-choice';

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

/** HR side of the degrade probe (×1/4 → a 32×32 LR frame through VQD): the sample's scale of work per tile. */
export const DEGRADE_PROBE_SIZE = 128;

function probeFrame(n: number, index: number): DegradeFrameInput {
  // A key no source has, fresh per run, so the GPU stage caches never answer for the probe.
  return { key: `backend-probe#${index}`, index, width: n, height: n, data: probePattern(n) };
}

/** The one GPU degrader (its stage caches are shared by the runs and the probe). */
function gpuDegrader(device: GPUDevice): GpuDegrader {
  gpu ??= new GpuDegrader({ device, ort, models: webModels() });
  return gpu;
}

/** The default chain (blur, noise, ×1/4, VQD with `modelId`, quantise) on each side. */
async function degradeProbe(device: GPUDevice, modelId: string, onLoad?: LoadProgress): Promise<StageProbe> {
  const params = defaultPipelineParams();
  params.modelId = modelId;
  params.vqd.enabled = true;
  const n = DEGRADE_PROBE_SIZE;
  const st = prepareStages(params);
  const vqd = await cpuVqdRunner(modelId, onLoad);
  const g = gpuDegrader(device);
  let runs = 0;
  return {
    size: n / 4,
    async gpu() {
      await g.run(probeFrame(n, runs++), params, undefined, onLoad);
    },
    async cpu() {
      const f = probeFrame(n, runs++);
      await degradeFrameBeforeCodec(imageOf(f), f.index, st, vqd);
    },
    dispose: () => undefined,
  };
}

/** Where the chain runs for `params`: no WebGPU → CPU; else the engine's plan for its VQD model. */
async function degradeSide(params: PipelineParams, onLoad?: LoadProgress): Promise<Side> {
  const backend = await getBackend();
  if (backend.kind !== 'webgpu') return 'wasm';
  const planner = getPlanner();
  if (!planner) return 'webgpu';
  const { encoder, decoder, codebook } = await webModels().model('vqgan', params.modelId);
  const files = [encoder.sha256, decoder.sha256, codebook.sha256];
  const plan = await planner.plan({ stage: 'degrade', model: params.modelId, files, probe: () => degradeProbe(backend.device, params.modelId, onLoad) });
  return plan.side;
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
    const side = await degradeSide(params, loadProgress);
    if (backend.kind === 'webgpu' && side === 'webgpu') {
      const g = gpuDegrader(backend.device);
      for (const f of frames) {
        out.push(await g.run(f, params, opts.timing ? times : undefined, loadProgress));
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
    return Comlink.transfer({ frames: out, times, backend: side }, out.map((f) => f.data.buffer as ArrayBuffer));
  },

  /** Drop cached stage buffers (e.g. when a new source opens). */
  async clearDegradeCache(): Promise<void> {
    gpu?.clear();
  },
};
