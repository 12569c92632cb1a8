/**
 * What a stage of the degradation pipeline is. Each stage folder (blur/, noise/, resize/ for
 * Down, vqd/, compress/) exports one `Stage` from its stage.ts, and stages.ts lists them in the
 * paper's order; that one list is
 *   - the params schema: params.ts reads, defaults and validates each stage's section in list order;
 *   - the CPU path (run-cpu.ts: CLI, training data factory, the browser's wasm fallback);
 *   - the GPU path (run-gpu.ts: the engine's degrader, each stage's output cached on the GPU under
 *     the key of its input plus `key(p)`);
 *   - the timings (StageTimes, by stage name).
 * Both paths skip a stage where `skip(p)` says it leaves the frame as it is, and both end with the
 * one rounding rule to 8 bits (core/pixels.ts: quantizeImage on the CPU, pack_rgba8 on the GPU).
 * Per-frame stages run on every frame; the clip stage (the FFmpeg round trip) runs over the clip
 * after the per-frame stages and the quantisation, in ffmpeg (media/).
 *
 * Node-safe: the GPU runner of a stage is loaded on demand (`gpu()`, a dynamic import), so the CLI
 * never evaluates WebGPU code or WGSL imports.
 */
import type { ImageF32 } from '../core/image';
import type { Ort } from '../gpu/ort';
import type { LoadProgress } from '../models/manifest';
import type { ModelRegistry } from '../models/registry';
import type { PipelineParams } from './params';
import type { Ctx } from './schema';
import type { VqdPartTimes, VqdRunner } from './vqd/options';

/** A stage's section of PipelineParams: its defaults (whose keys are the section's fields), reader and cross-field checks. */
export interface ParamsSection<T> {
  defaults(): T;
  /** Read `o` (already an object) field by field, in the defaults' key order, with `d` for missing fields. */
  read(o: Record<string, unknown>, d: T, ctx: Ctx): T;
  /** Problems no single field shows (checked after the whole params are read). */
  errors?(this: void, p: T): string[];
}

/** What the CPU functions of the stages may need besides the frame. */
export interface CpuDeps {
  /** The VQ degrader (required when params.vqd.enabled). */
  vqd?: VqdRunner;
  /** Where the caller keeps results between runs (the Degrade tab; absent in the CLI). */
  memo?: CpuMemo;
  /** Filled with the VQD stage's parts (encoder, k-NN, decoder) when given. */
  vqdTimes?: VqdPartTimes;
}

/**
 * A cache a stage may keep its own intermediate results in between runs (cpu-degrader.ts): the
 * noise values of a frame, the VQGAN encoder's latents of an image. What a value depends on must
 * be in its key; `inputKey` identifies the stage's input image (its chain key, stage-keys.ts).
 */
export interface CpuMemo {
  readonly inputKey: string;
  get<T>(key: string, make: () => T | Promise<T>, bytes: (v: T) => number): Promise<T>;
}

/** A planar [3,h,w] f32 frame on the GPU, owned by whoever holds it (release frees it). */
export interface GpuFrame {
  buf: GPUBuffer;
  w: number;
  h: number;
  release(): void;
}

/** A buffer the holder destroys when done. */
export function ownedFrame(buf: GPUBuffer, w: number, h: number): GpuFrame {
  return { buf, w, h, release: () => buf.destroy() };
}

/** What the GPU runners are built on: the engine's one device, ORT, the model set. */
export interface GpuEnv {
  device: GPUDevice;
  ort: Ort;
  models: ModelRegistry;
}

/** A stage's GPU runner, made once per device; `run` returns a new frame the caller owns. */
export interface GpuStage {
  run(input: GpuFrame, p: PipelineParams, frameIndex: number, onProgress?: LoadProgress): Promise<GpuFrame> | GpuFrame;
}

interface StageBase<N extends string, T> {
  name: N;
  /** Shown with its time in the Degrade tab. */
  label: string;
  params: ParamsSection<T>;
  /** True when the stage leaves the frame as it is for these params (both paths pass it through). */
  skip(p: PipelineParams): boolean;
}

/** A stage run on each frame, on the CPU and on the GPU. */
export interface FrameStage<N extends string = string, T = unknown> extends StageBase<N, T> {
  kind: 'frame';
  /** What the output depends on besides the input frame (the GPU stage cache's key part). */
  key(p: PipelineParams, frameIndex: number): string;
  cpu(img: ImageF32, p: PipelineParams, frameIndex: number, deps: CpuDeps): ImageF32 | Promise<ImageF32>;
  /** Loads the GPU runner (browser only). */
  gpu(env: GpuEnv): Promise<GpuStage>;
}

/** A stage run over the whole clip after the per-frame stages (the FFmpeg round trip). */
export interface ClipStage<N extends string = string, T = unknown> extends StageBase<N, T> {
  kind: 'clip';
}

export type Stage<N extends string = string, T = unknown> = FrameStage<N, T> | ClipStage<N, T>;

/** A per-frame stage from its name, label, params section and functions. */
export function frameStage<N extends string, T>(name: N, label: string, params: ParamsSection<T>, fns: Pick<FrameStage<N, T>, 'skip' | 'key' | 'cpu' | 'gpu'>): FrameStage<N, T> {
  return { kind: 'frame', name, label, params, ...fns };
}

/** Milliseconds per stage (summed over frames), plus the upload and the 8-bit quantisation (+ readback on the GPU). */
export type StageTimes<N extends string = string> = Partial<Record<N | 'upload' | 'quantize', number>>;

/** A run was set up without what its params need (a VQD runner, an FFmpeg round trip). */
export class DegradeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DegradeSetupError';
  }
}
