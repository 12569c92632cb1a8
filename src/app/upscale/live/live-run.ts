/**
 * Live mode, outside React: play the open clip with the VSR net on the fly. The player loop
 * (live-player.ts) runs on the page's clock; each frame it wants goes to a live session in the
 * engine worker (engine/vsr-live-api.ts), which pulls the LR frames it lacks from the frame cache
 * (cropped to the Upscale tab's region) through a comlink proxy.
 *
 * One player at a time. Stop ends it after the frame in flight and closes the engine session
 * (states, frames and the proxy freed) before the store says 'idle', so a new start — or an
 * ordinary Upscale run — finds the engine as before. A change of model, region or tile while
 * playing restarts the player at the frame it had reached; an Upscale run starting stops it.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { EngineLostError, getEngine, isFatalEngineError, restartEngine, type EngineHandle } from '../../../engine/engine-client';
import type { VsrLiveInfo } from '../../../engine/vsr-live-api';
import type { RgbaFrame } from '../../../core/frame';
import { useApp } from '../../../state/store';
import { useView } from '../../../state/view-state';
import { currentSourceId, getFrame } from '../../frame-source';
import { cropRgba, isBusy, regionBox, useUpscale } from '../upscale-run';
import { playLive, realClock, type LiveStats } from './live-player';

export type LiveStatus = 'idle' | 'starting' | 'playing' | 'stopping' | 'error';

interface LiveStore {
  status: LiveStatus;
  /** The latest upscaled frame. */
  frame: RgbaFrame | null;
  stats: LiveStats | null;
  /** The engine session: side, tiles, model, output size. */
  info: VsrLiveInfo | null;
  /** Milliseconds the latest step took inside the engine (frames fetched, net, readback). */
  engineMs: number | null;
  /** Of engineMs, waiting for the step's input frames (decode, crop, the hop to the engine). */
  fetchMs: number | null;
  /** The LR region played (whole frame or a centred window), and the frame's size. */
  region: { w: number; h: number; of: { w: number; h: number } } | null;
  message: string | null;
  load: { file: string; loaded: number; total: number } | null;
  /** After the clip's last frame, go on from its first. */
  loop: boolean;
  setLoop: (loop: boolean) => void;
}

export const useLive = create<LiveStore>((set) => ({
  status: 'idle',
  frame: null,
  stats: null,
  info: null,
  engineMs: null,
  fetchMs: null,
  region: null,
  message: null,
  load: null,
  loop: true,
  setLoop: (loop) => set({ loop }),
}));

/** The player in flight: stop asks it to end; done settles once the engine session is closed. */
interface Player {
  stop: boolean;
  done: Promise<void>;
}

let player: Player | null = null;

export function isLiveActive(s: LiveStatus = useLive.getState().status): boolean {
  return s === 'starting' || s === 'playing' || s === 'stopping';
}

/** Frames of the decode cache ahead of the one asked for: the next chunk decodes while this one plays. */
const PREFETCH_AHEAD = 12;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why live play cannot start now, or null. */
export function liveUnavailable(): string | null {
  const source = useApp.getState().source;
  if (!source) return 'Open a clip to play it live.';
  if (source.isImage) return 'Live mode plays a clip; this is a still image.';
  if (isBusy(useUpscale.getState().status)) return 'An Upscale run is in progress.';
  return null;
}

/** Start playing from the shown frame (or `startAt`); waits for a player still stopping. */
export async function startLive(startAt?: number): Promise<void> {
  if (player && !player.stop) return;
  if (player) await player.done;
  const why = liveUnavailable();
  if (why) {
    useLive.setState({ message: why });
    return;
  }
  let finished!: () => void;
  const p: Player = { stop: false, done: new Promise((r) => (finished = r)) };
  player = p;
  try {
    await play(p, startAt);
  } finally {
    if (player === p) player = null;
    finished();
  }
}

/** Stop after the frame in flight; resolves when the engine session is closed. */
export async function stopLive(): Promise<void> {
  const p = player;
  if (!p) return;
  if (!p.stop) {
    p.stop = true;
    useLive.setState({ status: 'stopping', message: 'Stopping after the frame in flight…' });
  }
  await p.done;
}

export function toggleLive(): void {
  if (player && !player.stop) void stopLive();
  else void startLive();
}

/** Stop and start again at the frame reached (a new model, region or tile). */
async function restartLive(): Promise<void> {
  if (!player || player.stop) return;
  const at = useLive.getState().stats?.index;
  await stopLive();
  await startLive(at);
}

async function play(p: Player, startAt?: number): Promise<void> {
  const source = useApp.getState().source!;
  const { region, tile } = useUpscale.getState().settings;
  const model = useView.getState().vsrModel;
  const loop = useLive.getState().loop;
  const n = source.frameCount;
  const first = Math.max(0, Math.min(n - 1, Math.round(startAt ?? useApp.getState().frameIndex)));
  useLive.setState({ status: 'starting', frame: null, stats: null, info: null, engineMs: null, fetchMs: null, region: null, load: null, message: null });
  let engine: EngineHandle | null = null;
  let info: VsrLiveInfo | null = null;
  let lastIndex: number | null = null;
  try {
    engine = await getEngine();
    const f0 = await getFrame(first);
    const box = regionBox(region, f0.width, f0.height);
    useLive.setState({ region: { w: box.w, h: box.h, of: { w: f0.width, h: f0.height } } });
    const getLr = Comlink.proxy(async (i: number): Promise<RgbaFrame> => {
      const f = cropRgba(await getFrame(i), box);
      if (i + PREFETCH_AHEAD < n) void getFrame(i + PREFETCH_AHEAD).catch(() => undefined);
      return f;
    });
    const onLoad = Comlink.proxy((l: { file: string; loaded: number; total: number }) => useLive.setState({ load: l.loaded < l.total ? l : null }));
    info = await engine.api.vsrLiveOpen({ model, width: box.w, height: box.h, length: n, maxTile: tile ?? undefined }, getLr, onLoad);
    const liveId = info.liveId;
    const eng = engine;
    let engineMs = 0;
    let fetchMs = 0;
    useLive.setState({ info, load: null });
    if (p.stop) return;
    useLive.setState({ status: 'playing' });
    const stats = await playLive({
      clock: realClock,
      fps: source.fps,
      frameCount: n,
      startAt: first,
      loop,
      step: async (i, reset) => {
        const r = await eng.api.vsrLiveStep(liveId, i, reset);
        engineMs = r.ms;
        fetchMs = r.fetchMs;
        return r.frame;
      },
      onFrame: (frame, s) => {
        lastIndex = s.index;
        useLive.setState({ frame, stats: s, engineMs, fetchMs });
      },
      stopped: () => p.stop,
    });
    useLive.setState({ stats });
  } catch (e) {
    const lost = e instanceof EngineLostError;
    if (!lost && isFatalEngineError(e)) restartEngine(`the engine failed: ${message(e)}`);
    useLive.setState({ status: 'error', message: `Live play stopped: ${message(e)}${lost ? ' — the engine restarted; Start again.' : ''}` });
    info = lost ? null : info; // a lost engine took its sessions with it
    return;
  } finally {
    if (info && engine) await engine.api.vsrLiveClose(info.liveId).catch(() => undefined);
    // Leave the app at the frame the player reached (the scrubber, the other tabs).
    if (lastIndex !== null && useApp.getState().source === source) useApp.getState().setFrameIndex(lastIndex);
    if (useLive.getState().status !== 'error') useLive.setState({ status: 'idle', message: null, load: null });
  }
}

/**
 * While mounted (LiveView): a new model, region or tile restarts the player; an Upscale run
 * starting, or another file opening, stops it. Returns the unsubscribe.
 */
export function watchLiveSettings(): () => void {
  const offUpscale = useUpscale.subscribe((s, prev) => {
    if (!isLiveActive()) return;
    if (isBusy(s.status) && !isBusy(prev.status)) void stopLive();
    else if (s.settings.region !== prev.settings.region || s.settings.tile !== prev.settings.tile) void restartLive();
  });
  const offView = useView.subscribe((s, prev) => {
    if (s.vsrModel !== prev.vsrModel && isLiveActive()) void restartLive();
  });
  // By the source's identity: the store's source object also changes when the decoder corrects the
  // frame count of the same file, which the player takes in its stride (frames are clamped).
  let sourceId = currentSourceId();
  const offApp = useApp.subscribe(() => {
    const id = currentSourceId();
    if (id === sourceId) return;
    sourceId = id;
    if (isLiveActive()) void stopLive();
  });
  return () => {
    offUpscale();
    offView();
    offApp();
  };
}
