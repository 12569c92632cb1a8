/**
 * Models a user brings, on WebGPU (vsr-gpu.ts's vsrGpuOnSession: ORT webgpu EP, gpu-buffer outputs,
 * tile.wgsl extract/accumulate with the value-range scaling) against the CPU path (the same ONNX on
 * ORT's wasm EP, tiles.ts references), on the test models of test-models.ts: a single-frame ×2
 * (whole frame and tiled), a ×4 in 0–255 (scaled in and out on the GPU), a ×3 of fixed 24×24
 * input (tiles of exactly that size), and our recurrent contract at ×2 (state carried 3 frames).
 * The descriptors come from the inspection the engine runs when a user adds a file.
 */
import type { GpuTest, GpuTestContext } from '../../gpu/gputest';
import { compareF32 } from '../../gpu/gputest';
import { openSession } from '../../gpu/ort';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { createImage, type ImageF32 } from '../../core/image';
import type { VsrModel } from '../../models/kinds';
import { createVsrCpu } from '../vsr/vsr-cpu';
import { vsrGpuOnSession } from '../vsr/vsr-gpu';
import type { VsrTileOptions } from '../vsr/vsr-common';
import { inspectByoModel } from './byo-model';
import { probeImage } from './probe';
import * as models from './test-models';

/** webgpu vs wasm EP on the same small graphs (resize, depth-to-space, clip): measured ≤ 1e-6; stated bound. */
const EP_TOL = 1e-4;

function picture(w: number, h: number, shift = 0): ImageF32 {
  const n = Math.max(w, h) + shift;
  const src = probeImage(n);
  const img = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[(c * h + y) * w + x] = src[(c * n + y + shift) * n + x];
  return img;
}

async function describe(ctx: GpuTestContext, bytes: Uint8Array, name: string): Promise<VsrModel> {
  const r = await inspectByoModel(ctx.ort, bytes, name, {}, { sessionOptions: { executionProviders: ['wasm'] }, backendName: 'wasm' });
  if (r.status !== 'ready') throw new Error(`${name}: ${JSON.stringify(r)}`);
  return r.model;
}

/** The frames through the model on both sides; one comparison per frame. */
async function gpuVsCpu(ctx: GpuTestContext, bytes: Uint8Array, name: string, frames: ImageF32[], opts: VsrTileOptions = {}) {
  const { device, ort } = ctx;
  const model = await describe(ctx, bytes, name);
  const session = await openSession(ort, bytes, { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' });
  const gpu = vsrGpuOnSession(device, ort, model, session);
  const cpu = await createVsrCpu(ort, { model, step: bytes }, { executionProviders: ['wasm'] });
  const { width: w, height: h } = frames[0];
  const gs = gpu.sequence(w, h, opts);
  const cs = cpu.sequence(w, h, opts);
  const bufs = frames.map((f) => uploadBuffer(device, f.data));
  const parts = [];
  const S = model.scale;
  try {
    for (let t = 0; t < frames.length; t++) {
      const p = Math.max(0, t - 1);
      const n = Math.min(frames.length - 1, t + 1);
      const out = await gs.step(bufs[p], bufs[t], bufs[n]);
      const got = await readF32(device, out, 3 * S * w * S * h);
      out.destroy();
      const want = (await cs.step(frames[p], frames[t], frames[n])).data;
      parts.push(compareF32(`${name} frame ${t} (${gs.plan.tiles.length} tile${gs.plan.tiles.length === 1 ? '' : 's'}, ${S * w}×${S * h})`, got, want, EP_TOL));
    }
  } finally {
    gs.dispose();
    bufs.forEach((b) => b.destroy());
    await gpu.release();
    await cpu.release();
  }
  return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
}

export const gpuTests: GpuTest[] = [
  {
    name: 'byo: single-frame ×2 (0–1) on WebGPU vs CPU, whole frame and 3×2 tiles of an odd size',
    async run(ctx) {
      const a = await gpuVsCpu(ctx, models.x2Nearest(), 'x2-nearest.onnx', [picture(30, 22)]);
      const b = await gpuVsCpu(ctx, models.x2Nearest(), 'x2-nearest.onnx', [picture(30, 22)], { maxTile: 16, overlap: 4 });
      return { pass: a.pass && b.pass, detail: `${a.detail}; ${b.detail}` };
    },
  },
  {
    name: 'byo: ×4 in 0–255 on WebGPU vs CPU (frames ×255 in, ÷255 out on the GPU)',
    async run(ctx) {
      return gpuVsCpu(ctx, models.x4Cubic255(), 'x4-cubic-255.onnx', [picture(20, 12)]);
    },
  },
  {
    name: 'byo: ×3 with a fixed 24×24 input on WebGPU vs CPU (a 40×30 frame as 24×24 tiles)',
    async run(ctx) {
      return gpuVsCpu(ctx, models.x3Fixed24(), 'x3-fixed24.onnx', [picture(40, 30)]);
    },
  },
  {
    name: 'byo: our recurrent contract at ×2 on WebGPU vs CPU, state carried over 3 frames',
    async run(ctx) {
      return gpuVsCpu(ctx, models.recurrentX2(4), 'recurrent-x2.onnx', [picture(16, 12, 0), picture(16, 12, 3), picture(16, 12, 6)]);
    },
  },
];
