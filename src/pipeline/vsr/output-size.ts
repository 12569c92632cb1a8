/**
 * What an upscale's output size means (issue 14.2, 14.3): ×4 (the net's own), ×3, ×2, fit to a
 * 720p / 1080p / 1440p / 2160p box, or "enhance" — restore at 1×, the paper's HR-SR enhancement.
 * One planner for the Upscale tab, the engine and the CLI (`vqdsr upscale --scale/--fit`,
 * `vqdsr enhance`), so every front end gives the same sizes from the same input. Pure TS.
 *
 * Every plan is the net's ×4 between two optional resamples, both with the project's
 * Lanczos-3 (src/pipeline/resize, antialiased when shrinking, shaders/resize.wgsl on the GPU):
 *
 *   input w×h ─(pre: Lanczos-3)→ net input ─(VSR ×4)→ net output ─(post: Lanczos-3)→ output W×H
 *
 * - ×N (N = 2, 3): the net at the input size, then its ×4 shrunk to N·w × N·h ("net ×4, then a
 *   high-quality downscale"). The alternative, the net on an input shrunk to N/4 first, is cheaper
 *   but measured worse on the quality benchmark's held-out clips (`npm run bench output-size`,
 *   5 clips × 4 frames, PSNR-Y against the HR shrunk to the same size): ×2 38.3 vs 30.9 dB on
 *   clean LR inputs and 31.7 vs 29.6 dB on web-quality (x264 crf 28) ones; ×3 36.4 vs 32.6 and
 *   30.5 vs 30.1 dB (bicubic ×N: 31.6, 29.4, 30.2, 28.4). So pre-shrinking is only the fallback for
 *   an input whose ×4 is over the size limit (`strategy: 'pre-shrink'`, chosen here when needed).
 *   Lanczos-3 as the shrink: within 0.26 dB of antialiased bicubic, up to 0.5 dB above area.
 * - fit <box>: the largest W×H of the input's aspect ratio inside the box (1280×720, 1920×1080,
 *   2560×1440, 3840×2160; turned to portrait for a portrait input), the side that meets the box
 *   exactly and the other floored. Past ×4 the net's ×4 is enlarged by Lanczos-3 (interpolation,
 *   not the net): the plan says so. A box not larger than the input is refused (use enhance).
 * - enhance: the input shrunk ×1/4 (round(w/4) × round(h/4)), the net's ×4 back, resampled to
 *   exactly w×h (the identity when w and h are multiples of 4).
 * - even: video (yuv420p) needs even sides: W and H are floored to even numbers (at least 2).
 */
import { VSR_MAX_OUTPUT_PIXELS, VSR_SCALE, upscaleSizeProblem } from './vsr-common';

export const OUTPUT_SIZES = ['x4', 'x3', 'x2', '720p', '1080p', '1440p', '2160p', 'enhance'] as const;
export type OutputSizeId = (typeof OUTPUT_SIZES)[number];
export const DEFAULT_OUTPUT_SIZE: OutputSizeId = 'x4';

export type ScaleId = 'x2' | 'x3' | 'x4';
export type FitId = '720p' | '1080p' | '1440p' | '2160p';
export const SCALES: readonly ScaleId[] = ['x4', 'x3', 'x2'];
export const FITS: readonly FitId[] = ['720p', '1080p', '1440p', '2160p'];

/** The boxes, landscape (long side first). */
export const FIT_BOXES: Record<FitId, { long: number; short: number }> = {
  '720p': { long: 1280, short: 720 },
  '1080p': { long: 1920, short: 1080 },
  '1440p': { long: 2560, short: 1440 },
  '2160p': { long: 3840, short: 2160 },
};

/** The resampler of both resample steps. */
export const OUTPUT_FILTER = 'lanczos3' as const;

export function isOutputSizeId(v: unknown): v is OutputSizeId {
  return typeof v === 'string' && (OUTPUT_SIZES as readonly string[]).includes(v);
}

export interface Size {
  width: number;
  height: number;
}

export interface OutputPlan {
  /** 'native': the net's own output, whatever its scale (nativePlan). */
  id: OutputSizeId | 'native';
  /** 'post': the net at the input size, then its ×4 resampled; 'pre-shrink': the input shrunk first, the net's ×4 already (nearly) the output. */
  strategy: 'post' | 'pre-shrink';
  input: Size;
  /** What the net gets: the input itself, or the input resampled to this size. */
  net: Size;
  /** The net's ×4 of `net`. */
  netOut: Size;
  /** The final frame: `netOut` resampled to this size where they differ. */
  output: Size;
  /** Whether the input is resampled before the net / the net's output after it. */
  pre: boolean;
  post: boolean;
  /** output.width / input.width. */
  scale: number;
}

/** A size that cannot be made from this input (the message says why and what to do). */
export class OutputSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputSizeError';
  }
}

const same = (a: Size, b: Size) => a.width === b.width && a.height === b.height;
const evenDown = (n: number) => Math.max(2, n - (n % 2));

/** The largest size of w×h's aspect ratio inside the box (turned to the input's orientation). */
export function fitInBox(width: number, height: number, fit: FitId): Size {
  checkSize(width, height);
  const b = FIT_BOXES[fit];
  const [bw, bh] = width >= height ? [b.long, b.short] : [b.short, b.long];
  // Integer arithmetic: the limiting side is the box's exactly, the other floored.
  if (bw * height <= bh * width) return { width: bw, height: Math.max(1, Math.floor((height * bw) / width)) };
  return { width: Math.max(1, Math.floor((width * bh) / height)), height: bh };
}

function checkSize(width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`bad frame size ${width}×${height}`);
}

/** The output frame size of `id` for a w×h input (before any size-limit check). */
export function outputSizeOf(width: number, height: number, id: OutputSizeId, opts: { even?: boolean } = {}): Size {
  checkSize(width, height);
  let out: Size;
  if (id === 'enhance') out = { width, height };
  else if (id === 'x2' || id === 'x3' || id === 'x4') {
    const n = Number(id.slice(1));
    out = { width: n * width, height: n * height };
  } else out = fitInBox(width, height, id);
  return opts.even ? { width: evenDown(out.width), height: evenDown(out.height) } : out;
}

export function describeOutputSize(id: OutputSizeId): string {
  if (id === 'enhance') return 'enhance at 1×';
  if (id.startsWith('x')) return `×${id.slice(1)}`;
  const b = FIT_BOXES[id as FitId];
  return `fit ${id} (${b.long}×${b.short})`;
}

/**
 * The plan for a w×h input: sizes of every step. Throws OutputSizeError for a fit box not larger
 * than the input and for sizes over the limit that no plan avoids (the message names the limit).
 * `netScale`: the model's factor (4 for every model the manifest may list today).
 */
export function planOutputSize(width: number, height: number, id: OutputSizeId, opts: { even?: boolean; netScale?: number } = {}): OutputPlan {
  const k = opts.netScale ?? VSR_SCALE;
  const input = { width, height };
  const output = outputSizeOf(width, height, id, opts);
  if (id !== 'enhance' && output.width <= width && output.height <= height) {
    throw new OutputSizeError(`a ${width}×${height} input already fills the ${describeOutputSize(id)} box (it would become ${output.width}×${output.height}): ` +
      'there is nothing to upscale; to clean it at its own size, use enhance (restore at 1×)');
  }
  if (output.width * output.height > VSR_MAX_OUTPUT_PIXELS) {
    // ×4 is the net's own output: the guard's own words (and its advice) apply as they are.
    if (output.width === k * width && output.height === k * height) throw new OutputSizeError(upscaleSizeProblem(width, height, k)!.message);
    throw new OutputSizeError(`${describeOutputSize(id)} of a ${width}×${height} input is ${output.width}×${output.height}, over the limit of ` +
      `${Math.round(VSR_MAX_OUTPUT_PIXELS / 1e6)} Mpx (8192×8192)`);
  }
  const make = (strategy: OutputPlan['strategy'], net: Size): OutputPlan => {
    const netOut = { width: k * net.width, height: k * net.height };
    return { id, strategy, input, net, netOut, output, pre: !same(net, input), post: !same(netOut, output), scale: output.width / width };
  };
  const shrunk = (s: Size): Size => ({ width: Math.max(1, Math.round(s.width / k)), height: Math.max(1, Math.round(s.height / k)) });
  if (id === 'enhance') return make('pre-shrink', shrunk(input));
  const post = make('post', input);
  // The net's ×4 of the whole input is the better picture (measured); only when that intermediate
  // is over the limit and the output is smaller than it does the net run on a shrunk input.
  if (!upscaleSizeProblem(width, height, k)) return post;
  const pre = make('pre-shrink', shrunk(output));
  if (output.width < post.netOut.width && !upscaleSizeProblem(pre.net.width, pre.net.height, k)) return pre;
  const p = upscaleSizeProblem(width, height, k)!;
  throw new OutputSizeError(p.message);
}

/**
 * The net's own output, no resampling: what a run without an output size makes (×4 for our
 * models; a model the user brought may have another scale). Checked against the size limit.
 */
export function nativePlan(width: number, height: number, netScale = VSR_SCALE): OutputPlan {
  checkSize(width, height);
  const p = upscaleSizeProblem(width, height, netScale);
  if (p) throw new OutputSizeError(p.message);
  const input = { width, height };
  const netOut = { width: netScale * width, height: netScale * height };
  return { id: 'native', strategy: 'post', input, net: input, netOut, output: netOut, pre: false, post: false, scale: netScale };
}

/** Why `id` cannot be made from a w×h input, or null (for greying out choices). */
export function outputSizeProblem(width: number, height: number, id: OutputSizeId, opts: { even?: boolean; netScale?: number } = {}): string | null {
  try {
    planOutputSize(width, height, id, opts);
    return null;
  } catch (e) {
    if (e instanceof OutputSizeError) return e.message;
    throw e;
  }
}

/** The choices other than ×4 that a w×h input can have (for a size guard's advice), in OUTPUT_SIZES order. */
export function smallerOutputsFor(width: number, height: number, opts: { even?: boolean; netScale?: number } = {}): OutputSizeId[] {
  return OUTPUT_SIZES.filter((id) => id !== 'x4' && outputSizeProblem(width, height, id, opts) === null);
}

/** A few words on what the plan does, for status lines and the CLI's summary. */
export function describePlan(p: OutputPlan): string {
  const size = (s: Size) => `${s.width}×${s.height}`;
  const steps: string[] = [];
  if (p.pre) steps.push(`Lanczos-3 to ${size(p.net)}`);
  steps.push(`net ×${p.netOut.width / p.net.width} to ${size(p.netOut)}`);
  if (p.post) steps.push(`Lanczos-3 to ${size(p.output)}`);
  const past = p.id !== 'enhance' && p.id !== 'native' && p.scale > p.netOut.width / p.input.width + 1e-9 ? ' (past the net’s ×4: the rest is Lanczos interpolation)' : '';
  return `${size(p.input)} → ${size(p.output)}: ${steps.join(', ')}${past}`;
}
