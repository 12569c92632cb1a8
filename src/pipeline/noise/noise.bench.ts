/**
 * Noise timings at 1920×1080, GPU (shaders/noise.wgsl) vs the CPU reference: Gaussian
 * colour (3 normals per pixel), Gaussian gray (1), Poisson colour (λ = 256·v: mostly the
 * normal-approximation branch, the exact branch for dark pixels). GPU time = record +
 * submit → queue.onSubmittedWorkDone() with the input already on the GPU. Median of RUNS
 * (one timed call when the series would exceed BUDGET_MS).
 */
import { round2, syntheticFrame, timeBudgeted } from '../../gpu/bench-util';
import { uploadBuffer } from '../../gpu/webgpu';
import type { GpuTestContext } from '../../gpu/gputest';
import { noiseCpu } from './noise-cpu';
import { createNoise } from './noise-gpu';
import type { NoiseParams } from './options';

const W = 1920;
const H = 1080;
const WARMUP = 1;
const RUNS = 5;
const CPU_RUNS = 3;
const BUDGET_MS = 20_000;
const timeIt = (fn: () => Promise<void> | void, warmup: number, runs: number) => timeBudgeted(fn, warmup, runs, BUDGET_MS);

async function bench(ctx: GpuTestContext, p: NoiseParams): Promise<Record<string, unknown>> {
  const img = syntheticFrame(W, H);
  const cpu = await timeIt(() => void noiseCpu(img, p, 1, 0), 0, CPU_RUNS);
  const result: Record<string, unknown> = { size: `${W}×${H}`, cpuRuns: cpu.runs, cpuMs: round2(cpu.ms) };
  const device = ctx.device as GPUDevice | undefined;
  if (!device) return { ...result, gpu: 'no WebGPU device' };
  const noise = createNoise(device);
  const input = uploadBuffer(device, img.data);
  try {
    let frameNo = 0;
    const gpu = await timeIt(
      async () => {
        const out = noise.run(input, W, H, p, 1, frameNo++);
        await device.queue.onSubmittedWorkDone();
        out.destroy();
      },
      WARMUP,
      RUNS,
    );
    return { ...result, gpuRuns: gpu.runs, gpuMs: round2(gpu.ms), cpuOverGpu: round2(cpu.ms / gpu.ms) };
  } finally {
    input.destroy();
  }
}

const CASES: [string, NoiseParams][] = [
  ['gaussian colour σ 10', { kind: 'gaussian', sigma: 10, gray: false, scale: 1 }],
  ['gaussian gray σ 10', { kind: 'gaussian', sigma: 10, gray: true, scale: 1 }],
  ['poisson colour scale 1', { kind: 'poisson', sigma: 0, gray: false, scale: 1 }],
];

export const benches: { name: string; run(ctx: GpuTestContext): Promise<Record<string, unknown>> }[] = CASES.map(([label, p]) => ({
  name: `noise ${label} 1920×1080`,
  run: (ctx) => bench(ctx, p),
}));
