/**
 * `--model auto` in Node: probe the clip's first LR frames (input-probe.ts), pick the routed VSR
 * net of the manifest with the highest score, and run it over the clip, the probed frames
 * included. The frames are buffered, not decoded twice, so a streamed video is read once; the
 * probe sees the first PROBE_FRAMES frames of the net's input (after enhance's ×1/4, where it
 * applies), which is the input the choice is about.
 */
import type { ImageF32 } from '../../core/image.ts';
import { ModelFileError } from '../../models/manifest.ts';
import { PROBE_FRAMES, pickModel, probeImages, type AutoPick } from './input-probe.ts';
import { ensembleSequence, type EnsembleSize } from './self-ensemble.ts';
import type { VsrTileOptions } from './vsr-common.ts';
import { upscaleClipCpu } from './vsr-cpu.ts';
import { createVsrNode, listVsrModels, type VsrNode } from './vsr-node.ts';

/** The manifest's routed models, or ModelFileError saying why auto cannot choose there. */
export async function routedModels(modelsDir?: string): Promise<string[]> {
  const models = await listVsrModels(modelsDir);
  const routed = models.filter((m) => m.route);
  if (routed.length < 2) {
    throw new ModelFileError(
      `--model auto needs two or more VSR models with a route in the manifest (fitted by training/fit_router.ts); ` +
        `${modelsDir ?? 'public/models'} has ${routed.length ? routed.map((m) => m.id).join(', ') : 'none'}` +
        ` (its VSR models: ${models.map((m) => m.id).join(', ') || 'none'})`,
    );
  }
  return routed.map((m) => m.id);
}

/**
 * Upscale `lr` (frames of width×height) with the net auto picks from its first frames; `onPick`
 * hears which one before the first frame comes out.
 */
export async function* upscaleClipAuto(
  lr: AsyncIterable<ImageF32>,
  width: number,
  height: number,
  opts: { modelsDir?: string; threads?: number; tile?: VsrTileOptions; ensemble?: EnsembleSize; onPick?: (pick: AutoPick, vsr: VsrNode) => void },
): AsyncGenerator<ImageF32> {
  const it = lr[Symbol.asyncIterator]();
  const head: ImageF32[] = [];
  let done = false;
  while (head.length < PROBE_FRAMES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
  }
  if (!head.length) return;
  const models = await listVsrModels(opts.modelsDir);
  const pick = pickModel(models, probeImages(head));
  if (!pick) await routedModels(opts.modelsDir); // throws the message saying why
  const vsr = await createVsrNode({ modelsDir: opts.modelsDir, modelId: pick!.id, threads: opts.threads });
  opts.onPick?.(pick!, vsr);
  async function* replay(): AsyncGenerator<ImageF32> {
    yield* head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  yield* upscaleClipCpu(ensembleSequence((w, h) => vsr.sequence(w, h, opts.tile), width, height, opts.ensemble ?? 1), replay());
}
