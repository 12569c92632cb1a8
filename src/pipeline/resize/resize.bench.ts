/**
 * Resize timings, GPU vs CPU reference, for the Down stage's real case: a
 * 1920×1080 frame shrunk ×1/4 to 480×270, every method. Median of RUNS after
 * WARMUP. GPU time = record + submit → queue.onSubmittedWorkDone() with the input
 * already on the GPU (as it is mid-pipeline); gpuReadbackMs adds copying the
 * 480×270 result back to the CPU. The frame is a deterministic synthetic
 * pattern: the work does not depend on content.
 */
import { round2, syntheticFrame, timeBudgeted } from '../../gpu/bench-util';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import type { GpuTestContext } from '../../gpu/gputest';
import type { ResizeMethod, ResizeOptions } from './options';
import { resizeCpu } from './resize-cpu';
import { createResizer } from './resize-gpu';
import { axisTaps } from './taps';

const W = 1920;
const H = 1080;
const FACTOR = 4;
const WARMUP = 2;
const RUNS = 7;

// Resizes are fast everywhere: always the full series (no time budget).
const timeIt = async (fn: () => Promise<void> | void): Promise<number> => (await timeBudgeted(fn, WARMUP, RUNS, Infinity)).ms;

async function bench(ctx: GpuTestContext, method: ResizeMethod, opts: ResizeOptions): Promise<Record<string, unknown>> {
  const img = syntheticFrame(W, H);
  const outW = W / FACTOR;
  const outH = H / FACTOR;
  const cpuMs = await timeIt(() => void resizeCpu(img, outW, outH, method, opts));
  const result: Record<string, unknown> = {
    size: `${W}×${H} → ${outW}×${outH}`,
    taps: `${axisTaps(W, outW, method, opts).taps}×${axisTaps(H, outH, method, opts).taps}`,
    runs: RUNS,
    cpuMs: round2(cpuMs),
  };
  const device = ctx.device as GPUDevice | undefined;
  if (!device) return { ...result, gpu: 'no WebGPU device' };

  const resizer = createResizer(device);
  const input = uploadBuffer(device, img.data);
  try {
    const gpuMs = await timeIt(async () => {
      const out = resizer.resize(input, W, H, outW, outH, method, undefined, opts);
      await device.queue.onSubmittedWorkDone();
      resizer.release(out);
    });
    const gpuReadbackMs = await timeIt(async () => {
      const out = resizer.resize(input, W, H, outW, outH, method, undefined, opts);
      await readF32(device, out, 3 * outW * outH);
      resizer.release(out);
    });
    return { ...result, gpuMs: round2(gpuMs), gpuReadbackMs: round2(gpuReadbackMs), cpuOverGpu: round2(cpuMs / gpuMs) };
  } finally {
    input.destroy();
    resizer.destroy();
  }
}

const CASES: [string, ResizeMethod, ResizeOptions][] = [
  ['area', 'area', {}],
  ['bilinear', 'bilinear', {}],
  ['bicubic', 'bicubic', {}],
  ['bilinear antialias', 'bilinear', { antialias: true }],
  ['bicubic antialias', 'bicubic', { antialias: true }],
];

export const benches: { name: string; run(ctx: GpuTestContext): Promise<Record<string, unknown>> }[] = CASES.map(([label, method, opts]) => ({
  name: `resize ${label} 1920×1080 ÷4`,
  run: (ctx) => bench(ctx, method, opts),
}));
