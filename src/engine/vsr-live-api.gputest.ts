/**
 * Live mode's engine session (vsr-live-api.ts) in this worker, on the narrow test models, on both
 * sides: stepping frames 0, 1, 2 gives the bytes of an ordinary run (runVsrJob) of those frames; a
 * reset at frame 2 gives the bytes of a run that starts there (zero state, same neighbours); a skip
 * from 0 to 2 without reset carries the state (other bytes than the reset); close frees the session.
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import type { RgbaFrame } from '../core/frame';
import { toRgba8 } from '../core/pixels';
import { setModelsBase } from '../models/source-web';
import { runVsrJob } from './vsr-api';
import { vsrLiveApi } from './vsr-live-api';

const TEST_MODELS = '/e2e/fixtures/models/';

async function clip(ctx: GpuTestContext): Promise<RgbaFrame[]> {
  const frames = await Promise.all([0, 1, 2].map((i) => ctx.loadImage(`/e2e/fixtures/clip-32x32/frame-${i}.png`)));
  return frames.map((f) => ({ width: 32, height: 32, data: toRgba8(f) }));
}

const bytesEqual = (a: RgbaFrame, b: RgbaFrame) => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);

export const gpuTests: GpuTest[] = [
  {
    name: 'vsr live: a session stepped 0,1,2 = a run (bytes); reset at 2 = a run from 2; a skip carries the state; close frees it — WebGPU and wasm',
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const rgba = await clip(ctx);
      const getFrame = async (i: number) => rgba[i];
      const parts: { pass: boolean; detail: string }[] = [];
      for (const cpu of [false, true]) {
        const run = async (from: number) => {
          const outs: RgbaFrame[] = [];
          const r = await runVsrJob({ width: 32, height: 32, from, to: 3, length: 3, cpu }, (i) => rgba[i], (i, out) => void (outs[i] = out));
          return { outs, backend: r.backend };
        };
        const full = await run(0);
        const from2 = await run(2);
        const info = await vsrLiveApi.vsrLiveOpen({ width: 32, height: 32, length: 3, cpu }, getFrame);
        const side = info.backend;
        const step = async (i: number, reset: boolean) => (await vsrLiveApi.vsrLiveStep(info.liveId, i, reset)).frame;
        const live = [await step(0, true), await step(1, false), await step(2, false)];
        const reset2 = await step(2, true);
        await step(0, true);
        const carried2 = await step(2, false);
        const open = await vsrLiveApi.vsrLiveSessions();
        await vsrLiveApi.vsrLiveClose(info.liveId);
        const after = await vsrLiveApi.vsrLiveSessions();
        const refused = await vsrLiveApi.vsrLiveStep(info.liveId, 0, false).then(() => false, (e: unknown) => /not open/.test(String(e)));
        parts.push(
          { pass: side === full.backend && side === (cpu ? 'wasm' : 'webgpu'), detail: `${side}: live session on the run's side` },
          { pass: info.width === 128 && live.every((f, i) => bytesEqual(f, full.outs[i])), detail: `${side}: frames 0,1,2 stepped = the run's bytes` },
          { pass: bytesEqual(reset2, from2.outs[2]), detail: `${side}: reset at 2 = a run from frame 2 (bytes)` },
          { pass: !bytesEqual(carried2, reset2), detail: `${side}: 0 → 2 without reset carries the state (differs from the reset)` },
          { pass: open >= 1 && after === open - 1 && refused, detail: `${side}: close frees the session (${open} → ${after}), a later step is refused` },
        );
      }
      return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
    },
  },
];
