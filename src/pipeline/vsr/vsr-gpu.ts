/**
 * The recurrent VSR net on WebGPU: vsr.step.onnx on ORT's webgpu EP with every tensor on the GPU.
 *
 *   prev/cur/next [3,h,w] ─extract (tile, replicate pad)→ step.onnx(prev, cur, next, state_k)
 *        ─out [3,4th,4tw]→ accumulate ×4 (feather 4·overlap) → normalize → [3,4h,4w] in [0,1]
 *        ─state_out→ kept as tile k's state for the next frame (an ORT gpu-buffer tensor, fed back
 *                    as is: the hidden state never leaves the GPU)
 *
 * ORT does not submit its queued kernels at the end of a run with gpu-buffer outputs, so every run
 * whose outputs our accumulate kernel reads is followed by flushOrt() (device.ts).
 * The tile plan, per-tile states and cross-fade are those of vsr-common.ts / vsr-cpu.ts; a
 * single-frame net the user brought runs through the same loop without states (vsrGpuOnSession).
 */
import { createTileOps, type TileOps } from '../../gpu/tiles-gpu';
import { runConvert } from '../../gpu/convert-gpu';
import { readBuffer, uploadBuffer } from '../../gpu/webgpu';
import { flushOrt } from '../../gpu/device';
import { fromRgba8 } from '../../core/pixels';
import type { Ort, OrtTensor, Session } from '../../gpu/ort';
import { modelSession } from '../../gpu/sessions';
import type { VsrModel } from '../../models/kinds';
import type { LoadProgress } from '../../models/manifest';
import type { ModelRegistry } from '../../models/registry';
import { checkNames, checkOutputDims, planVsr, VSR_DEFAULT_TILE, VSR_MULTIPLE, type VsrPlan, type VsrSequenceOptions } from './vsr-common';

export interface VsrGpuSequence {
  readonly plan: VsrPlan;
  /**
   * Upscale `cur` given its neighbours (planar RGB [3,h,w] f32 buffers in [0,1]); advances every
   * tile's state. Returns a new buffer [3,4h,4w] in [0,1] that the caller destroys.
   */
  step(prev: GPUBuffer, cur: GPUBuffer, next: GPUBuffer): Promise<GPUBuffer>;
  /** Release the states (the sequence cannot step afterwards). */
  dispose(): void;
}

export interface VsrGpu {
  /** The manifest's description of the net (id, state width C, trained). */
  readonly model: VsrModel;
  /** Default largest tile for this device (keeps ORT's largest activation under the binding limit). */
  readonly defaultTile: number;
  /** A new sequence (all states zero, primed on its first step unless `prime: false`). */
  sequence(width: number, height: number, opts?: VsrSequenceOptions): VsrGpuSequence;
  /** Free the ORT session (a removed user model); the runner cannot step afterwards. */
  release(): Promise<void>;
}

/**
 * Largest LR tile whose biggest activation (the fuse conv's 2·(C+48) channels, f32) fits the
 * device's storage-binding limit, capped at VSR_DEFAULT_TILE.
 */
export function deviceTileLimit(maxBinding: number, stateChannels: number): number {
  const perPixel = 4 * 2 * (stateChannels + 48);
  const side = Math.floor(Math.sqrt(maxBinding / perPixel) / VSR_MULTIPLE) * VSR_MULTIPLE;
  return Math.max(VSR_MULTIPLE * 8, Math.min(VSR_DEFAULT_TILE, side));
}

/**
 * Default largest LR tile of a single-frame net the user brought: its activations are unknown, so
 * assume 64 channels at the output resolution (an ESRGAN-style net's widest layer) must fit one binding.
 */
export function singleFrameTileLimit(maxBinding: number, scale: number, multiple: number): number {
  const perPixel = 4 * 64 * Math.max(1, scale * scale);
  const side = Math.floor(Math.sqrt(maxBinding / perPixel) / multiple) * multiple;
  return Math.max(multiple, Math.min(VSR_DEFAULT_TILE, side));
}

export async function createVsrGpu(device: GPUDevice, ort: Ort, models: ModelRegistry, modelId = 'vsr', onProgress?: LoadProgress): Promise<VsrGpu> {
  const model = await models.model('vsr', modelId);
  const session = await modelSession(ort, models, model.step, { backend: 'webgpu', gpuOutputs: true, onProgress });
  // The session is the registry's (shared, cached): this runner never releases it.
  return { ...vsrGpuOnSession(device, ort, model, session), release: async () => undefined };
}

/**
 * The runner of `model` on an open webgpu session whose outputs stay on the GPU
 * (`preferredOutputLocation: 'gpu-buffer'`): how a model the user brought, whose bytes come from
 * the browser's storage rather than the registry, runs on WebGPU.
 */
export function vsrGpuOnSession(device: GPUDevice, ort: Ort, model: VsrModel, session: Session): VsrGpu {
  checkNames(session, model.step.file, model);
  const tiles = createTileOps(device);
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  const defaultTile = model.frames === 'single' ? singleFrameTileLimit(maxBinding, model.scale, model.multiple) : deviceTileLimit(maxBinding, model.stateChannels);
  return {
    model,
    defaultTile,
    sequence: (width, height, o = {}) => new GpuSequence(device, ort, session, tiles, model, planVsr(width, height, { maxTile: o.maxTile ?? defaultTile, overlap: o.overlap }, model), o.prime ?? true),
    release: () => session.release(),
  };
}

class GpuSequence implements VsrGpuSequence {
  /** Per tile: the zero buffer before the first step, then ORT's state_out tensor (none for a single-frame net). */
  private states: (OrtTensor | null)[];
  private zeros: (GPUBuffer | null)[];
  private disposed = false;
  private readonly C: number;
  /** The first step still has to prime the states (VsrSequenceOptions.prime). */
  private unprimed: boolean;

  constructor(
    private readonly device: GPUDevice,
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly tiles: TileOps,
    private readonly model: VsrModel,
    readonly plan: VsrPlan,
    prime: boolean,
  ) {
    const C = model.frames === 'recurrent' ? model.stateChannels : 0;
    this.C = C;
    this.unprimed = prime && C > 0;
    const accBytes = 3 * plan.outWidth * plan.outHeight * 4;
    const limit = device.limits.maxStorageBufferBindingSize;
    if (accBytes > limit) {
      throw new RangeError(`a ${plan.outWidth}×${plan.outHeight} output needs a ${mb(accBytes)} buffer; this GPU binds at most ${mb(limit)}. Upscale a smaller clip.`);
    }
    this.states = C ? plan.tiles.map(() => null) : [];
    // createBuffer gives zero-filled memory: the initial state.
    this.zeros = C ? plan.tiles.map((t) => device.createBuffer({ size: C * t.w * t.h * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'vsr.state0' })) : [];
  }

  async step(prev: GPUBuffer, cur: GPUBuffer, next: GPUBuffer): Promise<GPUBuffer> {
    if (this.disposed) throw new Error('VSR sequence was disposed');
    if (this.unprimed) {
      this.unprimed = false;
      (await this.step(prev, cur, next)).destroy(); // only its states are kept
    }
    const { device, ort, tiles, plan } = this;
    const { width: w, height: h, outWidth: W, outHeight: H, feather } = plan;
    const e0 = device.createCommandEncoder({ label: 'vsr.acc' });
    const { acc, wsum } = tiles.accumulator(W, H, 3, e0);
    device.queue.submit([e0.finish()]);
    const temps: GPUBuffer[] = [wsum];
    const { frames, input, output, range } = this.model;
    const single = frames === 'single';
    for (let k = 0; k < plan.tiles.length; k++) {
      const t = plan.tiles[k];
      const dims = [1, 3, t.h, t.w];
      // A frame that is its own tile (sides fit the net) goes in as is; else cut + pad. A 0–255
      // net always goes through the extract, which scales its input ×255.
      const whole = t.x0 === 0 && t.y0 === 0 && t.w === w && t.h === h && range === 1;
      let ins = single ? [cur] : [prev, cur, next];
      if (!whole) {
        const e1 = device.createCommandEncoder({ label: 'vsr.extract' });
        ins = ins.map((src) => tiles.extract({ src, srcW: w, srcH: h, channels: 3, x0: t.x0, y0: t.y0, w: t.w, h: t.h, scale: range, encoder: e1 }));
        device.queue.submit([e1.finish()]);
        temps.push(...ins);
      }
      const asTensor = (b: GPUBuffer) => ort.Tensor.fromGpuBuffer(b, { dataType: 'float32', dims });
      let r: Record<string, OrtTensor>;
      if (single) {
        r = await this.session.run({ [input]: asTensor(ins[0]) });
      } else {
        const state = this.states[k] ?? ort.Tensor.fromGpuBuffer(this.zeros[k]!, { dataType: 'float32', dims: [1, this.C, t.h, t.w] });
        r = await this.session.run({ prev: asTensor(ins[0]), cur: asTensor(ins[1]), next: asTensor(ins[2]), state });
      }
      await flushOrt(); // the accumulate below reads the output from our own submit
      const out = r[output];
      try {
        checkOutputDims(out.dims, t, plan.scale, this.model.step.file);
      } catch (e) {
        for (const x of Object.values(r)) x.dispose();
        throw e;
      }
      const e2 = device.createCommandEncoder({ label: 'vsr.accumulate' });
      tiles.accumulate({ acc, wsum, frameW: W, frameH: H, channels: 3, tileBuf: out.gpuBuffer, tile: plan.outTiles[k], feather, scale: 1 / range, encoder: e2 });
      device.queue.submit([e2.finish()]);
      if (!single) {
        // The previous state was read by the run just flushed; ORT may reuse its buffer from now on.
        this.states[k]?.dispose();
        if (this.zeros[k]) {
          temps.push(this.zeros[k]!);
          this.zeros[k] = null;
        }
        this.states[k] = r.state_out;
      }
      for (const [name, x] of Object.entries(r)) if (name !== 'state_out' || single) x.dispose();
    }
    const e3 = device.createCommandEncoder({ label: 'vsr.normalize' });
    tiles.normalize({ acc, wsum, frameW: W, frameH: H, channels: 3, lo: 0, hi: 1, encoder: e3 });
    device.queue.submit([e3.finish()]);
    await device.queue.onSubmittedWorkDone();
    for (const b of temps) b.destroy();
    return acc;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.states) s?.dispose();
    for (const z of this.zeros) z?.destroy();
    this.states = [];
    this.zeros = [];
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** RGBA8 frame → planar [3,h,w] f32 buffer in [0,1] on the GPU (caller destroys). */
export function uploadRgba(device: GPUDevice, rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): GPUBuffer {
  return uploadBuffer(device, fromRgba8(rgba, width, height).data, undefined, 'vsr.frame');
}

/** Planar [3,h,w] in [0,1] on the GPU → RGBA8 on the CPU (pack_rgba8: round half to even, alpha 255). */
export async function readRgba(device: GPUDevice, planar: GPUBuffer, width: number, height: number): Promise<Uint8ClampedArray<ArrayBuffer>> {
  const enc = device.createCommandEncoder({ label: 'vsr.pack' });
  const packed = runConvert(device, { op: 'pack_rgba8', input: planar, count: width * height, encoder: enc });
  device.queue.submit([enc.finish()]);
  const bytes = await readBuffer(device, packed, width * height * 4);
  packed.destroy();
  return new Uint8ClampedArray(bytes);
}
