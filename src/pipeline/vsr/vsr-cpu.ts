/**
 * The recurrent VSR net without WebGPU: vsr.step.onnx on any ORT CPU backend (onnxruntime-web's
 * wasm EP in the browser fallback, onnxruntime-node in the CLI), with the tile CPU references of
 * tiles.ts — the same tile plan, per-tile states and cross-fade as vsr-gpu.ts, so both paths give
 * the same pixels up to the float rounding of the two ORT backends. A single-frame net the user
 * brought (src/pipeline/byo) runs through the same loop without states.
 */
import { createImage, type ImageF32 } from '../../core/image';
import { accumulateCpu, blendOneTileCpu, extractCpu, normalizeCpu } from '../../gpu/tiles';
import { openSession, type Ort, type OrtSessionOptions, type OrtTensor, type RunHint, type Session } from '../../gpu/ort';
import type { VsrModel } from '../../models/kinds';
import type { VsrFiles } from '../../models/registry';
import { checkNames, checkOutputDims, planVsr, recurrentSteps, type VsrPlan, type VsrSequenceOptions } from './vsr-common';

/** One clip's recurrent pass: a fixed tile plan and one hidden state per tile. */
export interface VsrCpuSequence {
  readonly plan: VsrPlan;
  /**
   * Upscale `cur` (×4) given its neighbours; advances every tile's state. `hint` (e.g. `{ last: true }`
   * on a run's last step) reaches every tile's session run; it never changes the pixels.
   */
  step(prev: ImageF32, cur: ImageF32, next: ImageF32, hint?: RunHint): Promise<ImageF32>;
}

export interface VsrCpu {
  /** The manifest's description of the net (id, state width C, trained). */
  readonly model: VsrModel;
  /** A new sequence over frames of width×height (all states zero, primed on its first step unless `prime: false`). */
  sequence(width: number, height: number, opts?: VsrSequenceOptions): VsrCpuSequence;
  /** Free the ORT session (a removed user model); the runner cannot step afterwards. */
  release(): Promise<void>;
}

/** The net of `files` (from the model registry) on `ort`'s CPU backend. */
export async function createVsrCpu(ort: Ort, files: VsrFiles, sessionOptions: OrtSessionOptions = {}): Promise<VsrCpu> {
  const { model } = files;
  const session = await openSession(ort, files.step, sessionOptions);
  checkNames(session, model.step.file, model);
  return {
    model,
    sequence: (width, height, opts) => new CpuSequence(ort, session, model, planVsr(width, height, opts, model), opts?.prime ?? true),
    release: () => session.release(),
  };
}

class CpuSequence implements VsrCpuSequence {
  /** Per tile: the recurrent state (none for a single-frame net). */
  private readonly states: Float32Array[];
  private readonly C: number;
  /** The first step still has to prime the states (VsrSequenceOptions.prime). */
  private unprimed: boolean;

  constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly model: VsrModel,
    readonly plan: VsrPlan,
    prime: boolean,
  ) {
    this.C = model.frames === 'recurrent' ? model.stateChannels : 0;
    this.states = this.C ? plan.tiles.map((t) => new Float32Array(this.C * t.w * t.h)) : [];
    this.unprimed = prime && this.C > 0;
  }

  async step(prev: ImageF32, cur: ImageF32, next: ImageF32, hint?: RunHint): Promise<ImageF32> {
    if (this.unprimed) {
      this.unprimed = false;
      await this.step(prev, cur, next, { ...hint, again: true }); // only its states are kept; the next run repeats its frames
    }
    const { width: w, height: h, outWidth: W, outHeight: H, tiles, outTiles, feather } = this.plan;
    for (const f of [prev, cur, next]) {
      if (f.width !== w || f.height !== h) throw new RangeError(`frame is ${f.width}×${f.height}, the sequence ${w}×${h}`);
    }
    const out = createImage(W, H, 3);
    // One tile (a frame up to the tile size): its output is the frame, no blend arrays needed.
    const one = tiles.length === 1;
    const acc = one ? new Float32Array(0) : new Float32Array(3 * W * H);
    const wsum = one ? new Float32Array(0) : new Float32Array(W * H);
    const { frames, input, output, range, step } = { ...this.model, step: this.model.step.file };
    for (let k = 0; k < tiles.length; k++) {
      const t = tiles[k];
      const dims = [1, 3, t.h, t.w] as const;
      // Frames are 0–1; a 0–255 net gets them ×255 and its output ÷255 (range 1: a no-op, same bits).
      const cut = (f: ImageF32): OrtTensor => new this.ort.Tensor('float32', extractCpu(f.data, w, h, 3, t.x0, t.y0, t.w, t.h, range), dims);
      const r =
        frames === 'single'
          ? await this.session.run({ [input]: cut(cur) }, hint)
          : await this.session.run({ prev: cut(prev), cur: cut(cur), next: cut(next), state: new this.ort.Tensor('float32', this.states[k], [1, this.C, t.h, t.w]) }, hint);
      if (frames === 'recurrent') this.states[k] = r.state_out.data as Float32Array;
      checkOutputDims(r[output].dims, t, this.plan.scale, step);
      if (one) blendOneTileCpu(out.data, W, H, 3, r[output].data as Float32Array, outTiles[k], 1 / range, 0, 0, 1);
      else accumulateCpu(acc, wsum, W, H, 3, r[output].data as Float32Array, outTiles[k], feather, 1 / range);
    }
    if (!one) normalizeCpu(acc, wsum, W, H, 3, 0, 1, out.data);
    return out;
  }
}

/** Upscale a clip frame by frame (streaming: three input frames held at a time). */
export function upscaleClipCpu(seq: VsrCpuSequence, frames: AsyncIterable<ImageF32> | Iterable<ImageF32>): AsyncGenerator<ImageF32> {
  return recurrentSteps(frames, (p, c, n) => seq.step(p, c, n));
}
