/**
 * Blur timings, GPU (shaders/blur.wgsl) vs the CPU reference, at 1920×1080 for a full
 * 21×21 kernel (441 taps: any σ ≥ 0.5) and σ 0.2 (5×5 non-zero support), with the variant
 * createBlur picks for this adapter ('auto'); plus both GPU variants ('tiled' workgroup-memory
 * staging, 'direct' global reads) at 480×270 so their ratio is on record for this adapter.
 * GPU time = record + submit → queue.onSubmittedWorkDone() with the input already on the
 * GPU (as mid-pipeline), after a first dispatch on a 16×16 image that builds the pipeline
 * (reported as firstDispatchMs). Median of RUNS after WARMUP, or one timed call when the
 * series would exceed BUDGET_MS. The frame is synthetic: the work does not depend on content.
 */
import type { ImageF32 } from '../../core/image';
import { round2, syntheticFrame, timeBudgeted } from '../../gpu/bench-util';
import { uploadBuffer } from '../../gpu/webgpu';
import type { GpuTestContext } from '../../gpu/gputest';
import { blurCpu } from './blur-cpu';
import { createBlur, type BlurVariant } from './blur-gpu';
import { blurKernel, kernelSupport } from './kernel';
import type { BlurParams } from './options';

const WARMUP = 1;
const RUNS = 5;
const CPU_RUNS = 3;
const BUDGET_MS = 20_000;
const timeIt = (fn: () => Promise<void> | void, warmup: number, runs: number) => timeBudgeted(fn, warmup, runs, BUDGET_MS);

async function gpuTime(device: GPUDevice, img: ImageF32, kernel: Float32Array, variant: BlurVariant): Promise<Record<string, unknown>> {
  const { width: W, height: H } = img;
  const blur = createBlur(device, variant);
  const input = uploadBuffer(device, img.data);
  const tiny = uploadBuffer(device, new Float32Array(16 * 16 * 3));
  try {
    const c0 = performance.now();
    blur.run(tiny, 16, 16, kernel).destroy();
    await device.queue.onSubmittedWorkDone();
    const firstDispatchMs = round2(performance.now() - c0);
    const gpu = await timeIt(
      async () => {
        const out = blur.run(input, W, H, kernel);
        await device.queue.onSubmittedWorkDone();
        out.destroy();
      },
      WARMUP,
      RUNS,
    );
    return { variant: blur.variant, firstDispatchMs, gpuRuns: gpu.runs, gpuMs: round2(gpu.ms) };
  } finally {
    input.destroy();
    tiny.destroy();
  }
}

async function cpuVsGpu(ctx: GpuTestContext, p: BlurParams, W: number, H: number): Promise<Record<string, unknown>> {
  const img = syntheticFrame(W, H);
  const kernel = blurKernel(p);
  const support = kernelSupport(kernel);
  const cpu = await timeIt(() => void blurCpu(img, kernel), 0, CPU_RUNS);
  const result: Record<string, unknown> = { size: `${W}×${H}`, taps: `${2 * support + 1}×${2 * support + 1}`, cpuRuns: cpu.runs, cpuMs: round2(cpu.ms) };
  const device = ctx.device as GPUDevice | undefined;
  if (!device) return { ...result, gpu: 'no WebGPU device' };
  const g = await gpuTime(device, img, kernel, 'auto');
  return { ...result, ...g, cpuOverGpu: round2(cpu.ms / (g.gpuMs as number)) };
}

async function variants(ctx: GpuTestContext, p: BlurParams, W: number, H: number): Promise<Record<string, unknown>> {
  const device = ctx.device as GPUDevice | undefined;
  if (!device) return { gpu: 'no WebGPU device' };
  const img = syntheticFrame(W, H);
  const kernel = blurKernel(p);
  const tiled = await gpuTime(device, img, kernel, 'tiled');
  const direct = await gpuTime(device, img, kernel, 'direct');
  return { size: `${W}×${H}`, tiled, direct, tiledOverDirect: round2((tiled.gpuMs as number) / (direct.gpuMs as number)) };
}

const ISO2: BlurParams = { kind: 'iso', sigmaX: 2, sigmaY: 2, theta: 0, beta: 1, size: 21 };
const ISO02: BlurParams = { kind: 'iso', sigmaX: 0.2, sigmaY: 0.2, theta: 0, beta: 1, size: 21 };

export const benches: { name: string; run(ctx: GpuTestContext): Promise<Record<string, unknown>> }[] = [
  { name: 'blur iso σ 2 (21×21) 1920×1080, CPU vs GPU', run: (ctx) => cpuVsGpu(ctx, ISO2, 1920, 1080) },
  { name: 'blur iso σ 0.2 (5×5 support) 1920×1080, CPU vs GPU', run: (ctx) => cpuVsGpu(ctx, ISO02, 1920, 1080) },
  { name: 'blur iso σ 2 (21×21) 480×270, GPU tiled vs direct', run: (ctx) => variants(ctx, ISO2, 480, 270) },
];
