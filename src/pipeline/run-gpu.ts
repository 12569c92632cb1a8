/**
 * The degradation pipeline on the GPU, Blur → Noise → Down → VQD → Quantise,
 * with every intermediate kept in GPU memory and cached per stage: changing a
 * slider re-runs only the stages after it (the cache key of a stage is the key
 * of its input plus its own parameters). The FFmpeg stage runs afterwards in
 * the media worker, on the uint8 frames this returns.
 */
import type { RgbaFrame } from '../core/frame';
import { fromRgba8, wordsToFrame } from '../core/pixels';
import type { PipelineParams } from './params';
import { blurKernel } from './blur/kernel';
import { createBlur, type BlurGpu } from './blur/blur-gpu';
import { createNoise, type NoiseGpu } from './noise/noise-gpu';
import { createResizer, type Resizer } from './resize/resize-gpu';
import { downscaledSize } from './resize/options';
import { createVqdGpu, type VqdGpu } from './vqd/vqd-gpu';
import { runConvert } from '../gpu/convert-gpu';
import { readU32, storageBuffer, uploadBuffer } from '../gpu/webgpu';
import type { Ort } from '../gpu/ort';
import type { LoadProgress } from '../models/manifest';
import type { ModelRegistry } from '../models/registry';

export const STAGES = ['input', 'blur', 'noise', 'down', 'vqd'] as const;
export type Stage = (typeof STAGES)[number];
export type StageTimes = Partial<Record<Stage | 'readback', number>>;

interface Held {
  buf: GPUBuffer;
  w: number;
  h: number;
  release(): void;
}

/** A small LRU per stage: a codec window of a few frames stays cached while sliders move. */
class StageCache {
  private m = new Map<string, Held>();
  constructor(private cap: number) {}
  get(k: string): Held | undefined {
    const v = this.m.get(k);
    if (v) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: Held): void {
    this.m.set(k, v);
    while (this.m.size > this.cap) {
      const [oldK, old] = this.m.entries().next().value as [string, Held];
      this.m.delete(oldK);
      old.release();
    }
  }
  clear(): void {
    for (const v of this.m.values()) v.release();
    this.m.clear();
  }
}

/** A source frame with what the stage caches key on. */
export interface DegradeFrameInput extends RgbaFrame {
  /** Identifies the source frame's pixels (e.g. "<source name>#<index>"). */
  key: string;
  /** Frame index in the clip (the noise is keyed by it). */
  index: number;
}

export class GpuDegrader {
  private blur: BlurGpu;
  private noise: NoiseGpu;
  private resizer: Resizer;
  private vqd = new Map<string, Promise<VqdGpu>>();
  private caches: Record<Stage, StageCache>;

  constructor(
    private device: GPUDevice,
    private ort: Ort,
    private models: ModelRegistry,
    cacheFrames = 8,
  ) {
    this.blur = createBlur(device);
    this.noise = createNoise(device);
    this.resizer = createResizer(device);
    this.caches = Object.fromEntries(STAGES.map((s) => [s, new StageCache(cacheFrames)])) as Record<Stage, StageCache>;
  }

  /** Loads (once) the VQGAN of `modelId`; progress reports model downloads. */
  vqdModel(modelId: string, onProgress?: LoadProgress): Promise<VqdGpu> {
    let p = this.vqd.get(modelId);
    if (!p) {
      p = createVqdGpu(this.device, this.ort, this.models, modelId, onProgress);
      p.catch(() => this.vqd.delete(modelId));
      this.vqd.set(modelId, p);
    }
    return p;
  }

  private owned(buf: GPUBuffer, w: number, h: number): Held {
    return { buf, w, h, release: () => buf.destroy() };
  }

  /** A stage that does nothing still gets its own buffer: each cache owns what it holds. */
  private copy(src: Held): Held {
    const bytes = src.w * src.h * 3 * 4;
    const buf = storageBuffer(this.device, bytes, 'degrade.passthrough');
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src.buf, 0, buf, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    return this.owned(buf, src.w, src.h);
  }

  /** Runs the GPU stages for one frame; `times` (when given) gets per-stage ms (adds a sync per stage). */
  async run(frame: DegradeFrameInput, p: PipelineParams, times?: StageTimes, onProgress?: LoadProgress): Promise<RgbaFrame> {
    const d = this.device;
    let t = performance.now();
    const tick = async (s: Stage | 'readback') => {
      if (!times) return;
      await d.queue.onSubmittedWorkDone();
      const now = performance.now();
      times[s] = (times[s] ?? 0) + (now - t);
      t = now;
    };

    // input: RGBA8 → planar f32 on the CPU (one pass), uploaded once per frame key.
    let key = `${frame.key}|${frame.width}x${frame.height}`;
    let cur = this.caches.input.get(key);
    if (!cur) {
      const f = fromRgba8(frame.data, frame.width, frame.height).data;
      cur = this.owned(uploadBuffer(d, f, undefined, 'degrade.input'), frame.width, frame.height);
      this.caches.input.set(key, cur);
    }
    await tick('input');

    // blur
    key += `|blur:${JSON.stringify(p.blur)}`;
    let next = this.caches.blur.get(key);
    if (!next) {
      next =
        p.blur.kind === 'none'
          ? this.copy(cur)
          : this.owned(this.blur.run(cur.buf, cur.w, cur.h, blurKernel(p.blur)), cur.w, cur.h);
      this.caches.blur.set(key, next);
    }
    cur = next;
    await tick('blur');

    // noise (keyed by the clip seed and the frame index: the counter-based RNG's inputs)
    key += `|noise:${JSON.stringify(p.noise)}:${p.seed}:${frame.index}`;
    next = this.caches.noise.get(key);
    if (!next) {
      next =
        p.noise.kind === 'none' || (p.noise.kind === 'gaussian' && p.noise.sigma === 0)
          ? this.copy(cur)
          : this.owned(this.noise.run(cur.buf, cur.w, cur.h, p.noise, p.seed, frame.index), cur.w, cur.h);
      this.caches.noise.set(key, next);
    }
    cur = next;
    await tick('noise');

    // down
    key += `|down:${p.down.factor}:${p.down.method}`;
    next = this.caches.down.get(key);
    if (!next) {
      const ow = downscaledSize(cur.w, p.down.factor);
      const oh = downscaledSize(cur.h, p.down.factor);
      const buf = this.resizer.resize(cur.buf, cur.w, cur.h, ow, oh, p.down.method);
      next = { buf, w: ow, h: oh, release: () => this.resizer.release(buf) };
      this.caches.down.set(key, next);
    }
    cur = next;
    await tick('down');

    // VQD
    if (p.vqd.enabled) {
      key += `|vqd:${p.modelId}:${p.vqd.kTop},${p.vqd.kMid},${p.vqd.kBot}`;
      next = this.caches.vqd.get(key);
      if (!next) {
        const model = await this.vqdModel(p.modelId, onProgress);
        const buf = await model.run(cur.buf, cur.w, cur.h, { kTop: p.vqd.kTop, kMid: p.vqd.kMid, kBot: p.vqd.kBot });
        next = this.owned(buf, cur.w, cur.h);
        this.caches.vqd.set(key, next);
      }
      cur = next;
      await tick('vqd');
    }

    // Quantise to uint8 and pack RGBA in one kernel; the one readback of the chain.
    const packed = runConvert(d, { op: 'pack_rgba8', input: cur.buf, count: cur.w * cur.h });
    const words = await readU32(d, packed, cur.w * cur.h);
    packed.destroy();
    await tick('readback');
    return wordsToFrame(words, cur.w, cur.h);
  }

  clear(): void {
    for (const s of STAGES) this.caches[s].clear();
  }
}
