/**
 * One VSR step at the bundled sample's size (480×272 LR → 1920×1088), shipped models, in Chromium:
 * onnxruntime-web's wasm EP as the app runs it today (the plain wasm build, every core as a thread,
 * cubic base as a convolution: engine/vsr-api.ts cpuRunner) against the lite net on this project's
 * kernels (lite-net.ts; one thread, and two where the page is cross-origin isolated; relaxed SIMD
 * where the browser has it; its 3×3 stride-1 convolutions direct and by Winograd, the default:
 * winograd-kernel.ts). Median of up to 5 steps
 * after a warm-up step; the lite net's split of its time (convolutions vs the plain loops) beside it.
 * Frames are synthetic: the work does not depend on content.
 */
import type { GpuTestContext } from '../gpu/gputest';
import { setModelsBase, webModels } from '../models/source-web';
import { timeBudgeted } from '../gpu/bench-util';
import { relaxedSimd } from '../core/wasm-asm';
import { ortWasm } from './ort-wasm';
import { withConvBase } from '../pipeline/vsr/cubic-base-conv';
import { readLiteGraph } from '../pipeline/vsr/wasm-net/lite-graph';
import { LiteNet } from '../pipeline/vsr/wasm-net/lite-net';
import { webLiteHelper } from '../pipeline/vsr/wasm-net/lite-helper-web';

const W = 480;
const H = 272;
const RUNS = 5;
const BUDGET_MS = 60_000;

const frame = (n: number, seed: number) => new Float32Array(n).map((_, i) => (((i + seed) * 2654435761) % 1000) / 1000);

/** Median ms of RUNS steps after one warm-up step (bench-util's budgeted loop: one step alone if RUNS would pass BUDGET_MS). */
async function series(step: () => Promise<void> | void): Promise<{ msPerStep: number; runs: number }> {
  const { ms, runs } = await timeBudgeted(step, 1, RUNS, BUDGET_MS);
  return { msPerStep: Math.round(ms), runs };
}

export const benches = [
  {
    name: 'lite net: one VSR step 480×272 → ×4, onnxruntime-web wasm EP (app today) vs this project\'s wasm kernels',
    async run(ctx: GpuTestContext): Promise<Record<string, unknown>> {
      setModelsBase('/models/');
      const out: Record<string, unknown> = { lr: `${W}x${H}`, relaxedSimd: relaxedSimd(), cores: navigator.hardwareConcurrency };
      const ort = await ortWasm();
      const n = W * H;
      for (const model of ['vsr', 'vsr-restore', 'vsr-fast']) {
        const files = await webModels().vsr(model);
        const C = files.model.stateChannels;
        const [prev, cur, next] = [1, 2, 3].map((s) => frame(3 * n, s));
        const state = frame(C * n, 4);
        const session = await ort.InferenceSession.create(withConvBase(files).step, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
        const T = (d: Float32Array, c: number) => new ort.Tensor('float32', d, [1, c, H, W]);
        const feeds = { prev: T(prev, 3), cur: T(cur, 3), next: T(next, 3), state: T(state, C) };
        const ortS = await series(async () => void (await session.run(feeds)));
        await session.release();
        ctx.log(`bench lite ${model} ORT wasm EP (${ort.env.wasm.numThreads} threads): ${ortS.msPerStep} ms/step`);
        const graph = readLiteGraph(files.step);
        if (!graph) {
          out[model] = { ortWasm: { threads: ort.env.wasm.numThreads, ...ortS }, liteNet: 'graph not recognised' };
          continue;
        }
        const rows: Record<string, unknown>[] = [];
        for (const [threads, winograd] of (crossOriginIsolated ? [1, 2] : [1]).flatMap((t) => [[t, false], [t, true]] as const)) {
          const net = await LiteNet.create(graph, threads === 2 ? { helper: webLiteHelper, winograd } : { winograd });
          const liteS = await series(() => void net.step(prev, cur, next, state, W, H));
          net.release();
          const split = Object.fromEntries(Object.entries(net.lastTimings).map(([k, v]) => [k, Math.round(v)]));
          ctx.log(`bench lite ${model} lite net (${net.threads} thread(s), ${net.fused ? 'fused' : 'mul+add'}, ${winograd ? 'Winograd' : 'direct'} 3×3): ${liteS.msPerStep} ms/step ${JSON.stringify(split)}`);
          rows.push({ threads: net.threads, fused: net.fused, winograd, ...liteS, lastStepMs: split, speedup: Math.round((ortS.msPerStep / liteS.msPerStep) * 100) / 100 });
        }
        out[model] = { ortWasm: { threads: ort.env.wasm.numThreads, ...ortS }, liteNet: rows };
      }
      return out;
    },
  },
];
