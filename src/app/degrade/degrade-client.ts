/**
 * UI side of the degradation pipeline: asks the engine worker for the GPU (or
 * CPU fallback) stages on a small window of frames around the one shown, runs
 * the FFmpeg stage on that window in the media worker (so P/B-frame artefacts
 * appear as they would in the clip), and caches results by (source, frame,
 * params). Registers the 'lr' and 'bicubic' variants for the compare views.
 */
import * as Comlink from 'comlink';
import type { PipelineParams } from '../../pipeline/params';
import type { StageName, StageTimes } from '../../pipeline/stages';
import type { DegradeProgress } from '../../engine/degrade-api';
import type { VqdPartTimes } from '../../pipeline/vqd/options';
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
  /** The VQD stage's parts on the CPU path (encoder, k-NN, decoder), summed over the window's frames. */
  vqdParts?: VqdPartTimes;
  /** Stages kept from an earlier run for every frame of the window (a later slider moved). */
  reused: StageName[];
  /** The engine's own time for the call, and the call as the UI saw it (the difference is messaging). */
  engineMs: number;
  callMs: number;
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

/** The Degrade tab's preview tickets (latest wins; see supersedePreviews). */
let lastTicket = 0;
/** Tickets below this were superseded: the codec round trip (not cancellable) is not started for them. */
let supersededBelow = 0;

/** A new preview ticket: pass it to degradeFrame, and to supersedePreviews when the sliders move on. */
export function nextPreviewTicket(): number {
  return ++lastTicket;
}

/**
 * The sliders moved on while a preview runs: the engine stops every preview call with a ticket
 * below `ticket` at its next stage boundary (its promise rejects; useLatest drops it unseen).
 */
export async function supersedePreviews(ticket: number): Promise<void> {
  supersededBelow = Math.max(supersededBelow, ticket);
  await (await getEngine()).api.supersedeDegrade(ticket);
}

/** Supersede every preview issued so far (the next ticket stays valid). */
export function supersedeRunningPreviews(): Promise<void> {
  return supersedePreviews(lastTicket + 1);
}

const SUPERSEDED = 'superseded by a newer preview';

/** True for the rejection of a preview call that a newer one superseded. */
export function isSuperseded(e: unknown): boolean {
  return e instanceof Error && e.message.includes(SUPERSEDED);
}

export function degradeFrame(index: number, params: PipelineParams, onProgress?: (p: DegradeProgress) => void, ticket?: number): Promise<LrResult> {
  const key = cacheKey(index, params);
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  hit = run(index, params, onProgress, ticket);
  // A preview (ticket) may be superseded: it enters the cache once it succeeded, so no other caller
  // (Compare, Explore) ever shares a run that can stop half way.
  if (ticket === undefined) remember(key, hit);
  else hit.then(() => remember(key, hit), () => undefined);
  return hit;
}

function remember(key: string, p: Promise<LrResult>): void {
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
}

async function run(index: number, params: PipelineParams, onProgress?: (p: DegradeProgress) => void, ticket?: number): Promise<LrResult> {
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
  const c0 = performance.now();
  const res = await engine.api.degradeFrames(inputs, params, { timing: true, ticket }, onProgress ? Comlink.proxy(onProgress) : undefined);
  const info = { vqdParts: res.vqdParts, reused: res.reused, engineMs: res.engineMs, callMs: performance.now() - c0, backend: res.backend };
  const pick = index - lo;
  if (!useCodec) {
    const f = res.frames[pick];
    return { index, frame: f, times: res.times, windowFrames: 1, ...info };
  }
  if (ticket !== undefined && ticket < supersededBelow) throw new Error(SUPERSEDED);
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
    ...info,
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
