/**
 * UI side of the degradation pipeline: asks the engine worker for the GPU (or
 * CPU fallback) stages on a small window of frames around the one shown, runs
 * the FFmpeg stage on that window in the media worker (so P/B-frame artefacts
 * appear as they would in the clip), and caches results by (source, frame,
 * params). Registers the 'lr' and 'bicubic' variants for the compare views.
 */
import * as Comlink from 'comlink';
import type { PipelineParams } from '../../pipeline/params';
import type { StageTimes } from '../../pipeline/stages';
import type { DegradeProgress } from '../../engine/degrade-api';
import { getEngine } from '../../engine/engine-client';
import { getMedia } from '../../media/media-client';
import { currentSourceId, getFrame } from '../frame-source';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { registerVariant } from '../variants';
import type { RgbaFrame } from '../../core/frame';
import { fromRgba8, rgb24ToRgba, toRgba8 } from '../../core/pixels';
import { resizeCpu } from '../../pipeline/resize/resize-cpu';

export interface LrResult {
  index: number;
  frame: RgbaFrame;
  /** Per-frame stages summed over the window's frames; `compress` is the codec round trip of the window. */
  times: StageTimes;
  backend: 'webgpu' | 'wasm';
  /** Encoded size of the codec window and its frame count (undefined without a codec). */
  encodedBytes?: number;
  windowFrames: number;
}

/** Frames each side of the shown one that go through the codec with it. */
export const CODEC_HALF_WINDOW = 2;

const cache = new Map<string, Promise<LrResult>>();
const CACHE_MAX = 24;

function cacheKey(index: number, p: PipelineParams): string {
  return `${currentSourceId()}#${index}|${JSON.stringify(p)}`;
}

export function degradeFrame(index: number, params: PipelineParams, onProgress?: (p: DegradeProgress) => void): Promise<LrResult> {
  const key = cacheKey(index, params);
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  hit = run(index, params, onProgress);
  cache.set(key, hit);
  hit.catch(() => cache.delete(key));
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  return hit;
}

async function run(index: number, params: PipelineParams, onProgress?: (p: DegradeProgress) => void): Promise<LrResult> {
  const source = useApp.getState().source;
  if (!source) throw new Error('no source open');
  const useCodec = params.compress.codec !== 'none' && !source.isImage;
  const lo = useCodec ? Math.max(0, index - CODEC_HALF_WINDOW) : index;
  const hi = useCodec ? Math.min(source.frameCount - 1, index + CODEC_HALF_WINDOW) : index;
  const sid = currentSourceId();
  const inputs = [];
  for (let i = lo; i <= hi; i++) {
    const f = await getFrame(i);
    inputs.push({ ...f, key: `${sid}#${i}`, index: i });
  }
  const engine = await getEngine();
  const res = await engine.api.degradeFrames(inputs, params, { timing: true }, onProgress ? Comlink.proxy(onProgress) : undefined);
  const pick = index - lo;
  if (!useCodec) {
    const f = res.frames[pick];
    return { index, frame: f, times: res.times, backend: res.backend, windowFrames: 1 };
  }
  const media = await getMedia();
  const t0 = performance.now();
  const c = params.compress;
  const rt = await media.roundTrip(
    res.frames,
    { codec: c.codec as Exclude<typeof c.codec, 'none'>, crf: c.crf, qscale: c.qscale, profile: c.profile, fps: c.fps, transfer: true },
  );
  const codecMs = performance.now() - t0;
  return {
    index,
    frame: { width: rt.width, height: rt.height, data: rgb24ToRgba(rt.frames[pick]) },
    times: { ...res.times, compress: codecMs },
    backend: res.backend,
    encodedBytes: rt.bytes,
    windowFrames: res.frames.length,
  };
}

/** Bicubic back up to the source size: the classic baseline next to VSR output. */
export async function bicubicUp(lr: RgbaFrame, width: number, height: number): Promise<RgbaFrame> {
  const img = resizeCpu(fromRgba8(lr.data, lr.width, lr.height), width, height, 'bicubic');
  return { width, height, data: toRgba8(img) };
}

registerVariant('lr', async (i) => (await degradeFrame(i, usePipeline.getState().params)).frame);
registerVariant('bicubic', async (i) => {
  const src = useApp.getState().source;
  const lr = (await degradeFrame(i, usePipeline.getState().params)).frame;
  return bicubicUp(lr, src?.width ?? lr.width * 4, src?.height ?? lr.height * 4);
});
