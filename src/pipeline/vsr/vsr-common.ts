/**
 * What the recurrent VSR runners (vsr-gpu.ts on WebGPU, vsr-cpu.ts on any ORT CPU backend) share:
 * the model's contract, the tile plan and the frame order. Pure TS, no WebGPU globals, so the Node
 * CLI can import it.
 *
 * A VSR model's step graph (public/models/manifest.json: every model of kind 'vsr' in
 * models/kinds.ts, e.g. vsr.step.onnx and vsr-restore.step.onnx):
 *   prev, cur, next [1,3,h,w] in [0,1], state [1,C,h,w]  →  out [1,3,4h,4w] in [0,1], state_out [1,C,h,w]
 * h and w multiples of 4 (two stride-2 convolutions inside). The state starts at zeros and is then
 * primed (see VsrSequenceOptions.prime); the first and the last frame pass themselves as the missing
 * neighbour (the paper's convention).
 *
 * The same runners take a single-frame net (a model the user brought, src/pipeline/byo): one frame
 * [1,3,h,w] in, [1,3,s·h,s·w] out (s = 1…4), no state, values in 0–1 or 0–255 (scaled in and out
 * by the tile extract and accumulate), tile sides multiples of its own stride or its fixed size.
 * The descriptor (models/kinds.ts VsrModel) says which; planVsr takes its geometry.
 *
 * Tiling: a frame too large for one run is cut into overlapping LR tiles (planTiles, multiple 4),
 * each run as its own recurrent stream with its OWN state [1,C,th,tw] carried from frame to frame,
 * and the ×4 outputs are cross-faded over the ×4 overlap (scaleTile(t, 4), feather 4·overlap).
 * The tile plan is fixed for a clip, so tile k of frame t continues tile k of frame t−1. Frames
 * whose sides are not multiples of 4 run as one replicate-padded tile (tile extract clamps at the
 * frame edge) and are cropped back through the accumulate's valid window.
 */
import { planTiles, scaleTile, type Tile } from '../../gpu/tiles';
import { VSR_MODEL_MULTIPLE, VSR_MODEL_SCALE, type VsrModel } from '../../models/kinds';

export const VSR_SCALE = VSR_MODEL_SCALE;
/** Tile sides (LR px) are multiples of this: the net's total stride. */
export const VSR_MULTIPLE = VSR_MODEL_MULTIPLE;

/**
 * How a net's tiles are shaped: its scale, the multiple its input sides must be, and its fixed
 * input side if it has one (a model the user brought may be ×1–×4, any multiple, or fixed-size).
 */
export type NetGeometry = Pick<VsrModel, 'scale' | 'multiple' | 'fixedTile'>;
/** Ours: ×4, sides multiples of 4. */
export const VSR_GEOMETRY: NetGeometry = { scale: VSR_SCALE, multiple: VSR_MULTIPLE };
/** Largest LR tile side by default: 480×270 (→ 1920×1080) runs as one tile. */
export const VSR_DEFAULT_TILE = 512;

/**
 * Largest ×4 output frame the upscalers accept: 8192 × 8192 (67 Mpx; e.g. 1920×1080 → 7680×4320 and
 * 2560×1440 → 10240×5760 pass, 3840×2160 → 15360×8640 does not). Past it one output frame alone
 * is over 800 MB as float32 and takes minutes on a CPU; video encoders refuse such sizes anyway.
 */
export const VSR_MAX_OUTPUT_PIXELS = 8192 * 8192;

/**
 * Why a w×h input cannot be upscaled ×4 here, or null when it can; `fit` is the largest input of
 * the same shape (sides multiples of 4) that can, for the caller's own advice (CLI: a downscale
 * command; app: a region or a smaller copy).
 */
export function upscaleSizeProblem(w: number, h: number, scale = 4): { message: string; fit: { width: number; height: number } } | null {
  const ow = w * scale;
  const oh = h * scale;
  if (ow * oh <= VSR_MAX_OUTPUT_PIXELS) return null;
  const k = Math.sqrt(VSR_MAX_OUTPUT_PIXELS / (ow * oh));
  const fit = { width: Math.floor((w * k) / 4) * 4, height: Math.floor((h * k) / 4) * 4 };
  const message = `a ${w}×${h} input gives a ${ow}×${oh} output (${((ow * oh) / 1e6).toFixed(0)} Mpx, about ` +
    `${((ow * oh * 12) / 2 ** 30).toFixed(1)} GiB per frame in float32), over the limit of ` +
    `${Math.round(VSR_MAX_OUTPUT_PIXELS / 1e6)} Mpx (8192×8192)`;
  return { message, fit };
}
/** LR pixels two neighbouring tiles share (×4 in the output, where they are cross-faded). */
export const VSR_DEFAULT_OVERLAP = 16;

/**
 * Frames a resumed run replays (without delivering them) before the frame it resumes at, so the
 * recurrent state is rebuilt: a run interrupted after fewer frames is replayed from its start and
 * gives identical frames. Measured on the bundled sample with the shipped `vsr` (vsr-resume.test.ts):
 * 0 frames 57.7 dB against the uninterrupted run, 4 frames 87.6 dB, 8 frames 106 dB.
 */
export const VSR_RESUME_WARMUP = 8;

export interface VsrTileOptions {
  /** Largest tile side in LR pixels (rounded down to a multiple of 4). */
  maxTile?: number;
  /** Overlap between neighbouring tiles in LR pixels. */
  overlap?: number;
}

/** How a recurrent sequence runs: its tiles, and whether its first step is primed. */
export interface VsrSequenceOptions extends VsrTileOptions {
  /**
   * Prime the state (default true): the first step of a recurrent net runs twice on its frames, the
   * first time only to fill the state, so the first frame is made from a state like every later
   * frame's instead of zeros, which the net only saw at the start of its short training clips. On the
   * quality benchmark's clips (10 frames, shipped vsr-restore, paper inputs; .devdata probe of
   * 2026-12-06 on the torch twin of the ONNX step) the first frame gains +0.20 dB and the second +0.04,
   * later frames are unchanged: +0.02 dB over a 10-frame clip for one extra step (vsr on web inputs:
   * +0.22 on the first frame, +0.03 over the clip). False: the plain zero start (speed probes and
   * warm-ups, which time or compile a single step).
   */
  prime?: boolean;
}

export interface VsrPlan {
  /** Output side ÷ input side. */
  scale: number;
  /** LR tiles (tile coordinates in the LR frame). */
  tiles: Tile[];
  /** The same tiles at the net's scale (where their outputs are accumulated). */
  outTiles: Tile[];
  /** Feather of the cross-fade, in output pixels. */
  feather: number;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
}

/**
 * The tile plan of a width×height frame for a net of `net`'s geometry (default: ours). A net with
 * a fixed input side runs every tile at exactly that side (a smaller frame is padded up to it),
 * with the overlap capped at a quarter of it.
 */
export function planVsr(width: number, height: number, opts: VsrTileOptions = {}, net: NetGeometry = VSR_GEOMETRY): VsrPlan {
  const { scale } = net;
  const multiple = net.fixedTile ?? net.multiple;
  const maxTile = net.fixedTile ?? Math.max(multiple, Math.floor((opts.maxTile ?? VSR_DEFAULT_TILE) / multiple) * multiple);
  let overlap = opts.overlap ?? VSR_DEFAULT_OVERLAP;
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw new RangeError(`overlap must be a non-negative integer (got ${overlap})`);
  if (net.fixedTile) overlap = Math.min(overlap, Math.floor(net.fixedTile / 4));
  const tiles = planTiles(width, height, { maxTile, overlap, multiple });
  return {
    scale,
    tiles,
    outTiles: tiles.map((t) => scaleTile(t, scale)),
    feather: overlap * scale,
    width,
    height,
    outWidth: width * scale,
    outHeight: height * scale,
  };
}

/** Feed names of a VSR step graph (the manifest's contract). */
export const VSR_INPUTS = ['prev', 'cur', 'next', 'state'] as const;
export const VSR_OUTPUTS = ['out', 'state_out'] as const;

/**
 * Refuses a graph without the feeds and outputs its descriptor names: our step contract's, or a
 * single-frame net's one input and image output.
 */
export function checkNames(s: { inputNames: readonly string[]; outputNames: readonly string[] }, file: string, model?: Pick<VsrModel, 'frames' | 'input' | 'output'>): void {
  const single = model?.frames === 'single';
  const inputs = single ? [model.input] : VSR_INPUTS;
  const outputs = single ? [model.output] : VSR_OUTPUTS;
  for (const n of inputs) if (!s.inputNames.includes(n)) throw new Error(`${file} has no input '${n}' (has ${s.inputNames.join(', ')})`);
  for (const n of outputs) if (!s.outputNames.includes(n)) throw new Error(`${file} has no output '${n}' (has ${s.outputNames.join(', ')})`);
}

/** The image output's expected dims for a tile, checked after every run: a net whose output does not fit its plan is stopped with a clear message, never blended in wrong. */
export function checkOutputDims(dims: readonly number[], t: Tile, scale: number, file: string): void {
  const want = [1, 3, t.h * scale, t.w * scale];
  if (dims.length !== 4 || dims.some((d, i) => d !== want[i])) {
    throw new Error(`${file} gave an output of [${dims.join(', ')}] for a ${t.w}×${t.h} tile; ×${scale} needs [${want.join(', ')}]`);
  }
}

/**
 * Feeds frames through a recurrent step in the paper's order: frame t gets (t−1, t, t+1), the
 * first and last frame standing in for their missing neighbour. Holds only three frames at a
 * time; `release` is called once for every frame when no step needs it any more.
 */
export async function* recurrentSteps<F, O>(
  frames: AsyncIterable<F> | Iterable<F>,
  step: (prev: F, cur: F, next: F, index: number) => Promise<O>,
  release: (f: F) => void = () => undefined,
): AsyncGenerator<O> {
  let prev: F | undefined;
  let cur: F | undefined;
  let index = 0;
  try {
    for await (const next of frames) {
      if (cur === undefined) {
        cur = next;
        continue;
      }
      const out = await step(prev ?? cur, cur, next, index++);
      if (prev !== undefined) release(prev);
      prev = cur;
      cur = next;
      yield out;
    }
    if (cur !== undefined) yield await step(prev ?? cur, cur, cur, index);
  } finally {
    // Also on an early return (a cancelled run): every frame still held is released once.
    if (prev !== undefined) release(prev);
    if (cur !== undefined) release(cur);
  }
}
