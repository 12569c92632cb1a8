/**
 * The overlapped VSR run on the CPU path (runVsrJob: read-ahead, ordered hand-over, the plain wasm
 * build) against the run as it was before it was overlapped: one frame at a time, strictly in
 * turn. Both run the net as the CPU path runs it — the shipped 'lite' net on the project's wasm
 * kernels (pipeline/vsr/wasm-net; one thread here, the same bits as the run's two, lite-net.test.ts),
 * any other graph on ORT with its cubic base as a convolution — so this compares the pipeline alone. Shipped `vsr` model, real frames
 * (e2e/fixtures/clip-64x48), frames fetched and taken with jittered delays so the queues do
 * interleave. The RGBA bytes must be identical: the pipeline only reorders work. Also: a run ending
 * before the clip does, a resumed run, and a failing consumer / frame source surfacing its error.
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import type { RgbaFrame } from '../core/frame';
import { fromRgba8, packRgba8, toRgba8 } from '../core/pixels';
import { setModelsBase, webModels } from '../models/source-web';
import { createVsrCpu } from '../pipeline/vsr/vsr-cpu';
import { cpuRunner, runVsrJob, type VsrRunRequest } from './vsr-api';
import { withConvBase } from '../pipeline/vsr/cubic-base-conv';
import { isLiteGraph, liteNetOrt } from '../pipeline/vsr/wasm-net/lite-ort';

const N = 8;
const W = 64;
const H = 48;

async function clip(ctx: GpuTestContext): Promise<RgbaFrame[]> {
  const frames = await Promise.all(Array.from({ length: N }, (_, i) => ctx.loadImage(`/e2e/fixtures/clip-64x48/src-0${i}.png`)));
  return frames.map((f) => ({ width: W, height: H, data: toRgba8(f) }));
}

/** Before: the net as the CPU path runs it (lite net on one thread, else ORT with the conv base), each step awaited in turn. */
async function reference(ctx: GpuTestContext, rgba: RgbaFrame[], req: { from: number; to: number; length: number; maxTile?: number; overlap?: number }): Promise<Uint8ClampedArray[]> {
  const raw = await webModels().vsr('vsr');
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
  const vsr = isLiteGraph(raw.step) ? await createVsrCpu(liteNetOrt(ctx.ort), raw, opts) : await createVsrCpu(ctx.ort, withConvBase(raw), opts);
  const seq = vsr.sequence(W, H, { maxTile: req.maxTile ?? 512, overlap: req.overlap });
  const img = (i: number) => fromRgba8(rgba[Math.max(0, Math.min(req.length - 1, i))].data, W, H);
  const outs: Uint8ClampedArray[] = [];
  for (let i = req.from; i < req.to; i++) {
    const out = await seq.step(img(i - 1), img(i), img(i + 1));
    outs.push(new Uint8ClampedArray(packRgba8(out.data, out.width * out.height).buffer));
  }
  await vsr.release();
  return outs;
}

const jitter = (k: number) => new Promise((r) => setTimeout(r, (k * 7919) % 23));

async function overlapped(rgba: RgbaFrame[], req: Omit<VsrRunRequest, 'width' | 'height'>, opts: { failAt?: number; badFrame?: number } = {}) {
  const outs = new Map<number, Uint8ClampedArray>();
  let k = 0;
  let afterEnd = 0;
  let ended = false;
  const r = runVsrJob(
    { ...req, width: W, height: H, cpu: true },
    async (i) => {
      await jitter(k++);
      if (i === opts.badFrame) throw new Error(`frame ${i + 1} could not be decoded`);
      return rgba[i];
    },
    async (i, out) => {
      if (ended) afterEnd++;
      await jitter(k++);
      if (i === opts.failAt) throw new Error('the export worker stopped');
      outs.set(i, out.data.slice());
    },
  );
  try {
    return { r: await r, outs };
  } finally {
    ended = true;
    // Give any late hand-over a chance to show itself.
    await new Promise((res) => setTimeout(res, 200));
    if (afterEnd > 0) throw new Error(`${afterEnd} frame(s) were handed over after the run ended`);
  }
}

const same = (a: Uint8ClampedArray | undefined, b: Uint8ClampedArray) => !!a && a.length === b.length && a.every((v, i) => v === b[i]);

export const browserTests: GpuTest[] = [
  {
    name: 'vsr pipeline: the overlapped CPU run = the one-at-a-time run before it, RGBA bytes identical (whole clip, clip cut short, resumed, 4 tiles); errors surface',
    async run(ctx) {
      setModelsBase('/models/');
      const rgba = await clip(ctx);
      const parts: { pass: boolean; detail: string }[] = [];
      const cases: { label: string; req: { from: number; to: number; length: number; emitFrom?: number; maxTile?: number; overlap?: number } }[] = [
        { label: `frames 0–${N - 1} of ${N}`, req: { from: 0, to: N, length: N } },
        { label: `frames 0–4 of ${N} (the last step's next is frame 5)`, req: { from: 0, to: 5, length: N } },
        { label: 'resumed: frames 1–6 warmed from 1, delivered from 3', req: { from: 1, to: 7, length: N, emitFrom: 3 } },
        { label: '4 tiles (32 px, overlap 8)', req: { from: 0, to: 4, length: N, maxTile: 32, overlap: 8 } },
      ];
      for (const c of cases) {
        const want = await reference(ctx, rgba, c.req);
        const { r, outs } = await overlapped(rgba, c.req);
        const emitFrom = c.req.emitFrom ?? c.req.from;
        const indices = Array.from({ length: c.req.to - emitFrom }, (_, j) => emitFrom + j);
        const equal = indices.filter((i) => same(outs.get(i), want[i - c.req.from])).length;
        parts.push({
          // The shipped vsr is a lite graph: the run must have used the project's kernels, as the app does.
          pass: r.backend === 'wasm' && !!r.kernels?.startsWith('own wasm kernels') && r.done === indices.length && equal === indices.length && outs.size === indices.length,
          detail: `${c.label}: ${equal}/${indices.length} frames byte-identical (${r.backend}, ${r.kernels ?? '?'}, ${r.tiles} tile(s), ${Math.round(r.ms)} ms)`,
        });
      }
      // A lite net makes no base ahead: the run's runner ('ahead') and Live's are one net, one memory.
      const shared = (await cpuRunner('vsr', undefined, { ahead: true })) === (await cpuRunner('vsr'));
      parts.push({ pass: shared, detail: `the run's and Live's CPU runners of the lite vsr are ${shared ? 'one' : 'two separate nets'}` });
      try {
        const { r } = await overlapped(rgba, { from: 0, to: N, length: N }, { failAt: 3 });
        parts.push({ pass: false, detail: `a failing consumer was not reported (done ${r.done})` });
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        parts.push({ pass: m === 'the export worker stopped', detail: `consumer fails at frame 3 → the run rejects: "${m}"` });
      }
      try {
        await overlapped(rgba, { from: 0, to: N, length: N }, { badFrame: 5 });
        parts.push({ pass: false, detail: 'a frame that could not be decoded was not reported' });
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        parts.push({ pass: m === 'frame 6 could not be decoded', detail: `frame 5 undecodable → the run rejects: "${m}"` });
      }
      return { pass: parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
    },
  },
];
