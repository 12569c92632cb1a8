/**
 * onnxruntime-web's two WebGPU EPs timed on the shipped VSR nets (issue 13.6), beside the wasm EP:
 * the native WebGPU EP the engine runs (`onnxruntime-web/webgpu`) and JSEP (the package's default
 * build), one recurrent step at 64×64 LR on CPU tensors (upload and read-back included, as the CPU
 * path would), interleaved round by round so a drifting load weighs on all alike. On a software
 * adapter (SwiftShader) this measures the rasteriser, not a GPU: the ratio between the two EPs there
 * says little about a real GPU's, where this bench is the one to run. Correctness of both EPs:
 * ort-eps.gputest.ts.
 */
import type { GpuTestContext } from '../gpu/gputest';
import { webModels } from '../models/source-web';
import { createVsrCpu, type VsrCpu } from '../pipeline/vsr/vsr-cpu';
import { epBuild } from './ort-eps.gputest';
import { resizeCpu } from '../pipeline/resize/resize-cpu';

const ROUNDS = 3;
const LR = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export const benches = [
  {
    name: 'ort EPs: native WebGPU EP vs JSEP vs wasm EP, one shipped VSR step at 64×64 LR',
    async run(ctx: GpuTestContext): Promise<Record<string, unknown>> {
      const frame = resizeCpu(await ctx.loadImage('/e2e/fixtures/frame-96x64.png'), LR, LR, 'bicubic');
      const out: Record<string, unknown> = { input: `frame-96x64.png bicubic to ${LR}×${LR}`, rounds: ROUNDS };
      for (const model of ['vsr', 'vsr-restore']) {
        const files = await webModels().vsr(model);
        const sides: { name: string; vsr: VsrCpu }[] = [
          { name: 'native-webgpu', vsr: await createVsrCpu(await epBuild(ctx, 'native'), files, { executionProviders: ['webgpu'] }) },
          { name: 'jsep-webgpu', vsr: await createVsrCpu(await epBuild(ctx, 'jsep'), files, { executionProviders: ['webgpu'] }) },
          { name: 'wasm', vsr: await createVsrCpu(ctx.ort, files, { executionProviders: ['wasm'] }) },
        ];
        const ms: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
        const seqs = sides.map((s) => ({ ...s, seq: s.vsr.sequence(LR, LR) }));
        for (const s of seqs) await s.seq.step(frame, frame, frame); // warm-up: pipelines compiled, buffers made
        for (let r = 0; r < ROUNDS; r++) {
          for (const s of r % 2 === 0 ? seqs : [...seqs].reverse()) {
            const t0 = performance.now();
            await s.seq.step(frame, frame, frame);
            ms[s.name].push(+(performance.now() - t0).toFixed(1));
          }
        }
        await Promise.all(sides.map((s) => s.vsr.release()));
        out[model] = Object.fromEntries(sides.map((s) => [s.name, { medianMs: median(ms[s.name]), ms: ms[s.name] }]));
        ctx.log(`${model}: ${JSON.stringify(out[model])}`);
      }
      return out;
    },
  },
];
