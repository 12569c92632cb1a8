/**
 * Engine-worker methods of the VSR upscaler (spread into engineApi).
 *
 * A run is one long call, overlapped in three stages (run-queues.ts): the engine asks the caller
 * for the LR frames it needs next (`getFrame`, a comlink proxy: the page decodes them in the media
 * worker) up to READ_AHEAD frames ahead while a step runs; keeps three of them and the per-tile
 * hidden states (on the GPU, or in the wasm heap); and hands each ×4 frame back as RGBA8
 * (`onFrame`, transferred) in order, up to DELIVER_DEPTH frames at a time, while the next step
 * already runs. The page writes them into the export worker's bounded pipe, so a slow consumer
 * (the encoder, a paused UI) still holds the run back instead of frames piling up. Nothing of the
 * clip is held whole.
 *
 * Cancel: a SharedArrayBuffer-backed Int32Array (element 0 ≠ 0 stops the run after the frame in
 * flight; the frames made so far are delivered and stay valid), or `vsrCancel(jobId)` where the
 * page is not cross-origin isolated. Without WebGPU (or where the plan prefers the CPU) the same
 * loop runs vsr-cpu.ts on onnxruntime-web's plain wasm build (ort-wasm.ts), a cubic ×2/×4 base
 * rewritten as a convolution (pipeline/vsr/cubic-base-conv.ts); a cubic base it cannot rewrite is made one frame
 * ahead on a second thread (vsr-cpu-ort.ts).
 */
import * as Comlink from 'comlink';
import { getBackend, ort, webgpuDevice, webgpuPossible } from '../gpu/device';
import { type ImageF32 } from '../core/image';
import type { RgbaFrame } from '../core/frame';
import { fromRgba8, packRgba8 } from '../core/pixels';
import type { LoadProgress } from '../models/manifest';
import { webModels } from '../models/source-web';
import { createVsrGpu, readRgba, uploadRgba, vsrGpuOnSession, type VsrGpu, type VsrGpuSequence } from '../pipeline/vsr/vsr-gpu';
import { createVsrCpu, type VsrCpu, type VsrCpuSequence } from '../pipeline/vsr/vsr-cpu';
import { openSession } from '../gpu/ort';
import type { VsrModel } from '../models/kinds';
import { isByoId } from '../models/byo-id';
import { getByoModel, readByoModel } from '../models/byo-store-web';
import { VSR_DEFAULT_TILE } from '../pipeline/vsr/vsr-common';
import { ensembleSequence, isEnsembleSize, type EnsembleSize } from '../pipeline/vsr/self-ensemble';
import { ensembleSequenceGpu } from '../pipeline/vsr/self-ensemble-gpu';
import { planOutputSize, type OutputSizeId } from '../pipeline/vsr/output-size';
import { createPlanResamplerCpu } from '../pipeline/vsr/output-resample';
import { createPlanResamplerGpu, type PlanResamplerGpu } from '../pipeline/vsr/output-resample-gpu';
import { getPlanner, probePattern, type StageProbe } from './backend-plan';
import type { Side } from '../gpu/backend-choice';
import { ortWasm } from './ort-wasm';
import { splitBaseOrt } from './vsr-cpu-ort';
import { isLiteGraph, liteNetOrt } from '../pipeline/vsr/wasm-net/lite-ort';
import type { VsrFiles } from '../models/registry';
import { webLiteHelper } from '../pipeline/vsr/wasm-net/lite-helper-web';
import { withConvBase } from '../pipeline/vsr/cubic-base-conv';
import { startBaseWorker } from './vsr-base-client';
import { OrderedSink, ReadAhead } from './run-queues';

/**
 * LR frames asked for ahead of the step that needs them: the page decodes (or degrades) them
 * meanwhile. Two cover a decode chunk boundary; each is one LR frame (e.g. 0.5 MB at 480×270).
 */
export const READ_AHEAD = 2;
/**
 * ×4 frames handed to the page at once: one being written into the export pipe while the next is
 * made. More would only hold memory (8 MB each at 1920×1080): the pipe behind it has its own slots.
 */
export const DELIVER_DEPTH = 2;

export interface VsrRunRequest {
  /** Identifies the run for vsrCancel. */
  jobId?: number;
  /** Manifest key of the VSR model (default 'vsr'), or the id of a model the user brought ('byo-…'). */
  model?: string;
  /** LR size of every frame. */
  width: number;
  height: number;
  /** Frames [from, to) are upscaled (indices passed to getFrame). */
  from: number;
  to: number;
  /** Frames before this one only warm the state up and are not delivered (default: from). */
  emitFrom?: number;
  /** Frames in the clip: the last frame's `next` is frame `to` when to < length, else itself. */
  length: number;
  maxTile?: number;
  overlap?: number;
  /** Run on the CPU path (ORT wasm EP) even where WebGPU is up (else the engine's plan decides). */
  cpu?: boolean;
  /**
   * Output size (pipeline/vsr/output-size.ts; default 'x4', the net's own for our models): the net
   * runs at the plan's net input size and Lanczos-3 resamples around it on the same side
   * (shaders/resize.wgsl, or its CPU reference).
   */
  size?: OutputSizeId;
  /** Even output sides (a video export); default false. */
  even?: boolean;
  /** Self-ensemble passes (pipeline/vsr/self-ensemble.ts): 1 (default), 2, 4 or 8; n× the time. */
  ensemble?: EnsembleSize;
}

export interface VsrFrameInfo {
  /** Milliseconds the step took (upload → readback). */
  ms: number;
  /** Where the run steps and in how many tiles (the same for every frame of a run). */
  backend: 'webgpu' | 'wasm';
  tiles: number;
  trained: boolean;
}

/**
 * Where a run's time went, in ms of the engine's wall clock (the three add up to about the loop's
 * time): waiting for LR frames the read-ahead had not fetched yet, in the steps themselves (net,
 * tiles, conversions), and waiting for the page to take frames (back-pressure: the export pipe
 * full, a pause). On a run that keeps up, nearly all of it is `stepMs`.
 */
export interface VsrRunTiming {
  frameWaitMs: number;
  stepMs: number;
  deliverWaitMs: number;
}

export interface VsrRunResult {
  /** Frames delivered through onFrame. */
  done: number;
  timing?: VsrRunTiming;
  cancelled: boolean;
  ms: number;
  backend: 'webgpu' | 'wasm';
  tiles: number;
  modelId: string;
  trained: boolean;
  /** On the CPU: what ran the net, e.g. "own wasm kernels, 2 threads" or "onnxruntime wasm". */
  kernels?: string;
}

export type CancelToken = Int32Array | { cancelled: boolean };

// Per model set (the registry) and model id: a test that switches to the narrow models gets fresh runners.
const gpuRunners = new Map<string, Promise<VsrGpu>>();
const cpuRunners = new Map<string, Promise<VsrCpu>>();
const cancelled = new Set<number>();

/** One runner per key, created once; a failed creation is retried next time. */
function once<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** Runner cache key of a user's model: its id names its content (a sha256 prefix), whatever the model set. */
const byoKey = (model: string) => `byo#${model}`;

// The runners, a model's descriptor and its side are shared with Live mode (vsr-live-api.ts).
export function gpuRunner(device: GPUDevice, model: string, onLoad?: LoadProgress): Promise<VsrGpu> {
  if (isByoId(model)) {
    return once(gpuRunners, byoKey(model), async () => {
      const files = await readByoModel(model);
      const session = await openSession(ort, files.step, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', preferredOutputLocation: 'gpu-buffer' });
      return vsrGpuOnSession(device, ort, files.model, session);
    });
  }
  const models = webModels();
  return once(gpuRunners, `${models.source.where}#${model}`, () => createVsrGpu(device, ort, models, model, onLoad));
}

/**
 * The CPU runner of `model` on onnxruntime-web's plain wasm build (ort-wasm.ts). `ahead`: a net with
 * a cubic base that pipeline/vsr/cubic-base-conv.ts leaves as it is (not ×2/×4, scales not constant, …) makes the
 * next frame's base on a second thread while it runs (vsr-cpu-ort.ts) —
 * right for a run over consecutive frames (runVsrJob, and its probe); without it (Live mode, which
 * skips frames: a base made ahead would often go unused) the graph runs whole. Same pixels either way.
 */
export function cpuRunner(model: string, onLoad?: LoadProgress, { ahead = false }: { ahead?: boolean } = {}): Promise<VsrCpu> {
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
  const side = async () => {
    const plain = await ortWasm();
    return ahead ? splitBaseOrt(plain, startBaseWorker) : plain;
  };
  const open = async (files: VsrFiles): Promise<VsrCpu> => {
    // Our 'lite' nets run on the project's own wasm kernels (pipeline/vsr/wasm-net): measured ~1.7×
    // faster a step than ORT's wasm EP on 2 cores (engine/lite-net.bench.ts), two threads where the page
    // may share memory; a tile too large for them still runs on ORT, from the graph below.
    if (liteWanted && isLiteGraph(files.step)) {
      let use: LiteUse | null = null;
      const lite = liteNetOrt(await ortWasm(), { helper: globalThis.crossOriginIsolated ? webLiteHelper : undefined, fallbackModel: (m) => withConvBase({ step: m }).step, onUse: (u) => (use = u) });
      const runner = await createVsrCpu(lite, files, opts);
      if (use) liteRunners.set(runner, use);
      return runner;
    }
    // A cubic ×2/×4 base runs as a convolution (pipeline/vsr/cubic-base-conv.ts): a third less CPU a step, same
    // state, `out` within float32 rounding. Such a graph then runs whole: nothing left to split.
    return createVsrCpu(await side(), withConvBase(files), opts);
  };
  const key = isByoId(model) ? byoKey(model) : `${webModels().source.where}#${model}`;
  const files = () => (isByoId(model) ? readByoModel(model) : webModels().vsr(model, onLoad));
  const plain = (load: () => Promise<VsrFiles>) => once(cpuRunners, key, async () => open(await load()));
  if (!ahead) return plain(files);
  return once(cpuRunners, `${key}#ahead`, async () => {
    const f = await files();
    // The lite net makes no base ahead, so a run and Live share the plain runner: one net (and one
    // wasm memory of a few hundred MB at the sample's size) per model, not two. Opened from these
    // files when it is not open yet (the graph already read once, isLiteGraph caches it per buffer).
    if (liteWanted && isLiteGraph(f.step)) return plain(async () => f);
    return open(f);
  });
}

interface LiteUse {
  threads: number;
  fused: boolean;
}
/** The CPU runners on the lite net, and how it runs (threads, fused multiply-add). */
const liteRunners = new WeakMap<VsrCpu, LiteUse>();
/** What runs `runner`'s net, for the status line. */
export function cpuKernels(runner: VsrCpu): string {
  const use = liteRunners.get(runner);
  return use ? `own wasm kernels, ${use.threads} thread${use.threads === 1 ? '' : 's'}` : 'onnxruntime wasm';
}

/**
 * The project's wasm kernels run the CPU paths' own nets (the lite VSR nets, the VQGAN: degrade-api.ts)
 * unless the page said ?ortcpu (comparisons with ORT's wasm EP; engine init sets it).
 */
let liteWanted = true;
export function setLiteNetWanted(on: boolean): void {
  liteWanted = on;
}
export const liteNetWanted = (): boolean => liteWanted;

/** The descriptor of `model`: the manifest's, or the browser's record of a model the user brought. */
export async function describeVsr(model: string): Promise<VsrModel> {
  if (!isByoId(model)) return webModels().model('vsr', model);
  const m = await getByoModel(model);
  if (!m) throw new Error(`your model '${model}' is not kept by this browser (removed, or added in another browser): add its file again`);
  return m;
}

/** Forget a removed user model's runners and free their sessions. */
export async function dropByoRunners(model: string): Promise<void> {
  for (const [cache, key] of [[gpuRunners, byoKey(model)], [cpuRunners, byoKey(model)], [cpuRunners, `${byoKey(model)}#ahead`]] as [Map<string, Promise<VsrGpu | VsrCpu>>, string][]) {
    const p = cache.get(key);
    cache.delete(key);
    await p?.then((r) => r.release()).catch(() => undefined);
  }
}

/** Side of the CPU warm-up step of vsrPrepare (LR pixels): enough to allocate every layer's buffers, a few ms. */
const WARM_SIZE = 16;
/** The warm-up step of each CPU runner (by instance: a runner dropped and opened again is warmed again). */
const warmUps = new WeakMap<VsrCpu, Promise<void>>();

/** The run's CPU runner of `model` (as runVsrJob opens it), plus one small step, once per runner. */
async function warmCpu(model: string, onLoad?: LoadProgress): Promise<void> {
  const vsr = await cpuRunner(model, onLoad, { ahead: true });
  let p = warmUps.get(vsr);
  if (!p) {
    const img = fromRgba8(probePattern(WARM_SIZE), WARM_SIZE, WARM_SIZE);
    // 'last': no base is made ahead for a step after this one.
    p = vsr.sequence(WARM_SIZE, WARM_SIZE, { maxTile: VSR_DEFAULT_TILE, prime: false }).step(img, img, img, { last: true }).then(() => undefined);
    warmUps.set(vsr, p);
  }
  return p;
}

/** LR side of the VSR probe: big enough to be compute-bound on wasm, small enough for a software GPU. */
export const VSR_PROBE_SIZE = 32;

/** One recurrent step of `model` at the probe size on each side. */
async function vsrProbe(device: GPUDevice, model: string, onLoad?: LoadProgress): Promise<StageProbe> {
  const n = VSR_PROBE_SIZE;
  const rgba = probePattern(n);
  const gpuVsr = await gpuRunner(device, model, onLoad);
  // Unprimed: each probe times one step of each side.
  const gpu = gpuVsr.sequence(n, n, { prime: false });
  // The runner a run uses (its base worker started here, once): the probe measures what runs.
  const cpu = (await cpuRunner(model, onLoad, { ahead: true })).sequence(n, n, { maxTile: VSR_DEFAULT_TILE, prime: false });
  const img = fromRgba8(rgba, n, n);
  const s = gpuVsr.model.scale;
  return {
    size: n,
    async gpu() {
      const b = uploadRgba(device, rgba, n, n);
      try {
        const out = await gpu.step(b, b, b);
        try {
          await readRgba(device, out, s * n, s * n);
        } finally {
          out.destroy();
        }
      } finally {
        b.destroy();
      }
    },
    async cpu() {
      await cpu.step(img, img, img);
    },
    dispose: () => gpu.dispose(),
  };
}

/**
 * Where `model`'s VSR runs: the CPU when asked (`cpu`), else the engine's plan (measured per
 * adapter). The plan is keyed by the manifest's sha256 of the step file, so a run the plan sends to
 * the CPU never opens the WebGPU session — nor brings WebGPU up, where the engine left it down.
 */
export async function vsrSide(model: string, cpu = false, onLoad?: LoadProgress): Promise<Side> {
  if (cpu || !(await webgpuPossible())) return 'wasm';
  const { step, byo } = await describeVsr(model);
  // A user's model WebGPU could not load when it was added runs on the CPU path.
  if (byo?.webgpuProblem) return 'wasm';
  const planner = getPlanner();
  if (!planner) return (await getBackend()).kind;
  const plan = await planner.plan({ stage: 'vsr', model, files: [step.sha256], probe: async () => vsrProbe(await webgpuDevice(), model, onLoad) });
  return plan.side;
}

function isCancelled(jobId: number | undefined, token?: CancelToken): boolean {
  if (jobId !== undefined && cancelled.has(jobId)) return true;
  if (!token) return false;
  return token instanceof Int32Array ? Atomics.load(token, 0) !== 0 : token.cancelled;
}

function checkRequest(r: VsrRunRequest): void {
  const ints = [r.width, r.height, r.from, r.to, r.length];
  if (!ints.every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError('VSR run: sizes and frame indices must be non-negative integers');
  if (r.width < 1 || r.height < 1) throw new RangeError(`VSR run: empty frame ${r.width}×${r.height}`);
  if (!(r.from < r.to && r.to <= r.length)) throw new RangeError(`VSR run: frames [${r.from}, ${r.to}) are not inside a clip of ${r.length}`);
  if (r.emitFrom !== undefined && !(r.emitFrom >= r.from && r.emitFrom < r.to)) throw new RangeError('VSR run: emitFrom outside [from, to)');
  if (r.ensemble !== undefined && !isEnsembleSize(r.ensemble)) throw new RangeError(`VSR run: self-ensemble of ${String(r.ensemble)} passes (1, 2, 4 or 8)`);
}

/** One step's frames on whichever side runs the net: an LR frame made ready for it (converted or uploaded). */
interface Window<F> {
  prepare(frame: RgbaFrame): F;
  release(f: F): void;
}

/**
 * The run loop shared by both backends: frame t gets (t−1, t, t+1), the clip's ends repeating
 * themselves; three frames resident, READ_AHEAD more being fetched, DELIVER_DEPTH made ones being
 * handed over; cancel checked between frames. A single-frame net (`single`) gets frame t alone
 * (its neighbours are never loaded) and skips the warm-up frames: it has no state to warm. The
 * steps run in the same order on the same frames as one at a time would: the same pixels.
 */
async function loop<F>(
  req: VsrRunRequest,
  single: boolean,
  fetch: (i: number) => Promise<RgbaFrame>,
  win: Window<F>,
  step: (prev: F, cur: F, next: F, last: boolean) => Promise<Uint8ClampedArray<ArrayBuffer>>,
  deliver: (i: number, out: Uint8ClampedArray<ArrayBuffer>, ms: number) => Promise<void>,
  token: CancelToken | undefined,
): Promise<{ done: number; cancelled: boolean; timing: VsrRunTiming }> {
  const emitFrom = req.emitFrom ?? req.from;
  const from = single ? emitFrom : req.from;
  const timing: VsrRunTiming = { frameWaitMs: 0, stepMs: 0, deliverWaitMs: 0 };
  const timed = async <T>(key: keyof VsrRunTiming, p: Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await p;
    } finally {
      timing[key] += performance.now() - t;
    }
  };
  // Every frame the run reads, in order: the first step's prev … the last step's next.
  const first = from > 0 && !single ? from - 1 : from;
  const lastRead = single ? req.to - 1 : Math.min(req.length - 1, req.to);
  const ahead = new ReadAhead(fetch, first, lastRead, READ_AHEAD);
  const sink = new OrderedSink<{ i: number; rgba: Uint8ClampedArray<ArrayBuffer>; ms: number }>((d) => deliver(d.i, d.rgba, d.ms), DELIVER_DEPTH);
  const held = new Set<F>();
  const load = async (i: number): Promise<F> => {
    const f = win.prepare(await timed('frameWaitMs', ahead.take(i)));
    held.add(f);
    return f;
  };
  let cancelled = false;
  try {
    let prev: F | null = first < from ? await load(first) : null;
    let cur: F = await load(from);
    for (let i = from; i < req.to; i++) {
      if (isCancelled(req.jobId, token)) {
        cancelled = true;
        break;
      }
      // A failed hand-over (the export gone, the page's error) ends the run with its error.
      if (sink.failed) break;
      const t0 = performance.now();
      const next = i + 1 < req.length && !(single && i + 1 >= req.to) ? await load(i + 1) : cur;
      const rgba = await timed('stepMs', step(prev ?? cur, cur, next, i + 1 >= req.to));
      if (i >= emitFrom) await timed('deliverWaitMs', sink.push({ i, rgba, ms: performance.now() - t0 }));
      if (prev && prev !== cur) {
        win.release(prev);
        held.delete(prev);
      }
      prev = cur;
      cur = next;
    }
    await timed('deliverWaitMs', sink.drain());
    return { done: sink.delivered, cancelled, timing };
  } catch (e) {
    // Frames already made still reach the page before the error does: a resumed run starts after
    // the last frame the page has, and no late frame may arrive after that.
    await sink.drain().catch(() => undefined);
    throw sink.failed ? sink.error : e;
  } finally {
    ahead.close();
    for (const f of held) win.release(f);
  }
}

/**
 * Upscale frames [from, to) ×4. Exported for the GPU tests, which call it in their worker the way
 * the engine does.
 */
export async function runVsrJob(
  req: VsrRunRequest,
  getFrame: (i: number) => Promise<RgbaFrame> | RgbaFrame,
  onFrame: (i: number, out: RgbaFrame, info: VsrFrameInfo) => Promise<void> | void,
  cancel?: CancelToken,
  onLoad?: LoadProgress,
): Promise<VsrRunResult> {
  checkRequest(req);
  const t0 = performance.now();
  const model = req.model ?? 'vsr';
  const ensemble = req.ensemble ?? 1;
  const side = await vsrSide(model, req.cpu, onLoad);
  const { width: w, height: h } = req;
  const { scale: s, frames } = await describeVsr(model);
  // An output size plans resamples around the net; without one the net's own output is delivered.
  const plan = req.size ? planOutputSize(w, h, req.size, { even: req.even, netScale: s }) : null;
  const net = plan?.net ?? { width: w, height: h };
  const { width: W, height: H } = plan?.output ?? { width: s * w, height: s * h };
  const fetchChecked = async (i: number): Promise<RgbaFrame> => {
    const f = await getFrame(i);
    if (f.width !== w || f.height !== h) throw new RangeError(`frame ${i} is ${f.width}×${f.height}, the run ${w}×${h}`);
    return f;
  };
  // Set once the side's sequence is open: every frame says where it was made.
  let where: Omit<VsrFrameInfo, 'ms'> = { backend: 'wasm', tiles: 0, trained: true };
  const deliver = async (i: number, data: Uint8ClampedArray<ArrayBuffer>, ms: number) => {
    await onFrame(i, { width: W, height: H, data }, { ms, ...where });
  };
  try {
    if (side === 'webgpu') {
      const device = await webgpuDevice();
      const vsr = await gpuRunner(device, model, onLoad);
      const seq: VsrGpuSequence = ensembleSequenceGpu(device, (sw, sh) => vsr.sequence(sw, sh, { maxTile: req.maxTile, overlap: req.overlap }), net.width, net.height, ensemble);
      where = { backend: 'webgpu', tiles: seq.plan.tiles.length, trained: vsr.model.trained };
      let rs: PlanResamplerGpu | null = null;
      try {
        // Inside the try: its module loads on first use, and a failed load still disposes the sequence.
        rs = plan && (await createPlanResamplerGpu(device, plan));
        const win: Window<GPUBuffer> = {
          prepare: (f) => {
            const b = uploadRgba(device, f.data, w, h);
            const small = rs?.pre(b);
            if (!small) return b;
            b.destroy();
            return small;
          },
          release: (b) => b.destroy(),
        };
        const r = await loop(req, frames === 'single', fetchChecked, win, async (p, c, n) => {
          const out = await seq.step(p, c, n);
          const resized = rs?.post(out);
          try {
            return await readRgba(device, resized ?? out, W, H);
          } finally {
            out.destroy();
            resized?.destroy();
          }
        }, deliver, cancel);
        return { ...r, ms: performance.now() - t0, backend: 'webgpu', tiles: seq.plan.tiles.length, modelId: model, trained: vsr.model.trained };
      } finally {
        seq.dispose();
        rs?.destroy();
      }
    }
    const vsr = await cpuRunner(model, onLoad, { ahead: true });
    // A warm-up step of vsrPrepare still in flight ends before this run's steps use the session.
    await warmUps.get(vsr)?.catch(() => undefined);
    const seq: VsrCpuSequence = ensembleSequence((sw, sh) => vsr.sequence(sw, sh, { maxTile: req.maxTile ?? VSR_DEFAULT_TILE, overlap: req.overlap }), net.width, net.height, ensemble);
    const rs = plan && createPlanResamplerCpu(plan);
    where = { backend: 'wasm', tiles: seq.plan.tiles.length, trained: vsr.model.trained };
    const win: Window<ImageF32> = {
      prepare: (f) => {
        const img = fromRgba8(f.data, w, h);
        return rs ? rs.pre(img) : img;
      },
      release: () => undefined,
    };
    const r = await loop(req, frames === 'single', fetchChecked, win, async (p, c, n, last) => {
      // The last step tells the run-ahead sessions that no base is wanted for a step after it.
      const raw = await seq.step(p, c, n, { last });
      const out = rs ? rs.post(raw) : raw;
      const words = packRgba8(out.data, out.width * out.height);
      return new Uint8ClampedArray(words.buffer as ArrayBuffer);
    }, deliver, cancel);
    return { ...r, ms: performance.now() - t0, backend: 'wasm', tiles: seq.plan.tiles.length, modelId: model, trained: vsr.model.trained, kernels: cpuKernels(vsr) };
  } finally {
    if (req.jobId !== undefined) cancelled.delete(req.jobId);
  }
}

export const vsrApi = {
  /**
   * Upscale frames [from, to) of a clip ×4 (see VsrRunRequest). `getFrame(i)` returns LR frame i;
   * `onFrame` gets each output frame (its buffer transferred) and is awaited. Resolves with what
   * was done when the run ends or is cancelled.
   */
  async vsrRun(
    req: VsrRunRequest,
    getFrame: (i: number) => Promise<RgbaFrame>,
    onFrame: (i: number, out: RgbaFrame, info: VsrFrameInfo) => Promise<void> | void,
    cancel?: Int32Array,
    onLoad?: LoadProgress,
  ): Promise<VsrRunResult> {
    return runVsrJob(req, getFrame, (i, out, info) => onFrame(i, Comlink.transfer(out, [out.data.buffer as ArrayBuffer]), info), cancel, onLoad);
  },

  /** Stop run `jobId` after its current frame (for pages without SharedArrayBuffer). */
  async vsrCancel(jobId: number): Promise<void> {
    cancelled.add(jobId);
  },

  /** One still image ×4, or at the output size `size` (its own neighbours, zero state). */
  async vsrImage(frame: RgbaFrame, opts: { model?: string; maxTile?: number; overlap?: number; cpu?: boolean; size?: OutputSizeId; ensemble?: EnsembleSize } = {}, onLoad?: LoadProgress): Promise<RgbaFrame> {
    let result: RgbaFrame | null = null;
    await runVsrJob({ ...opts, width: frame.width, height: frame.height, from: 0, to: 1, length: 1 }, () => frame, (_i, out) => void (result = out), undefined, onLoad);
    const out = result as RgbaFrame | null;
    if (!out) throw new Error('the VSR step produced no frame');
    return Comlink.transfer(out, [out.data.buffer as ArrayBuffer]);
  },

  /**
   * Gets `model` ready where a run of it will go, before the user starts one (the Upscale tab calls
   * this when it shows a clip): plans its side — on the first use per adapter that is the probe of
   * both sides, seconds on a software GPU — and loads that side's runner (model file, session; on
   * the CPU also one small step, which sets up ORT's kernels and buffers). The same promises a run
   * awaits (once per model and side), so a run started meanwhile waits for this work instead of
   * doing it again, and preparing twice costs nothing.
   */
  async vsrPrepare(model = 'vsr', cpu = false, onLoad?: LoadProgress): Promise<{ side: Side; ms: number }> {
    const t0 = performance.now();
    const side = await vsrSide(model, cpu, onLoad);
    if (side === 'webgpu') {
      // The session only: a step on a software adapter (forced there) takes seconds, and a real GPU compiles its shaders on the first run anyway.
      await gpuRunner(await webgpuDevice(), model, onLoad);
    } else {
      await warmCpu(model, onLoad);
    }
    return { side, ms: performance.now() - t0 };
  },

  /** Default LR tile for this device and model on the side it runs (what runs without a tile setting). */
  async vsrDefaultTile(model = 'vsr'): Promise<number> {
    if ((await vsrSide(model)) === 'wasm') return VSR_DEFAULT_TILE;
    return (await gpuRunner(await webgpuDevice(), model)).defaultTile;
  },
};
