/**
 * The two resample steps of an output-size plan (output-size.ts) on WebGPU: shaders/resize.wgsl
 * with the Lanczos-3 tables of the CPU reference (output-resample.ts), on planar [3,h,w] f32
 * buffers — the VSR runner's own frame format, so nothing crosses to the CPU. Each step returns a
 * new buffer the caller destroys (as it destroys every frame buffer of the run); the resizer keeps
 * the tables of the plan's two sizes.
 *
 * resize-gpu.ts (with its WGSL) is imported on first use, as the Down stage imports it
 * (resize/stage.ts): one static import of it anywhere in the engine worker would put it into the
 * worker's own chunk, loaded before any run (most runs on the CPU path never resize on the GPU),
 * and make the stage's lazy import a no-op.
 */
import { OUTPUT_FILTER, type OutputPlan, type Size } from './output-size';

export interface PlanResamplerGpu {
  readonly plan: OutputPlan;
  /** `frame` (input size) resampled to the net's input size, or null when the plan has no pre step. */
  pre(frame: GPUBuffer): GPUBuffer | null;
  /** The net's output resampled to the output size, or null when the plan has no post step. */
  post(netOut: GPUBuffer): GPUBuffer | null;
  destroy(): void;
}

export async function createPlanResamplerGpu(device: GPUDevice, plan: OutputPlan): Promise<PlanResamplerGpu> {
  const { createResizer } = await import('../resize/resize-gpu');
  const resizer = createResizer(device);
  const run = (buf: GPUBuffer, from: Size, to: Size): GPUBuffer | null =>
    from.width === to.width && from.height === to.height ? null : resizer.resize(buf, from.width, from.height, to.width, to.height, OUTPUT_FILTER);
  return {
    plan,
    pre: (frame) => run(frame, plan.input, plan.net),
    post: (netOut) => run(netOut, plan.netOut, plan.output),
    destroy: () => resizer.destroy(),
  };
}
