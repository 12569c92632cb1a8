/**
 * Per-stage time of the degradation pipeline on one 1920×1080 frame, GPU path
 * (GpuDegrader, one sync per stage) and CPU path (the references run-cpu.ts
 * uses), in the same worker. The FFmpeg stage is measured by media.bench.ts.
 * On SwiftShader (GPU-less CI machines) the "GPU" is a CPU rasteriser: read the
 * ratios as that, and rerun on a machine with a real GPU.
 */
import type { GpuTestContext } from '../gpu/gputest';
import { GpuDegrader } from './run-gpu';
import type { StageTimes } from './stages';
import { resizeCpu } from './resize/resize-cpu';
import { type ImageF32 } from '../core/image';
import { toRgba8 } from '../core/pixels';
import { defaultPipelineParams } from './params';
import { degradeFrameBeforeCodec, prepareStages } from './run-cpu';
import { loadVqdCpu } from './vqd/vqd-cpu-web';
import { webModels } from '../models/source-web';

async function hdFrame(ctx: GpuTestContext): Promise<ImageF32> {
  const small = await ctx.loadImage('/e2e/fixtures/frame-96x64.png');
  return resizeCpu(small, 1920, 1080, 'bicubic');
}

function params(vqd: boolean) {
  const p = defaultPipelineParams();
  p.compress.codec = 'none';
  p.vqd.enabled = vqd;
  p.vqd.kBot = 30;
  return p;
}

export const benches = [
  {
    name: 'degrade 1920×1080 → 480×270, per stage: GPU path vs CPU path (shipped VQGAN)',
    async run(ctx: GpuTestContext): Promise<Record<string, unknown>> {
      const img = await hdFrame(ctx);
      const rgba = toRgba8(img);
      const p = params(true);
      const out: Record<string, unknown> = { frame: '1920×1080', params: { blur: p.blur, noise: p.noise, down: p.down, vqd: p.vqd } };
      if (ctx.device) {
        const gpu = new GpuDegrader({ device: ctx.device, ort: ctx.ort, models: webModels() }, 1);
        // Warm-up on a different frame key (pipelines compiled, model loaded), then time a fresh frame.
        await gpu.run({ key: 'warm', index: 0, width: 1920, height: 1080, data: rgba }, p);
        const times: StageTimes = {};
        const t0 = performance.now();
        await gpu.run({ key: 'timed', index: 1, width: 1920, height: 1080, data: rgba }, p, { times });
        out.gpuMs = { ...times, total: performance.now() - t0 };
        gpu.clear();
      }
      const vqd = await loadVqdCpu(ctx.ort, webModels());
      const st = prepareStages(p);
      const t1 = performance.now();
      await degradeFrameBeforeCodec(img, 1, st, { modelId: 'vqgan', nCodes: vqd.nCodes, run: (x, ks) => vqd.run(x, ks) });
      out.cpuMs = { ...st.times, total: performance.now() - t1 };
      const g = out.gpuMs as Record<string, number> | undefined;
      if (g) {
        out.cpuOverGpu = Object.fromEntries(
          Object.entries(st.times).map(([k, v]) => [k, g[k] ? +((v ?? 0) / g[k]).toFixed(2) : null]).concat([['total', +((out.cpuMs as { total: number }).total / g.total).toFixed(2)]]),
        );
      }
      return out;
    },
  },
];
