/**
 * The self-ensemble on WebGPU (shaders/symmetry.wgsl; CPU reference and rationale:
 * self-ensemble.ts): each member turns the three input frames on the GPU, steps its own sequence
 * (its own per-tile states) and adds its output, turned back and weighted 1/n, into one
 * accumulator. Frames never leave the GPU.
 */
import code from '../../../shaders/symmetry.wgsl?raw';
import { computePipeline, dispatchBindings, storageBuffer, uniformBuffer } from '../../gpu/webgpu';
import { ensembleMembers, symmetricSize, type EnsembleSize, type Symmetry } from './self-ensemble';
import type { VsrGpuSequence } from './vsr-gpu';

const WG = 8;

function params(w: number, h: number, channels: number, s: Symmetry, weight = 1): Uint32Array {
  const buf = new ArrayBuffer(8 * 4);
  const u = new Uint32Array(buf);
  u[0] = w; u[1] = h; u[2] = channels; u[3] = s;
  new Float32Array(buf)[4] = weight;
  return u;
}

export interface SymmetryOps {
  /** A new buffer: `src` (planar, w×h in its original orientation) under symmetry `s`. */
  apply(a: { src: GPUBuffer; w: number; h: number; channels: number; s: Symmetry; encoder: GPUCommandEncoder }): GPUBuffer;
  /** `acc` (w×h, original orientation) += weight × (`src`, made under symmetry `s`, turned back). */
  accumulateUndone(a: { acc: GPUBuffer; src: GPUBuffer; w: number; h: number; channels: number; s: Symmetry; weight: number; encoder: GPUCommandEncoder }): void;
}

export function createSymmetryOps(device: GPUDevice): SymmetryOps {
  const pipe = (e: string) => computePipeline(device, code, e, `symmetry.${e}`);
  const groups = (w: number, h: number, s: Symmetry, channels: number): [number, number, number] => {
    const [ow, oh] = symmetricSize(w, h, s);
    return [Math.ceil(ow / WG), Math.ceil(oh / WG), channels];
  };
  return {
    apply(a) {
      const out = storageBuffer(device, a.channels * a.w * a.h * 4, 'symmetry.apply.out');
      const u = uniformBuffer(device, params(a.w, a.h, a.channels, a.s));
      dispatchBindings(device, a.encoder, pipe('apply'), [[0, u], [1, a.src], [2, out]], groups(a.w, a.h, a.s, a.channels));
      return out;
    },
    accumulateUndone(a) {
      const u = uniformBuffer(device, params(a.w, a.h, a.channels, a.s, a.weight));
      dispatchBindings(device, a.encoder, pipe('accumulate_undone'), [[0, u], [1, a.src], [2, a.acc]], groups(a.w, a.h, a.s, a.channels));
    },
  };
}

/**
 * A GPU sequence averaging `size` members, each `open` on frames under its symmetry (the
 * transposed ones at height×width). The plan is the identity member's; size 1 is `open` itself.
 */
export function ensembleSequenceGpu(
  device: GPUDevice,
  open: (width: number, height: number) => VsrGpuSequence,
  width: number,
  height: number,
  size: EnsembleSize,
): VsrGpuSequence {
  const members: { s: Symmetry; seq: VsrGpuSequence }[] = [];
  try {
    for (const s of ensembleMembers(size)) members.push({ s, seq: open(...symmetricSize(width, height, s)) });
  } catch (e) {
    for (const m of members) m.seq.dispose();
    throw e;
  }
  if (size === 1) return members[0].seq;
  const ops = createSymmetryOps(device);
  const plan = members[0].seq.plan;
  const { outWidth: W, outHeight: H } = plan;
  return {
    plan,
    async step(prev, cur, next) {
      // The caller owns what a step returns, so each step has its own accumulator. One encoder per
      // member boundary: member i's accumulate and member i+1's turned inputs go in one submit, and
      // their buffers are destroyed once the commands that read them are submitted.
      const acc = storageBuffer(device, 3 * W * H * 4, 'ensemble.acc');
      let enc = device.createCommandEncoder();
      let spent: GPUBuffer[] = [];
      const submit = () => {
        device.queue.submit([enc.finish()]);
        for (const b of spent) b.destroy();
        spent = [];
        enc = device.createCommandEncoder();
      };
      try {
        enc.clearBuffer(acc);
        for (const { s, seq } of members) {
          // prev/next repeat cur at the clip's ends: turn each distinct buffer once.
          const turned = new Map<GPUBuffer, GPUBuffer>();
          const turn = (b: GPUBuffer) => turned.get(b) ?? turned.set(b, ops.apply({ src: b, w: width, h: height, channels: 3, s, encoder: enc })).get(b)!;
          const [p, c, n] = [turn(prev), turn(cur), turn(next)];
          submit();
          spent.push(...turned.values());
          const out = await seq.step(p, c, n);
          spent.push(out);
          ops.accumulateUndone({ acc, src: out, w: W, h: H, channels: 3, s, weight: 1 / size, encoder: enc });
        }
        submit();
        return acc;
      } catch (e) {
        for (const b of spent) b.destroy();
        acc.destroy();
        throw e;
      }
    },
    dispose() {
      for (const m of members) m.seq.dispose();
    },
  };
}
