/**
 * k-th-nearest codebook search timings: shaders/knn.wgsl vs the CPU reference (knnCpu, in this same
 * worker) vs the same search as an ONNX graph (MatMul + TopK, knn-onnx.ts) on onnxruntime-web's
 * webgpu EP — for 32×32, 64×64 and 128×128 latents × 1024 entries × nz 256 (VQD-SR's sizes), k 50.
 *
 * GPU times: z already on the GPU (as it comes out of the encoder), record + submit →
 * queue.onSubmittedWorkDone(), outputs left on the GPU. For ORT that is session.run with a
 * Tensor.fromGpuBuffer input and gpu-buffer outputs, then flushOrt() (ORT batches its submits; a
 * one-node run makes it submit) and onSubmittedWorkDone(). Median of the runs after one warm-up;
 * slow configurations stop repeating early (see timeIt) and say how many runs they had.
 * Agreement: indices of one run of each GPU path against the CPU reference (the WGSL kernel must
 * match exactly; the ONNX graph sums in MatMul's order and TopK breaks ties its own way).
 */
import { readU32, uploadBuffer } from '../../gpu/webgpu';
import type { GpuTestContext } from '../../gpu/gputest';
import { flushOrt } from '../../gpu/device';
import { knnCpu } from './knn-cpu';
import { createKnn } from './knn-gpu';
import { createKnnOnnx } from './knn-onnx';
import { randomCodebook, randomValues } from './knn-testdata';
import { median, round2 } from '../../gpu/bench-util';

const N = 1024;
const NZ = 256;
const K = 50;
const SIDES = [32, 64, 128];
const MAX_RUNS = 5;
const SLOW_MS = 4000;


/**
 * Warm-up, then up to MAX_RUNS timed runs; slow ones stop early: after 3 runs once they took
 * 3·SLOW_MS in all, after 1 run if that run alone took over 2.5·SLOW_MS (the CPU reference at
 * 128×128 takes tens of seconds on a shared 2-core machine).
 */
async function timeIt(fn: () => Promise<void>, warmup = 1): Promise<{ ms: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  let spent = 0;
  while (ms.length < MAX_RUNS) {
    const t0 = performance.now();
    await fn();
    const t = performance.now() - t0;
    ms.push(t);
    spent += t;
    if (ms.length === 1 && t > 2.5 * SLOW_MS) break;
    if (ms.length >= 3 && spent > 3 * SLOW_MS) break;
  }
  return { ms: median(ms), runs: ms.length };
}

let cbCache: Float32Array | undefined;
const codebook = () => (cbCache ??= randomCodebook(N, NZ, 'float', 4242));

async function bench(ctx: GpuTestContext, side: number): Promise<Record<string, unknown>> {
  const P = side * side;
  const z = randomValues(NZ * P, 'float', 17 + side);
  const cb = codebook();
  const result: Record<string, unknown> = { latent: `${side}×${side}`, P, N, nz: NZ, k: K, flopsPerRun: 2 * P * N * NZ };

  // CPU reference: the biggest size takes tens of seconds per run, so no warm-up there (the JIT is
  // warm from the smaller sizes run before it in this worker).
  let cpuIndices: Uint32Array | undefined;
  const cpu = await timeIt(async () => {
    cpuIndices = knnCpu(z, NZ, P, cb, N, K).indices;
  }, side >= 128 ? 0 : 1);
  result.cpuMs = round2(cpu.ms);
  result.cpuRuns = cpu.runs;

  const device = ctx.device as GPUDevice | undefined;
  if (!device) return { ...result, gpu: 'no WebGPU device' };
  const zBuf = uploadBuffer(device, z);
  const knn = createKnn(device);
  try {
    knn.setCodebook(cb, N, NZ);
    let indices: GPUBuffer | undefined;
    const wgsl = await timeIt(async () => {
      indices = knn.run({ z: zBuf, P, k: K }).indices;
      await device.queue.onSubmittedWorkDone();
    });
    const got = await readU32(device, indices!, P);
    let wgslMismatch = 0;
    for (let p = 0; p < P; p++) if (got[p] !== cpuIndices![p]) wgslMismatch++;
    Object.assign(result, {
      wgslMs: round2(wgsl.ms),
      wgslRuns: wgsl.runs,
      wgslGflops: round2((2 * P * N * NZ) / (wgsl.ms * 1e6)),
      cpuOverWgsl: round2(cpu.ms / wgsl.ms),
      wgslIndexMismatchesVsCpu: wgslMismatch,
    });

    try {
      const onnx = await createKnnOnnx(ctx.ort, cb, N, NZ, { executionProviders: ['webgpu'], gpuOutputs: true });
      try {
        const zt = ctx.ort.Tensor.fromGpuBuffer(zBuf, { dataType: 'float32', dims: [NZ, P] });
        let last: Awaited<ReturnType<typeof onnx.run>> | undefined;
        const ort = await timeIt(async () => {
          last?.indices.dispose();
          last?.zq.dispose();
          last = await onnx.run(zt, K);
          await flushOrt();
          await device.queue.onSubmittedWorkDone();
        });
        const idx = (await last!.indices.getData()) as BigInt64Array;
        last!.indices.dispose();
        last!.zq.dispose();
        let onnxMismatch = 0;
        for (let p = 0; p < P; p++) if (Number(idx[p]) !== cpuIndices![p]) onnxMismatch++;
        Object.assign(result, {
          onnxMs: round2(ort.ms),
          onnxRuns: ort.runs,
          onnxOverWgsl: round2(ort.ms / wgsl.ms),
          onnxIndexMismatchesVsCpu: onnxMismatch,
        });
      } finally {
        await onnx.release();
      }
    } catch (e) {
      result.onnx = `failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    return result;
  } finally {
    zBuf.destroy();
    knn.destroy();
  }
}

export const benches: { name: string; run(ctx: GpuTestContext): Promise<Record<string, unknown>> }[] = SIDES.map((side) => ({
  name: `knn k-th nearest ${side}×${side} latent × ${N} entries × ${NZ}: WGSL vs CPU vs ONNX MatMul+TopK`,
  run: (ctx) => bench(ctx, side),
}));
