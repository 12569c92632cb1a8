/**
 * Lanczos-3 (the output-size resampler, src/pipeline/vsr/output-size.ts) on the GPU —
 * shaders/resize.wgsl with the Lanczos tables of taps.ts — against the CPU reference on a real
 * frame, at the sizes output-size plans make: the net's ×4 shrunk for ×2 and ×3, enhance's ×1/4,
 * an enlargement past ×4 (fit), a rounding fix of a few pixels, ×1; and the plan resampler
 * (output-resample-gpu.ts) on chained pre/post steps. Tolerance 1e-5 absolute: both sides
 * multiply the same float32 weights (up to 24 taps, some negative); only the summation differs
 * (float32 on the GPU, float64 on the CPU), ≲ 2e-6 here.
 */
import { compareF32, type GpuTest, type GpuTestResult } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { createPlanResamplerCpu } from '../vsr/output-resample';
import { createPlanResamplerGpu } from '../vsr/output-resample-gpu';
import { planOutputSize } from '../vsr/output-size';
import { resizeCpu } from './resize-cpu';
import { resizeGpuImage } from './resize-gpu';

const FRAME = '/e2e/fixtures/frame-96x64.png';
const TOL = 1e-5;

export const gpuTests: GpuTest[] = [
  {
    name: 'resize lanczos3: GPU vs CPU at the output-size steps (÷2, ÷4/3, ÷4, ×2.8 up, 96→94, ×1; real frame, tol 1e-5)',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const sizes: [string, number, number][] = [
        ['×2 of the ×4 (÷2)', 48, 32],
        ['×3 of the ×4 (÷4/3)', 72, 48],
        ['enhance ÷4', 24, 16],
        ['fit past ×4 (×2.8)', 270, 180],
        ['rounding fix', 94, 63],
        ['×1', 96, 64],
      ];
      const results: GpuTestResult[] = [];
      for (const [label, w, h] of sizes) {
        const got = await resizeGpuImage(device, img, w, h, 'lanczos3');
        results.push(compareF32(`${label} 96×64→${w}×${h}`, got.data, resizeCpu(img, w, h, 'lanczos3').data, TOL));
      }
      return { pass: results.every((r) => r.pass), detail: results.map((r) => r.detail).join('\n') };
    },
  },
  {
    name: 'output-size plan resampler: GPU pre and post steps vs the CPU plan resampler (enhance, ×3, fit 720p; tol 1e-5)',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const input = uploadBuffer(device, img.data);
      const results: GpuTestResult[] = [];
      try {
        // enhance of the frame: pre ÷4 (96×64 → 24×16); the frame itself stands in for a net output
        // of the ×3 plan of a 24×16 input (96×64 → 72×48) and of its fit 720p (96×64 → 1080×720).
        const plans = [planOutputSize(96, 64, 'enhance'), planOutputSize(24, 16, 'x3'), planOutputSize(24, 16, '720p')];
        for (const plan of plans) {
          const gpu = await createPlanResamplerGpu(device, plan);
          const cpu = createPlanResamplerCpu(plan);
          try {
            const step = plan.pre ? 'pre' : 'post';
            const out = plan.pre ? gpu.pre(input) : gpu.post(input);
            const want = plan.pre ? cpu.pre(img) : cpu.post(img);
            if (!out) {
              results.push({ pass: false, detail: `${plan.id}: the GPU resampler skipped its ${step} step` });
              continue;
            }
            results.push(compareF32(`${plan.id} ${step} 96×64→${want.width}×${want.height}`, await readF32(device, out, want.data.length), want.data, TOL));
            out.destroy();
          } finally {
            gpu.destroy();
          }
        }
      } finally {
        input.destroy();
      }
      return { pass: results.every((r) => r.pass), detail: results.map((r) => r.detail).join('\n') };
    },
  },
];
