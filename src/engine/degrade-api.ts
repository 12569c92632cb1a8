/**
 * Engine-worker methods of the degradation pipeline (spread into engineApi).
 * WebGPU: GpuDegrader (stage cache on the GPU). Without WebGPU, or where the plan puts the chain on
 * the CPU: CpuDegrader (the stages' CPU functions, the VQGAN on ORT's wasm EP of the plain wasm
 * build, ort-wasm.ts; stage outputs kept in memory) — same params, same counter-based noise, same
 * tile plan, so the two paths give the same picture, and a slider re-runs only its stage and those
 * after it on either.
 *
 * The Degrade tab's preview is latest-wins: each preview call carries a ticket, and
 * `supersedeDegrade(t)` (sent by the UI when the sliders moved on while a call runs) stops every
 * call with a smaller ticket at its next stage boundary, so a drag never queues stale work.
 */
import * as Comlink from 'comlink';
import { getBackend, ort, webgpuDevice, webgpuPossible } from '../gpu/device';
import { GpuDegrader, type DegradeFrameInput } from '../pipeline/run-gpu';
import { FRAME_STAGES, type StageName, type StageTimes } from '../pipeline/stages';
import { CpuDegrader } from '../pipeline/cpu-degrader';
import { PreviewTickets } from './preview-tickets';
import { assertValidParams, defaultPipelineParams, type PipelineParams } from '../pipeline/params';
import { degradeFrameBeforeCodec, prepareStages } from '../pipeline/run-cpu';
import { loadVqdCpu } from '../pipeline/vqd/vqd-cpu-web';
import { ortWasm } from './ort-wasm';
import { liteNetWanted } from './vsr-api';
import type { VqdPartTimes, VqdRunner } from '../pipeline/vqd/options';
import type { LoadProgress } from '../models/manifest';
import { webModels } from '../models/source-web';
import type { RgbaFrame } from '../core/frame';
import { imageOf } from '../core/pixels';
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
  /** The VQD stage's parts on the CPU path (encoder, k-NN search, decoder), summed over frames. */
  vqdParts?: VqdPartTimes;
  /** Stages whose output every frame took from the cache (a slider after them moved). */
  reused: StageName[];
  /** Wall time of the call inside the engine, ms. */
  engineMs: number;
}

let gpu: GpuDegrader | undefined;
const cpu = new CpuDegrader();
const cpuVqd = new Map<string, Promise<VqdRunner>>();
const tickets = new PreviewTickets();

/**
 * The VQGAN's CPU runner: on onnxruntime-web's plain wasm build, as every CPU session of the engine
 * (ort-wasm.ts), not on the WebGPU build — so a machine that degrades on the CPU never loads that
 * build's 27 MB wasm. Not slower for it, and the same pixels: on the 2-core VM beside a trainer
 * (load 6–10), encoder + decoder in one worker, the builds interleaved (vqd-ort-builds.bench.ts),
 * took 0.97× and 0.90× the WebGPU build's time, outputs bit-identical; the app's preview
 * (`npm run bench app`, 3 interleaved runs each) stayed within noise (median 845–938 ms vs
 * 882–1147 ms wall, 427–475 vs 387–464 ms CPU per slider change).
 */
function cpuVqdRunner(modelId: string, onProgress?: LoadProgress): Promise<VqdRunner> {
  let p = cpuVqd.get(modelId);
  if (!p) {
    p = (async () => {
      const v = await loadVqdCpu(await ortWasm(), webModels(), modelId, onProgress, { lite: liteNetWanted() });
      return {
        modelId,
        nCodes: v.nCodes,
        run: (img, ks) => v.run(img, ks),
        encode: (img, times) => v.encode(img, {}, times),
        decode: (enc, ks, times) => v.decode(enc, ks, times),
      } satisfies VqdRunner;
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
      await g.run(probeFrame(n, runs++), params, { onProgress: onLoad });
    },
    async cpu() {
      const f = probeFrame(n, runs++);
      await degradeFrameBeforeCodec(imageOf(f), f.index, st, vqd);
    },
    dispose: () => undefined,
  };
}

/**
 * Where the chain runs for `params`: no WebGPU → CPU; else the engine's plan for its VQD model,
 * which brings WebGPU up only when it needs it (a probe, a WebGPU side).
 */
async function degradeSide(params: PipelineParams, onLoad?: LoadProgress): Promise<Side> {
  if (!(await webgpuPossible())) return 'wasm';
  const planner = getPlanner();
  if (!planner) return (await getBackend()).kind;
  const { encoder, decoder, codebook } = await webModels().model('vqgan', params.modelId);
  const files = [encoder.sha256, decoder.sha256, codebook.sha256];
  const plan = await planner.plan({ stage: 'degrade', model: params.modelId, files, probe: async () => degradeProbe(await webgpuDevice(), params.modelId, onLoad) });
  return plan.side;
}

export const degradeApi = {
  /**
   * Blur → Noise → Down → VQD → Quantise for each frame (the FFmpeg stage follows in the
   * media worker). Frames come back as RGBA8, transferred. `ticket` (the preview's): the call
   * stops with DegradeSuperseded once `supersedeDegrade` passes a larger one.
   */
  async degradeFrames(
    frames: DegradeFrameInput[],
    rawParams: PipelineParams,
    opts: { timing?: boolean; ticket?: number } = {},
    onProgress?: (p: DegradeProgress) => void,
  ): Promise<DegradeResponse> {
    const t0 = performance.now();
    const params = assertValidParams(rawParams);
    const times: StageTimes = {};
    const out: RgbaFrame[] = [];
    const loadProgress: LoadProgress = ({ file, loaded, total }) => onProgress?.({ done: out.length, total: frames.length, file, loaded, bytes: total });
    const { ticket } = opts;
    const between = ticket === undefined ? undefined : () => tickets.boundary(ticket);
    const side = await degradeSide(params, loadProgress);
    // A stage is "reused" when no frame of the call had to run it.
    const ran = new Set<StageName>();
    let vqdParts: VqdPartTimes | undefined;
    if (side === 'webgpu') {
      const g = gpuDegrader(await webgpuDevice());
      for (const f of frames) {
        const reused = new Set<StageName>();
        out.push(await g.run(f, params, { times: opts.timing ? times : undefined, onProgress: loadProgress, between, reused }));
        for (const s of stagesOf(params)) if (!reused.has(s)) ran.add(s);
        onProgress?.({ done: out.length, total: frames.length });
      }
    } else {
      const vqd = params.vqd.enabled ? await cpuVqdRunner(params.modelId, loadProgress) : undefined;
      vqdParts = {};
      for (const f of frames) {
        const reused = new Set<StageName>();
        out.push(await cpu.run(f, params, vqd, { times, vqdTimes: vqdParts, reused, between }));
        for (const s of stagesOf(params)) if (!reused.has(s)) ran.add(s);
        onProgress?.({ done: out.length, total: frames.length });
      }
    }
    const reused = frames.length === 0 ? [] : stagesOf(params).filter((s) => !ran.has(s));
    const res: DegradeResponse = { frames: out, times, backend: side, vqdParts, reused, engineMs: performance.now() - t0 };
    return Comlink.transfer(res, out.map((f) => f.data.buffer as ArrayBuffer));
  },

  /** The preview moved on: calls with a ticket below `ticket` stop at their next stage boundary. */
  async supersedeDegrade(ticket: number): Promise<void> {
    tickets.supersede(ticket);
  },

  /** Drop cached stage outputs (e.g. when a new source opens). */
  async clearDegradeCache(): Promise<void> {
    gpu?.clear();
    cpu.clear();
  },
};

/** The per-frame stages `params` runs, by name. */
function stagesOf(params: PipelineParams): StageName[] {
  return FRAME_STAGES.filter((s) => !s.skip(params)).map((s) => s.name);
}
