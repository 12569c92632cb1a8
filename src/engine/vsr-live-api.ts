/**
 * Engine-worker methods of Live mode (spread into engineApi): one VSR sequence kept open between
 * calls and stepped one frame at a time, at whichever frame index the caller's player wants next.
 *
 * A run (vsr-api.ts) walks frames [from, to) in order and owns its loop; live play cannot: when the
 * engine falls behind the clip's clock the player skips frames, and it decides per step whether the
 * recurrent state carries over or starts again (app/upscale/live/live-policy.ts). So here the
 * caller drives: `vsrLiveOpen` picks the side (the engine's plan, as a run does), loads the net
 * and opens a sequence; each `vsrLiveStep(id, index, reset)` fetches frames index−1, index, index+1
 * (the clip's ends repeating themselves) through the `getFrame` proxy — keeping the three of the last
 * step, so an unbroken run of indices fetches one new frame a step — and returns the ×scale frame
 * (transferred); `reset` starts a new sequence first (all states zero). `vsrLiveClose` waits for a
 * step in flight, frees the states and frames, and releases the proxy.
 */
import * as Comlink from 'comlink';
import { webgpuDevice } from '../gpu/device';
import type { RgbaFrame } from '../core/frame';
import { fromRgba8, packRgba8 } from '../core/pixels';
import type { ImageF32 } from '../core/image';
import type { LoadProgress } from '../models/manifest';
import { readRgba, uploadRgba, type VsrGpuSequence } from '../pipeline/vsr/vsr-gpu';
import type { VsrCpuSequence } from '../pipeline/vsr/vsr-cpu';
import { upscaleSizeProblem, VSR_DEFAULT_TILE } from '../pipeline/vsr/vsr-common';
import { cpuRunner, describeVsr, gpuRunner, vsrSide } from './vsr-api';
import { FrameWindow, neighbours } from './frame-window';

export interface VsrLiveRequest {
  /** Manifest key of the VSR model (default 'vsr'), or the id of a model the user brought. */
  model?: string;
  /** LR size of every frame getFrame returns. */
  width: number;
  height: number;
  /** Frames in the clip: frame length−1's `next` is itself, frame 0's `prev` is itself. */
  length: number;
  maxTile?: number;
  /** Run on the CPU path even where WebGPU is up (else the engine's plan decides, as for a run). */
  cpu?: boolean;
}

export interface VsrLiveInfo {
  liveId: number;
  backend: 'webgpu' | 'wasm';
  tiles: number;
  modelId: string;
  trained: boolean;
  /** Whether the net carries a state (false: a single-frame model the user brought). */
  recurrent: boolean;
  /** Output size (the net's own scale). */
  width: number;
  height: number;
}

export interface VsrLiveFrame {
  frame: RgbaFrame;
  /** Milliseconds in the engine: frames fetched, step, readback. */
  ms: number;
  /** Of `ms`, waiting for the step's frames (the page's getFrame: decode, crop, the hop between threads). */
  fetchMs: number;
}

interface LiveSession {
  info: VsrLiveInfo;
  /** The ×scale frame, and the milliseconds spent waiting for its input frames. */
  step(index: number, reset: boolean): Promise<{ data: Uint8ClampedArray<ArrayBuffer>; fetchMs: number }>;
  dispose(): void;
  /** The step in flight (close waits for it). */
  inflight: Promise<unknown> | null;
  release(): void;
}

const sessions = new Map<number, LiveSession>();
let nextLive = 1;

function checkLiveRequest(r: VsrLiveRequest): void {
  if (![r.width, r.height, r.length].every((v) => Number.isInteger(v) && v >= 1)) {
    throw new RangeError(`live VSR: frame size and clip length must be positive integers (got ${r.width}×${r.height}, ${r.length} frames)`);
  }
}

/** prev, cur, next of a step: a single-frame net's one frame stands for all three (it reads cur alone). */
function triple<F>(f: F[]): [F, F, F] {
  return f.length === 3 ? [f[0], f[1], f[2]] : [f[0], f[0], f[0]];
}

async function openLive(req: VsrLiveRequest, getFrame: (i: number) => Promise<RgbaFrame>, onLoad?: LoadProgress): Promise<LiveSession> {
  checkLiveRequest(req);
  const model = req.model ?? 'vsr';
  const { width: w, height: h, length } = req;
  const described = await describeVsr(model);
  const s = described.scale;
  const tooBig = upscaleSizeProblem(w, h, s);
  if (tooBig) throw new RangeError(`Cannot play live: ${tooBig.message}. Choose a smaller region.`);
  const recurrent = described.frames !== 'single';
  const W = s * w;
  const H = s * h;
  const fetchChecked = async (i: number): Promise<RgbaFrame> => {
    const f = await getFrame(i);
    if (f.width !== w || f.height !== h) throw new RangeError(`frame ${i} is ${f.width}×${f.height}, live play ${w}×${h}`);
    return f;
  };
  const inRange = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= length) throw new RangeError(`live VSR: frame ${i} is not in a clip of ${length}`);
  };
  const side = await vsrSide(model, req.cpu, onLoad);
  const base = { liveId: nextLive++, modelId: model, recurrent, width: W, height: H };

  if (side === 'webgpu') {
    const device = await webgpuDevice();
    const vsr = await gpuRunner(device, model, onLoad);
    const open = () => vsr.sequence(w, h, { maxTile: req.maxTile });
    let seq: VsrGpuSequence = open();
    const win = new FrameWindow<GPUBuffer>(
      async (i) => uploadRgba(device, (await fetchChecked(i)).data, w, h),
      (b) => b.destroy(),
    );
    return {
      info: { ...base, backend: 'webgpu', tiles: seq.plan.tiles.length, trained: vsr.model.trained },
      inflight: null,
      async step(i, reset) {
        inRange(i);
        if (reset && recurrent) {
          seq.dispose();
          seq = open();
        }
        const t0 = performance.now();
        const [p, c, n] = triple(await win.frames(neighbours(i, length, recurrent)));
        const fetchMs = performance.now() - t0;
        const out = await seq.step(p, c, n);
        try {
          return { data: await readRgba(device, out, W, H), fetchMs };
        } finally {
          out.destroy();
        }
      },
      dispose() {
        seq.dispose();
        win.clear();
      },
      release: () => undefined,
    };
  }

  const vsr = await cpuRunner(model, onLoad);
  const open = () => vsr.sequence(w, h, { maxTile: req.maxTile ?? VSR_DEFAULT_TILE });
  let seq: VsrCpuSequence = open();
  const win = new FrameWindow<ImageF32>(
    async (i) => {
      const f = await fetchChecked(i);
      return fromRgba8(f.data, w, h);
    },
    () => undefined,
  );
  return {
    info: { ...base, backend: 'wasm', tiles: seq.plan.tiles.length, trained: vsr.model.trained },
    inflight: null,
    async step(i, reset) {
      inRange(i);
      if (reset && recurrent) seq = open();
      const t0 = performance.now();
      const [p, c, n] = triple(await win.frames(neighbours(i, length, recurrent)));
      const fetchMs = performance.now() - t0;
      const out = await seq.step(p, c, n);
      const words = packRgba8(out.data, out.width * out.height);
      return { data: new Uint8ClampedArray(words.buffer as ArrayBuffer), fetchMs };
    },
    dispose: () => win.clear(),
    release: () => undefined,
  };
}

function session(liveId: number): LiveSession {
  const s = sessions.get(liveId);
  if (!s) throw new Error(`live VSR session ${liveId} is not open (closed, or the engine restarted)`);
  return s;
}

/** A comlink proxy's port is freed when the session ends (a plain function has nothing to free). */
function releaseProxy(f: unknown): void {
  const release = (f as { [Comlink.releaseProxy]?: unknown } | null)?.[Comlink.releaseProxy];
  if (typeof release === 'function') (release as () => void)();
}

export const vsrLiveApi = {
  /**
   * Open a live session over a clip of `length` frames of width×height LR (see VsrLiveRequest).
   * `getFrame(i)` returns LR frame i and is kept until vsrLiveClose.
   */
  async vsrLiveOpen(req: VsrLiveRequest, getFrame: (i: number) => Promise<RgbaFrame>, onLoad?: LoadProgress): Promise<VsrLiveInfo> {
    let s: LiveSession;
    try {
      s = await openLive(req, getFrame, onLoad);
    } catch (e) {
      releaseProxy(getFrame);
      throw e;
    }
    s.release = () => releaseProxy(getFrame);
    sessions.set(s.info.liveId, s);
    return s.info;
  },

  /**
   * Upscale frame `index` of session `liveId`; `reset` starts a new sequence first (zero state).
   * One step at a time per session.
   */
  async vsrLiveStep(liveId: number, index: number, reset: boolean): Promise<VsrLiveFrame> {
    const s = session(liveId);
    if (s.inflight) throw new Error(`live VSR session ${liveId}: a step is already in flight`);
    const t0 = performance.now();
    const p = s.step(index, reset);
    s.inflight = p;
    try {
      const { data, fetchMs } = await p;
      const frame: RgbaFrame = { width: s.info.width, height: s.info.height, data };
      return Comlink.transfer({ frame, ms: performance.now() - t0, fetchMs }, [data.buffer]);
    } finally {
      s.inflight = null;
    }
  },

  /** End session `liveId` (after its step in flight), freeing its states, frames and getFrame proxy. */
  async vsrLiveClose(liveId: number): Promise<void> {
    const s = sessions.get(liveId);
    if (!s) return;
    sessions.delete(liveId);
    await s.inflight?.catch(() => undefined);
    try {
      s.dispose();
    } finally {
      s.release();
    }
  },

  /** Live sessions open in this engine (0 once every player has stopped). */
  async vsrLiveSessions(): Promise<number> {
    return sessions.size;
  },
};
