/**
 * Output sizes in the engine's VSR run loop (runVsrJob, what the Upscale tab calls; issue 14) on the
 * narrow test models and the 3 real frames of e2e/fixtures/clip-32x32: ×2, ×3, fit 720p and enhance
 * on the WebGPU path (Lanczos-3 in shaders/resize.wgsl around the net) against the CPU path (the
 * CPU reference around ORT's wasm EP): the sizes planned, and RGBA within 1 level — the two ORT
 * backends' float rounding, as the ×4 run's own GPU/CPU test allows.
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import { maxFramesDiff } from '../gpu/gputest';
import type { RgbaFrame } from '../core/frame';
import { toRgba8 } from '../core/pixels';
import { setModelsBase } from '../models/source-web';
import type { OutputSizeId } from '../pipeline/vsr/output-size';
import { runVsrJob } from './vsr-api';

const TEST_MODELS = '/e2e/fixtures/models/';

async function clip(ctx: GpuTestContext): Promise<RgbaFrame[]> {
  const frames = await Promise.all([0, 1, 2].map((i) => ctx.loadImage(`/e2e/fixtures/clip-32x32/frame-${i}.png`)));
  return frames.map((f) => ({ width: 32, height: 32, data: toRgba8(f) }));
}

const CASES: [OutputSizeId, number, number][] = [
  ['x2', 64, 64],
  ['x3', 96, 96],
  ['720p', 720, 720],
  ['enhance', 32, 32],
];

export const gpuTests: GpuTest[] = [
  {
    name: 'vsr output sizes: ×2, ×3, fit 720p, enhance — engine GPU path vs CPU path (sizes; RGBA within 1 level)',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const rgba = await clip(ctx);
      const parts: { pass: boolean; detail: string }[] = [];
      for (const [size, w, h] of CASES) {
        const run = async (cpu: boolean) => {
          const outs: RgbaFrame[] = [];
          const r = await runVsrJob({ width: 32, height: 32, from: 0, to: 3, length: 3, cpu, size, even: true }, (i) => rgba[i], (i, out) => void (outs[i] = out));
          return { r, outs };
        };
        const gpu = await run(false);
        const cpu = await run(true);
        const sized = [...gpu.outs, ...cpu.outs].every((o) => o.width === w && o.height === h && o.data.length === w * h * 4);
        parts.push({ pass: sized && gpu.outs.length === 3 && cpu.outs.length === 3, detail: `${size}: ${gpu.outs.length}+${cpu.outs.length} frames ${gpu.outs[0]?.width}×${gpu.outs[0]?.height} (want ${w}×${h}), GPU side ${gpu.r.backend}` });
        const maxLevels = maxFramesDiff(cpu.outs, gpu.outs);
        parts.push({ pass: gpu.r.backend === 'webgpu' && cpu.r.backend === 'wasm' && maxLevels <= 1, detail: `${size}: CPU path vs GPU path max ${maxLevels} level(s) (≤ 1)` });
      }
      return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
    },
  },
];
