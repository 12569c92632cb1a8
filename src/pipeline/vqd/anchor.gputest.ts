/**
 * shaders/anchor.wgsl (anchor-gpu.ts) against anchorCpu, on real inputs: a real frame as VQD's
 * input and the narrow fixture VQGAN's output for it (CPU path, k = (1, 6, 40)) as the output to
 * anchor, at σ = 0 (a copy), 0.5, 3 (the default) and 4 (the largest), plus a 5×3 crop where the
 * radius (up to 12) exceeds the frame and borders mirror periodically.
 *
 * Tolerance |Δ| ≤ 2e-6: both sides sum the same f32 products in the same order; the GPU compiler
 * may fuse a multiply–add (one rounding fewer per tap), over at most 2 × 25 taps of values ≤ 1.
 */
import { createImage, type ImageF32 } from '../../core/image';
import type { GpuTest } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { setModelsBase, webModels } from '../../models/source-web';
import { anchorCpu } from './anchor-cpu';
import { createAnchor } from './anchor-gpu';
import { loadVqdCpu } from './vqd-cpu-web';

const TOL = 2e-6;
const SIGMAS = [0, 0.5, 3, 4];

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, img.channels);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) out.data.set(img.data.subarray((c * img.height + y) * img.width, (c * img.height + y) * img.width + w), (c * h + y) * w);
  }
  return out;
}

export const gpuTests: GpuTest[] = [
  {
    name: 'anchor.wgsl vs anchorCpu: a real frame and the fixture VQGAN\'s output for it, σ 0 / 0.5 / 3 / 4, 96×64 and a 5×3 crop',
    async run({ device, ort, loadImage }) {
      setModelsBase('/e2e/fixtures/models/');
      const x = await loadImage('/e2e/fixtures/frame-96x64.png');
      const vqd = await loadVqdCpu(ort, webModels());
      const v = await vqd.run(x, { kTop: 1, kMid: 6, kBot: 40 });
      const anchor = createAnchor(device);
      const details: string[] = [];
      let pass = true;
      for (const [xi, vi] of [[x, v], [crop(x, 5, 3), crop(v, 5, 3)]] as const) {
        const xb = uploadBuffer(device, xi.data);
        const vb = uploadBuffer(device, vi.data);
        for (const sigma of SIGMAS) {
          const out = anchor.run(xb, vb, xi.width, xi.height, sigma);
          const got = await readF32(device, out, xi.data.length);
          out.destroy();
          const want = anchorCpu(xi, vi, sigma).data;
          let max = 0;
          let moved = 0; // how far the anchor moved the VQD output: a kernel that did nothing would pass the comparison at σ = 0 only
          for (let i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(got[i] - want[i]) || (got[i] === want[i] ? 0 : Infinity));
            moved = Math.max(moved, Math.abs(got[i] - vi.data[i]));
          }
          // σ = 0 is a buffer copy: exact.
          const tol = sigma === 0 ? 0 : TOL;
          pass &&= max <= tol && (sigma === 0 ? moved === 0 : moved > 1e-3);
          details.push(`${xi.width}×${xi.height} σ ${sigma}: max|Δ| ${max.toExponential(2)} ≤ ${tol}, moved the VQD output by up to ${moved.toFixed(4)} (${sigma === 0 ? 'must be 0' : 'must be > 1e-3'})`);
        }
        xb.destroy();
        vb.destroy();
      }
      return { pass, detail: details.join('; ') };
    },
  },
];
