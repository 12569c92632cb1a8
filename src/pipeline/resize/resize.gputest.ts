/**
 * resize.wgsl against the CPU reference on a real frame, every method and option,
 * downscale factors 1, 1.5, 2, 3, 4 (sizes by downscaledSize) and bicubic ×4 up.
 * Tolerance 1e-5 absolute: both sides multiply the same float32 weights; only the
 * summation (float32 on the GPU, float64 on the CPU) differs, ≲ 1e-6 for ≤ 16 taps.
 */
import { compareF32, type GpuTest, type GpuTestResult } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import type { ImageF32 } from '../../core/image';
import { downscaledSize, upscaledSize, type ResizeMethod, type ResizeOptions } from './options';
import { resizeCpu } from './resize-cpu';
import { createResizer, resizeGpuImage } from './resize-gpu';

const FRAME = '/e2e/fixtures/frame-96x64.png';
const TOL = 1e-5;
const FACTORS = [1, 1.5, 2, 3, 4];

const VARIANTS: [string, ResizeMethod, ResizeOptions][] = [
  ['area (coverage)', 'area', {}],
  ['area (torch)', 'area', { areaMode: 'torch' }],
  ['bilinear', 'bilinear', {}],
  ['bilinear antialias', 'bilinear', { antialias: true }],
  ['bicubic', 'bicubic', {}],
  ['bicubic antialias', 'bicubic', { antialias: true }],
];

/** Runs every case, passes only if all do; the detail lists each case's max |Δ|. */
async function allOf(cases: (() => Promise<GpuTestResult>)[]): Promise<GpuTestResult> {
  const results: GpuTestResult[] = [];
  for (const c of cases) results.push(await c());
  return { pass: results.every((r) => r.pass), detail: results.map((r) => r.detail).join('\n') };
}

async function gpuVsCpu(device: GPUDevice, img: ImageF32, outW: number, outH: number, method: ResizeMethod, opts: ResizeOptions, label: string) {
  const got = await resizeGpuImage(device, img, outW, outH, method, opts);
  const want = resizeCpu(img, outW, outH, method, opts);
  return compareF32(`${label} ${img.width}×${img.height}→${outW}×${outH}`, got.data, want.data, TOL);
}

export const gpuTests: GpuTest[] = [
  ...VARIANTS.map(
    ([label, method, opts]): GpuTest => ({
      name: `resize ${label}: GPU vs CPU, ÷1 ÷1.5 ÷2 ÷3 ÷4 (real frame, tol 1e-5)`,
      async run({ device, loadImage }) {
        const img = await loadImage(FRAME);
        return allOf(
          FACTORS.map((f) => () => gpuVsCpu(device, img, downscaledSize(img.width, f), downscaledSize(img.height, f), method, opts, `${label} ÷${f}`)),
        );
      },
    }),
  ),
  {
    name: 'resize bicubic ×4 up (and antialias variant, and one axis only): GPU vs CPU (real frame, tol 1e-5)',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const [w, h] = [img.width, img.height];
      return allOf([
        () => gpuVsCpu(device, img, upscaledSize(w, 4), upscaledSize(h, 4), 'bicubic', {}, 'bicubic ×4'),
        () => gpuVsCpu(device, img, upscaledSize(w, 2), upscaledSize(h, 2), 'bicubic', { antialias: true }, 'bicubic antialias ×2'),
        () => gpuVsCpu(device, img, w, h / 2, 'bilinear', {}, 'vertical pass only'),
        () => gpuVsCpu(device, img, 37, h, 'area', {}, 'horizontal pass only'),
      ]);
    },
  },
  {
    name: 'resize: chained resizes in one encoder with pooled buffers match the CPU chain (tol 1e-5)',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const resizer = createResizer(device);
      const input = uploadBuffer(device, img.data);
      const [w, h] = [img.width, img.height];
      const cases: GpuTestResult[] = [];
      // Twice, so the second round runs on buffers and tables reused from the first.
      for (let round = 0; round < 2; round++) {
        const enc = device.createCommandEncoder();
        const down = resizer.resize(input, w, h, w / 4, h / 4, 'area', enc);
        const up = resizer.resize(down, w / 4, h / 4, w, h, 'bicubic', enc);
        const other = resizer.resize(input, w, h, 64, 43, 'bicubic', enc, { antialias: true });
        device.queue.submit([enc.finish()]);
        const wantDown = resizeCpu(img, w / 4, h / 4, 'area');
        const wantUp = resizeCpu(wantDown, w, h, 'bicubic');
        const wantOther = resizeCpu(img, 64, 43, 'bicubic', { antialias: true });
        cases.push(compareF32(`round ${round} area ÷4`, await readF32(device, down, wantDown.data.length), wantDown.data, TOL));
        cases.push(compareF32(`round ${round} then bicubic ×4`, await readF32(device, up, wantUp.data.length), wantUp.data, TOL));
        cases.push(compareF32(`round ${round} bicubic aa ÷1.5`, await readF32(device, other, wantOther.data.length), wantOther.data, TOL));
        for (const b of [down, up, other]) resizer.release(b);
      }
      input.destroy();
      resizer.destroy();
      return { pass: cases.every((c) => c.pass), detail: cases.map((c) => c.detail).join('\n') };
    },
  },
];
