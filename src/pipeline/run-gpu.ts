/**
 * The degradation pipeline on the GPU: the per-frame stages of stages.ts in their order (each
 * stage's GPU runner, loaded once), then Quantise + pack to RGBA8 (convert.wgsl, the one rounding
 * rule of core/pixels.ts), with every intermediate kept in GPU memory and cached per stage:
 * changing a slider re-runs only the stages after it (a stage's cache key is its input's key plus
 * the stage's `key(params)`; a stage the params leave idle passes its input through). The FFmpeg
 * stage runs afterwards in the media worker, on the uint8 frames this returns.
 */
import type { RgbaFrame } from '../core/frame';
import { fromRgba8, wordsToFrame } from '../core/pixels';
import type { PipelineParams } from './params';
import { ownedFrame, type GpuEnv, type GpuFrame, type GpuStage } from './stage';
import { FRAME_STAGES, type StageName, type StageTimes } from './stages';
import { inputKey, stageChain, type DegradeFrameInput } from './stage-keys';
import { runConvert } from '../gpu/convert-gpu';
import { readU32, uploadBuffer } from '../gpu/webgpu';
import type { LoadProgress } from '../models/manifest';

/** A small LRU per stage: a codec window of a few frames stays cached while sliders move. */
class StageCache {
  private m = new Map<string, GpuFrame>();
  constructor(private cap: number) {}
  get(k: string): GpuFrame | undefined {
    const v = this.m.get(k);
    if (v) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: GpuFrame): void {
    this.m.set(k, v);
    while (this.m.size > this.cap) {
      const [oldK, old] = this.m.entries().next().value as [string, GpuFrame];
      this.m.delete(oldK);
      old.release();
    }
  }
  clear(): void {
    for (const v of this.m.values()) v.release();
    this.m.clear();
  }
}

export type { DegradeFrameInput } from './stage-keys';

export interface GpuRunOptions {
  /** Per-stage ms, added to (adds a sync per stage). */
  times?: StageTimes;
  onProgress?: LoadProgress;
  /** Awaited before each stage that has to run; may throw to stop the run (a newer preview superseded it). */
  between?: () => Promise<void>;
  /** Gets the name of every stage whose output came from the cache. */
  reused?: Set<StageName>;
}

export class GpuDegrader {
  private runners = new Map<StageName, Promise<GpuStage>>();
  private input: StageCache;
  private caches = new Map<StageName, StageCache>();

  constructor(
    private env: GpuEnv,
    private cacheFrames = 8,
  ) {
    this.input = new StageCache(cacheFrames);
  }

  private runner(stage: (typeof FRAME_STAGES)[number]): Promise<GpuStage> {
    let r = this.runners.get(stage.name);
    if (!r) {
      r = stage.gpu(this.env);
      r.catch(() => this.runners.delete(stage.name));
      this.runners.set(stage.name, r);
    }
    return r;
  }

  private cache(name: StageName): StageCache {
    let c = this.caches.get(name);
    if (!c) this.caches.set(name, (c = new StageCache(this.cacheFrames)));
    return c;
  }

  /** Runs the GPU stages for one frame (see GpuRunOptions). */
  async run(frame: DegradeFrameInput, p: PipelineParams, o: GpuRunOptions = {}): Promise<RgbaFrame> {
    const { times, onProgress, between, reused } = o;
    const d = this.env.device;
    let t = performance.now();
    const tick = async (s: keyof StageTimes) => {
      if (!times) return;
      await d.queue.onSubmittedWorkDone();
      const now = performance.now();
      times[s] = (times[s] ?? 0) + (now - t);
      t = now;
    };

    // RGBA8 → planar f32 on the CPU (one pass), uploaded once per frame key.
    const key = inputKey(frame);
    let cur = this.input.get(key);
    if (!cur) {
      cur = ownedFrame(uploadBuffer(d, fromRgba8(frame.data, frame.width, frame.height).data, undefined, 'degrade.input'), frame.width, frame.height);
      this.input.set(key, cur);
    }
    await tick('upload');

    for (const { stage, key: out } of stageChain(key, p, frame.index)) {
      const cache = this.cache(stage.name);
      let next = cache.get(out);
      if (!next) {
        await between?.();
        next = await (await this.runner(stage)).run(cur, p, frame.index, onProgress);
        cache.set(out, next);
      } else reused?.add(stage.name);
      cur = next;
      await tick(stage.name);
    }

    // Quantise to uint8 and pack RGBA in one kernel; the one readback of the chain.
    const packed = runConvert(d, { op: 'pack_rgba8', input: cur.buf, count: cur.w * cur.h });
    const words = await readU32(d, packed, cur.w * cur.h);
    packed.destroy();
    await tick('quantize');
    return wordsToFrame(words, cur.w, cur.h);
  }

  clear(): void {
    this.input.clear();
    for (const c of this.caches.values()) c.clear();
  }
}
