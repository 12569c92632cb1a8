/**
 * The 'vsr' variant for the compare and blind views: VSR ×4 of the degraded LR ('lr' variant) at
 * frame i, with the recurrent state warmed up on the WARMUP frames before it (and frame i+1 as its
 * next neighbour), as a run over the clip would have it. The latest few results are cached.
 */
import * as Comlink from 'comlink';
import { getEngine } from '../../engine/engine-client';
import type { VsrFrame } from '../../engine/vsr-api';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { useView } from '../../state/view-state';
import { currentSourceId } from '../frame-source';
import { registerVariant, renderVariant } from '../variants';
import type { RgbaFrame } from '../FrameCanvas';

/** Frames run before frame i so its state is not the cold start. */
export const WARMUP = 2;
const CACHE_MAX = 6;
const cache = new Map<string, Promise<RgbaFrame>>();

function make(i: number, signal?: AbortSignal): Promise<RgbaFrame> {
  const source = useApp.getState().source;
  if (!source) return Promise.reject(new Error('no source open'));
  const model = useView.getState().vsrModel;
  const key = `${currentSourceId()}#${i}|${model}|${JSON.stringify(usePipeline.getState().params)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const p = (async () => {
    const engine = await getEngine();
    const from = Math.max(0, i - WARMUP);
    const first = await renderVariant('lr', from, signal);
    let result: RgbaFrame | null = null;
    const cancel = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    signal?.addEventListener('abort', () => cancel && Atomics.store(cancel, 0, 1), { once: true });
    await engine.api.vsrRun(
      { model, width: first.width, height: first.height, from, to: i + 1, emitFrom: i, length: source.frameCount },
      Comlink.proxy(async (j: number): Promise<VsrFrame> => renderVariant('lr', j, signal)),
      Comlink.proxy((_j: number, out: VsrFrame) => void (result = out)),
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

registerVariant('vsr', make);
