/**
 * The VSR variants for the compare and blind views, one per VSR model of the manifest and per
 * model the user brought ('vsr:<model id>'): the net's output of the degraded LR ('lr' variant) at
 * frame i, with a recurrent net's state warmed up on the WARMUP frames before it (and frame i+1 as
 * its next neighbour), as a run over the clip would have it. The latest few results are cached. The model list comes from the
 * engine once it is up (app/model-list.ts → state/models-store.ts), so every model the manifest
 * lists is offered.
 */
import * as Comlink from 'comlink';
import { getEngine } from '../../engine/engine-client';
import { useApp } from '../../state/store';
import { useModels } from '../../state/models-store';
import { usePipeline } from '../../state/params-store';
import { vsrVariant } from '../../state/view-state';
import { currentSourceId } from '../frame-source';
import { registerVariant, renderVariant } from '../variants';
import type { RgbaFrame } from '../../core/frame';

/** Frames run before frame i so its state is not the cold start. */
export const WARMUP = 2;
const CACHE_MAX = 6;
const cache = new Map<string, Promise<RgbaFrame>>();

function make(model: string, i: number, signal?: AbortSignal): Promise<RgbaFrame> {
  const source = useApp.getState().source;
  if (!source) return Promise.reject(new Error('no source open'));
  const key = `${currentSourceId()}#${i}|${model}|${JSON.stringify(usePipeline.getState().params)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = (async () => {
    const engine = await getEngine();
    // A single-frame net (a model the user brought) has no state to warm up.
    const single = useModels.getState().vsr.find((m) => m.id === model)?.frames === 'single';
    const from = single ? i : Math.max(0, i - WARMUP);
    const first = await renderVariant('lr', from, signal);
    let result: RgbaFrame | null = null;
    const cancel = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    signal?.addEventListener('abort', () => cancel && Atomics.store(cancel, 0, 1), { once: true });
    await engine.api.vsrRun(
      { model, width: first.width, height: first.height, from, to: i + 1, emitFrom: i, length: source.frameCount },
      Comlink.proxy(async (j: number): Promise<RgbaFrame> => renderVariant('lr', j, signal)),
      Comlink.proxy((_j: number, out: RgbaFrame) => void (result = out)),
      cancel,
    );
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    if (!result) throw new Error('the VSR run produced no frame');
    return result as RgbaFrame;
  })();
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  return p;
}

/** A variant for every VSR model of the engine's manifest, as the list arrives. */
function registerAll(models: readonly { id: string }[]): void {
  for (const m of models) registerVariant(vsrVariant(m.id), (i, signal) => make(m.id, i, signal));
}
registerAll(useModels.getState().vsr);
useModels.subscribe((s, prev) => s.vsr !== prev.vsr && registerAll(s.vsr));
