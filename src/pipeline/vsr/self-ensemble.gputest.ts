/**
 * shaders/symmetry.wgsl against its CPU reference (self-ensemble.ts) on a real frame cut to an odd,
 * non-square size, every symmetry; and the GPU ensemble's wiring against the CPU one with a stand-in
 * net that is not symmetric itself (it mirrors x and adds a ramp), so a member turned the wrong way
 * shows.
 */
import { createImage, type ImageF32 } from '../../core/image';
import { compareF32, type GpuTest } from '../../gpu/gputest';
import { readF32, uploadBuffer } from '../../gpu/webgpu';
import { accumulateUndone, applySymmetry, ensembleMembers, ensembleSequence, type EnsembleSize } from './self-ensemble';
import { createSymmetryOps, ensembleSequenceGpu } from './self-ensemble-gpu';
import type { VsrCpuSequence } from './vsr-cpu';
import type { VsrGpuSequence } from './vsr-gpu';
import { planVsr } from './vsr-common';

function crop(img: ImageF32, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = img.data[(c * img.height + y) * img.width + x];
  return out;
}

/** The stand-in net on the CPU: mirror x, add 0.01·x (not equivariant under any symmetry but the identity). */
function standInCpu(f: ImageF32): ImageF32 {
  const m = applySymmetry(f, 1);
  const out = createImage(m.width, m.height, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) {
    const i = (c * m.height + y) * m.width + x;
    out.data[i] = m.data[i] + 0.01 * x;
  }
  return out;
}

export const gpuTests: GpuTest[] = [
  {
    name: 'symmetry.wgsl apply / accumulate_undone vs CPU reference: 45×31 real frame, all 8 symmetries',
    async run({ device, loadImage }) {
      const img = crop(await loadImage('/e2e/fixtures/frame-96x64.png'), 45, 31);
      const ops = createSymmetryOps(device);
      const src = uploadBuffer(device, img.data);
      const parts: string[] = [];
      let pass = true;
      // A non-zero accumulator, so adding (not overwriting) is checked.
      const start = new Float32Array(img.data.length).map((_, i) => (i % 7) / 10);
      for (const s of ensembleMembers(8)) {
        const enc = device.createCommandEncoder();
        const turned = ops.apply({ src, w: 45, h: 31, channels: 3, s, encoder: enc });
        const acc = uploadBuffer(device, start);
        ops.accumulateUndone({ acc, src: turned, w: 45, h: 31, channels: 3, s, weight: 0.125, encoder: enc });
        device.queue.submit([enc.finish()]);
        const gotTurned = await readF32(device, turned, img.data.length);
        const gotAcc = await readF32(device, acc, img.data.length);
        const wantAcc = start.slice();
        accumulateUndone(wantAcc, applySymmetry(img, s), s, 0.125);
        const a = compareF32(`apply ${s}`, gotTurned, applySymmetry(img, s).data, 0);
        const b = compareF32(`accumulate_undone ${s}`, gotAcc, wantAcc, 1e-6);
        pass &&= a.pass && b.pass;
        if (!a.pass || !b.pass || s === 7) parts.push(a.detail, b.detail);
        turned.destroy();
        acc.destroy();
      }
      src.destroy();
      return { pass, detail: parts.join('; ') };
    },
  },
  {
    name: 'ensembleSequenceGpu = ensembleSequence (CPU) with a non-symmetric stand-in net: 45×31, sizes 2, 4, 8, 3 frames',
    async run({ device, loadImage }) {
      const base = await loadImage('/e2e/fixtures/frame-96x64.png');
      const frames = [0, 1, 2].map((k) => {
        const f = crop(base, 48, 34);
        // Three different frames: crops shifted by k pixels.
        const out = createImage(45, 31, 3);
        for (let c = 0; c < 3; c++) for (let y = 0; y < 31; y++) for (let x = 0; x < 45; x++) out.data[(c * 31 + y) * 45 + x] = f.data[(c * 34 + y + k) * 48 + x + k];
        return out;
      });
      const ops = createSymmetryOps(device);
      const openCpu = (w: number, h: number): VsrCpuSequence => ({ plan: planVsr(w, h, {}, { scale: 1, multiple: 1 }), step: async (_p, c) => standInCpu(c) });
      // The same stand-in on the GPU: the ramp uploaded, the frame mirrored by the kernel (symmetry 1) and added to it.
      const openGpu = (w: number, h: number): VsrGpuSequence => {
        const ramp = createImage(w, h, 3);
        for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) ramp.data[(c * h + y) * w + x] = 0.01 * x;
        return {
          plan: planVsr(w, h, {}, { scale: 1, multiple: 1 }),
          async step(_p, c) {
            const enc = device.createCommandEncoder();
            const out = uploadBuffer(device, ramp.data);
            const mirrored = ops.apply({ src: c, w, h, channels: 3, s: 1, encoder: enc });
            ops.accumulateUndone({ acc: out, src: mirrored, w, h, channels: 3, s: 0, weight: 1, encoder: enc });
            device.queue.submit([enc.finish()]);
            mirrored.destroy();
            return out;
          },
          dispose: () => undefined,
        };
      };
      const parts: string[] = [];
      let pass = true;
      for (const size of [2, 4, 8] as EnsembleSize[]) {
        const cpu = ensembleSequence(openCpu, 45, 31, size);
        const gpu = ensembleSequenceGpu(device, openGpu, 45, 31, size);
        const bufs = frames.map((f) => uploadBuffer(device, f.data));
        for (let t = 0; t < 3; t++) {
          const p = Math.max(0, t - 1), n = Math.min(2, t + 1);
          const want = await cpu.step(frames[p], frames[t], frames[n]);
          const out = await gpu.step(bufs[p], bufs[t], bufs[n]);
          const got = await readF32(device, out, want.data.length);
          out.destroy();
          const r = compareF32(`size ${size} frame ${t}`, got, want.data, 1e-6);
          pass &&= r.pass;
          if (!r.pass || t === 2) parts.push(r.detail);
        }
        gpu.dispose();
        bufs.forEach((b) => b.destroy());
      }
      return { pass, detail: parts.join('; ') };
    },
  },
];
