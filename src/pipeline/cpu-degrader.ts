/**
 * The per-frame stages on the CPU path for the Degrade tab (the engine without WebGPU, or where the
 * CPU is the faster side): the same stage functions, order and quantisation as
 * run-cpu.ts's degradeFrameBeforeCodec — so the same pixels — with what a slider change does not
 * touch kept between runs, as GpuDegrader keeps it on the GPU:
 *  - each stage's output, under its chain key (stage-keys.ts): a change to stage S re-runs S and
 *    what follows, never what precedes it (a codec slider re-runs none of them);
 *  - what a stage keeps for itself through `CpuDeps.memo`: the Gaussian noise values of a frame
 *    (they do not depend on the image), the VQGAN encoder's latents of an image (a k slider then
 *    re-runs only the search and the decoder).
 * One least-recently-used store for all of it, bounded in bytes.
 */
import type { ImageF32 } from '../core/image';
import type { RgbaFrame } from '../core/frame';
import { frameOf, imageOf, quantizeImage } from '../core/pixels';
import type { PipelineParams } from './params';
import type { CpuDeps, CpuMemo } from './stage';
import { inputKey, stageChain, type DegradeFrameInput } from './stage-keys';
import type { StageName, StageTimes } from './stages';
import type { VqdPartTimes, VqdRunner } from './vqd/options';

/**
 * Default budget. The sample (480×270) keeps ~7.6 MB per frame and setting (HR blur and noise
 * outputs and noise values, LR latents and outputs): the last ~16 settings' frames. A 1080p clip's
 * HR outputs are 25 MB each, so there the small LR outputs of the last runs (what a codec or k
 * slider reuses) outlive the HR ones (what a noise slider reuses).
 */
export const CPU_CACHE_BYTES = 128 * 2 ** 20;

/** A least-recently-used map bounded by the bytes of its values (the newest entry always stays). */
export class ByteLru {
  private m = new Map<string, { value: unknown; bytes: number }>();
  private total = 0;
  constructor(readonly budget: number) {}

  get size(): number {
    return this.m.size;
  }

  get bytes(): number {
    return this.total;
  }

  has(key: string): boolean {
    return this.m.has(key);
  }

  get<T>(key: string): T | undefined {
    const e = this.m.get(key);
    if (!e) return undefined;
    this.m.delete(key);
    this.m.set(key, e);
    return e.value as T;
  }

  set(key: string, value: unknown, bytes: number): void {
    const old = this.m.get(key);
    if (old) {
      this.total -= old.bytes;
      this.m.delete(key);
    }
    this.m.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.m) {
      if (this.total <= this.budget || k === key) break;
      this.m.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.m.clear();
    this.total = 0;
  }
}

export interface CpuRunOptions {
  /** Per-stage ms, added to (stages served from the cache add nothing). */
  times?: StageTimes;
  /** The VQD stage's parts, added to. */
  vqdTimes?: VqdPartTimes;
  /** Gets the name of every stage whose output came from the cache. */
  reused?: Set<StageName>;
  /** Awaited before each stage that has to run; may throw to stop the run (superseded). */
  between?: () => Promise<void>;
}

const imageBytes = (img: ImageF32) => img.data.byteLength;

export class CpuDegrader {
  private store: ByteLru;

  constructor(budgetBytes = CPU_CACHE_BYTES) {
    this.store = new ByteLru(budgetBytes);
  }

  /** Blur → … → VQD → Quantise for one frame, reusing every stage output the cache still has. */
  async run(frame: DegradeFrameInput, p: PipelineParams, vqd: VqdRunner | undefined, o: CpuRunOptions = {}): Promise<RgbaFrame> {
    let t = performance.now();
    const tick = (stage: keyof StageTimes) => {
      const now = performance.now();
      if (o.times) o.times[stage] = (o.times[stage] ?? 0) + (now - t);
      t = now;
    };
    const chain = stageChain(inputKey(frame), p, frame.index);
    // Start after the last stage whose output is kept: the stages before it need not run at all.
    let from = chain.length;
    let x: ImageF32 | undefined;
    while (from > 0) {
      const kept = this.store.get<ImageF32>(chain[from - 1].key);
      if (kept) {
        x = kept;
        break;
      }
      from--;
    }
    for (let i = 0; i < from; i++) o.reused?.add(chain[i].stage.name);
    x ??= imageOf(frame);
    t = performance.now();
    for (let i = from; i < chain.length; i++) {
      const { stage, inputKey: inKey, key } = chain[i];
      await o.between?.();
      t = performance.now();
      const memo: CpuMemo = { inputKey: inKey, get: (k, make, bytes) => this.memo(k, make, bytes) };
      const deps: CpuDeps = { vqd, memo, vqdTimes: o.vqdTimes };
      x = await stage.cpu(x, p, frame.index, deps);
      this.store.set(key, x, imageBytes(x));
      tick(stage.name);
    }
    const q = quantizeImage(x);
    tick('quantize');
    return frameOf(q);
  }

  private async memo<T>(key: string, make: () => T | Promise<T>, bytes: (v: T) => number): Promise<T> {
    const k = `memo|${key}`;
    const hit = this.store.get<T>(k);
    if (hit !== undefined) return hit;
    const v = await make();
    this.store.set(k, v, bytes(v));
    return v;
  }

  /** Whether the output of the stage chain link `key` (stage-keys.ts) is kept (tests). */
  holds(key: string): boolean {
    return this.store.has(key);
  }

  clear(): void {
    this.store.clear();
  }
}
