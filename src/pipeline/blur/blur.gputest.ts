/**
 * shaders/blur.wgsl (both entry points: 'tiled' and 'direct') against blurCpu on a real
 * frame, every kernel kind, plus the border cases (images smaller than the 10-px apron) and
 * two runs recorded into one encoder. Tolerance 1e-5 absolute. Both sides sum the same f32
 * products in the same order, so they agree bit for bit unless the GPU compiler fuses a
 * multiply–add; the detail lines report max|Δ| and how many values are bit-identical.
 */
import { compareF32, type GpuTest, type GpuTestResult } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { createImage, type ImageF32 } from '../../core/image';
import { blurCpu } from './blur-cpu';
import { createBlur, type BlurVariant } from './blur-gpu';
import { blurKernel } from './kernel';
import type { BlurParams } from './options';

const TOL = 1e-5;
const FRAME = '/e2e/fixtures/frame-96x64.png';

const KINDS: BlurParams[] = [
  { kind: 'iso', sigmaX: 0.2, sigmaY: 0.2, theta: 0, beta: 1, size: 21 },
  { kind: 'iso', sigmaX: 4, sigmaY: 4, theta: 0, beta: 1, size: 21 },
  { kind: 'aniso', sigmaX: 3.5, sigmaY: 0.9, theta: 0.7, beta: 1, size: 21 },
  { kind: 'generalized', sigmaX: 2, sigmaY: 1.3, theta: -1.2, beta: 0.6, size: 21 },
  { kind: 'plateau', sigmaX: 1.6, sigmaY: 2.4, theta: 2.2, beta: 1.8, size: 21 },
  { kind: 'none', sigmaX: 1, sigmaY: 1, theta: 0, beta: 1, size: 21 },
  { kind: 'iso', sigmaX: 1.2, sigmaY: 1.2, theta: 0, beta: 1, size: 7 },
];

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, img.channels);
  for (let c = 0; c < img.channels; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}

async function gpuBlur(device: GPUDevice, img: ImageF32, kernel: Float32Array, variant: BlurVariant): Promise<Float32Array> {
  const input = uploadBuffer(device, img.data);
  const out = createBlur(device, variant).run(input, img.width, img.height, kernel);
  const got = await readF32(device, out, img.data.length);
  input.destroy();
  out.destroy();
  return got;
}

function compare(label: string, got: Float32Array, want: Float32Array): GpuTestResult {
  const r = compareF32(label, got, want, TOL);
  let same = 0;
  for (let i = 0; i < got.length; i++) if (got[i] === want[i]) same++;
  return { pass: r.pass, detail: `${r.detail}; bit-identical ${same}/${got.length}` };
}

const VARIANTS: BlurVariant[] = ['tiled', 'direct'];

function merge(results: GpuTestResult[]): GpuTestResult {
  return { pass: results.every((r) => r.pass), detail: results.map((r) => r.detail).join('\n') };
}

export const gpuTests: GpuTest[] = [
  {
    name: 'blur.wgsl vs blurCpu: every kernel kind on a real 96×64 frame',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const results: GpuTestResult[] = [];
      for (const p of KINDS) {
        const k = blurKernel(p);
        const want = blurCpu(img, k).data;
        for (const v of VARIANTS) {
          results.push(compare(`${v}: ${p.kind} σ(${p.sigmaX},${p.sigmaY}) θ ${p.theta} β ${p.beta} ${p.size}×${p.size}`, await gpuBlur(device, img, k, v), want));
        }
      }
      return merge(results);
    },
  },
  {
    name: 'blur.wgsl vs blurCpu: images smaller than the apron (13×9, 1×5) mirror periodically',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const k = blurKernel({ kind: 'aniso', sigmaX: 4, sigmaY: 2, theta: 0.3, beta: 1, size: 21 });
      const results: GpuTestResult[] = [];
      for (const [w, h] of [[13, 9], [1, 5], [17, 33]] as const) {
        const small = crop(img, w, h);
        const want = blurCpu(small, k).data;
        for (const v of VARIANTS) results.push(compare(`${v}: ${w}×${h}`, await gpuBlur(device, small, k, v), want));
      }
      return merge(results);
    },
  },
  {
    name: 'blur.wgsl: two runs with different kernels recorded into one encoder keep their own kernels',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const k1 = blurKernel({ kind: 'iso', sigmaX: 3, sigmaY: 3, theta: 0, beta: 1, size: 21 });
      const k2 = blurKernel({ kind: 'plateau', sigmaX: 1, sigmaY: 2, theta: 1, beta: 1.2, size: 21 });
      const input = uploadBuffer(device, img.data);
      const blur = createBlur(device, 'tiled');
      const enc = device.createCommandEncoder();
      const a = blur.run(input, img.width, img.height, k1, enc);
      const b = blur.run(a, img.width, img.height, k2, enc); // chained: blur(blur(x, k1), k2)
      device.queue.submit([enc.finish()]);
      const n = img.data.length;
      const [ga, gb] = [await readF32(device, a, n), await readF32(device, b, n)];
      const ca = blurCpu(img, k1);
      const cb = blurCpu(ca, k2);
      [input, a, b].forEach((x) => x.destroy());
      return merge([compare('first (k1)', ga, ca.data), compare('second (k2 on k1)', gb, cb.data)]);
    },
  },
];
