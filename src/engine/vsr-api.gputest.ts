/**
 * The engine's VSR run loop (runVsrJob, what the Upscale tab and the VSR variants call) in this
 * worker, on the narrow test models: cancel mid-run and run again; the CPU path against the GPU path.
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import { maxFramesDiff } from '../gpu/gputest';
import type { RgbaFrame } from '../core/frame';
import { toRgba8 } from '../core/pixels';
import { setModelsBase } from '../models/source-web';
import { runVsrJob } from './vsr-api';

const TEST_MODELS = '/e2e/fixtures/models/';

async function clip(ctx: GpuTestContext): Promise<RgbaFrame[]> {
  const frames = await Promise.all([0, 1, 2].map((i) => ctx.loadImage(`/e2e/fixtures/clip-32x32/frame-${i}.png`)));
  return frames.map((f) => ({ width: 32, height: 32, data: toRgba8(f) }));
}

/** Run the 3-frame clip through runVsrJob; `cancelAfter` raises the cancel token after that many frames. */
async function collect(rgba: RgbaFrame[], o: { ensemble?: 1 | 4; cpu?: boolean; cancelAfter?: number } = {}) {
  const token = new Int32Array(new SharedArrayBuffer(4));
  const outs: RgbaFrame[] = [];
  const r = await runVsrJob({ width: 32, height: 32, from: 0, to: 3, length: 3, cpu: o.cpu ?? false, ...(o.ensemble ? { ensemble: o.ensemble } : {}) }, (i) => rgba[i], (i, out) => {
    outs[i] = out;
    if (o.cancelAfter !== undefined && outs.length >= o.cancelAfter) Atomics.store(token, 0, 1);
  }, token);
  return { r, outs };
}

export const gpuTests: GpuTest[] = [
  {
    name: 'vsr: engine run loop — cancel after frame 1, run again: same frames as an uninterrupted run; CPU path within 1 level',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const rgba = await clip(ctx);
      const first = await collect(rgba, { cancelAfter: 1 });
      const again = await collect(rgba);
      const fresh = await collect(rgba);
      const cpu = await collect(rgba, { cpu: true });
      const parts = [
        { pass: first.r.cancelled && first.r.done === 1 && first.outs.length === 1, detail: `cancelled run: cancelled=${first.r.cancelled}, done=${first.r.done}` },
        { pass: !again.r.cancelled && again.r.done === 3, detail: `run again: done=${again.r.done}, backend ${again.r.backend}` },
        { pass: again.outs.every((o) => o.width === 128 && o.height === 128), detail: 'outputs 128×128' },
      ];
      const bytesEqual = (a: RgbaFrame, b: RgbaFrame) => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);
      parts.push({ pass: bytesEqual(first.outs[0], fresh.outs[0]), detail: 'frame 0 delivered before the cancel = uninterrupted frame 0 (bytes)' });
      parts.push({ pass: again.outs.every((o, i) => bytesEqual(o, fresh.outs[i])), detail: 'run after cancel = uninterrupted run (bytes; no state left over)' });
      const maxLevels = maxFramesDiff(cpu.outs, again.outs);
      parts.push({ pass: maxLevels <= 1, detail: `CPU path (wasm) vs GPU path RGBA: max ${maxLevels} level(s) (≤ 1)` });
      return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
    },
  },
  {
    name: 'vsr: self-ensemble ×4 through the engine — GPU path vs CPU path within 1 level, and not the single pass',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const rgba = await clip(ctx);
      const gpu4 = await collect(rgba, { ensemble: 4 });
      const cpu4 = await collect(rgba, { ensemble: 4, cpu: true });
      // The single pass on the CPU path, not the GPU's (3 SwiftShader steps fewer): the GPU's ×4 is
      // within 1 level of the CPU's ×4, which differs from the CPU's single pass by ≥ 3 levels
      // somewhere; a GPU single pass is within 1 level of the CPU's, so it would sit ≥ 2 levels
      // from the CPU's ×4 there and fail the first bound.
      const cpu1 = await collect(rgba, { ensemble: 1, cpu: true });
      const maxLevels = maxFramesDiff(cpu4.outs, gpu4.outs);
      const ensembleEffect = maxFramesDiff(cpu4.outs, cpu1.outs);
      let differ = 0;
      cpu1.outs.forEach((o, i) => o.data.forEach((v, j) => (differ += v !== cpu4.outs[i].data[j] ? 1 : 0)));
      const parts = [
        { pass: gpu4.r.done === 3 && gpu4.r.backend === 'webgpu' && cpu4.r.backend === 'wasm' && cpu1.r.backend === 'wasm', detail: `backends ${gpu4.r.backend} / ${cpu4.r.backend}, done ${gpu4.r.done}` },
        { pass: gpu4.outs.every((o) => o.width === 128 && o.height === 128), detail: 'outputs 128×128' },
        { pass: maxLevels <= 1, detail: `×4 ensemble, CPU path vs GPU path RGBA: max ${maxLevels} level(s) (≤ 1)` },
        { pass: Number.isFinite(ensembleEffect) && ensembleEffect >= 3, detail: `the ×4 ensemble moves ${differ} RGBA values of the single pass, by up to ${ensembleEffect} levels (≥ 3, so a GPU single pass could not pass the bound above)` },
      ];
      let bad = '';
      try {
        await runVsrJob({ width: 32, height: 32, from: 0, to: 3, length: 3, ensemble: 3 as 4 }, (i) => rgba[i], () => undefined);
      } catch (e) {
        bad = (e as Error).message;
      }
      parts.push({ pass: /self-ensemble of 3 passes/.test(bad), detail: `ensemble 3 refused: ${bad}` });
      return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
    },
  },
];
