/**
 * The two resample steps of an output-size plan (output-size.ts) on the CPU: the input to the
 * net's input size before the net, the net's ×4 to the output size after it, both Lanczos-3
 * (src/pipeline/resize, the CPU reference of shaders/resize.wgsl). The weight tables are built
 * once per plan, not per frame. Used by the CLI and the engine's CPU path; the engine's WebGPU
 * path runs the same tables through resize-gpu.ts (output-resample-gpu.ts).
 */
import type { ImageF32 } from '../../core/image';
import { resizeWithTaps } from '../resize/resize-cpu';
import { axisTaps, type AxisTaps } from '../resize/taps';
import { OUTPUT_FILTER, type OutputPlan, type Size } from './output-size';

export interface PlanResamplerCpu {
  readonly plan: OutputPlan;
  /** The input frame at the net's input size (the same image when the plan has no pre step). */
  pre(img: ImageF32): ImageF32;
  /** The net's output at the output size (the same image when the plan has no post step). */
  post(img: ImageF32): ImageF32;
}

function step(from: Size, to: Size): ((img: ImageF32) => ImageF32) | null {
  if (from.width === to.width && from.height === to.height) return null;
  let tables: [AxisTaps, AxisTaps] | null = null; // built on the first frame
  return (img) => {
    if (img.width !== from.width || img.height !== from.height) throw new RangeError(`resample: frame is ${img.width}×${img.height}, the plan expects ${from.width}×${from.height}`);
    tables ??= [axisTaps(from.width, to.width, OUTPUT_FILTER), axisTaps(from.height, to.height, OUTPUT_FILTER)];
    return resizeWithTaps(img, tables[0], tables[1]);
  };
}

export function createPlanResamplerCpu(plan: OutputPlan): PlanResamplerCpu {
  const pre = step(plan.input, plan.net);
  const post = step(plan.netOut, plan.output);
  return {
    plan,
    pre: (img) => (pre ? pre(img) : img),
    post: (img) => (post ? post(img) : img),
  };
}
