/**
 * The output size of `vqdsr upscale` (`--scale 2|3|4`, `--fit 720p|1080p|1440p|2160p`) and of
 * `vqdsr enhance` (the input's own size), on the planner the app uses too
 * (src/pipeline/vsr/output-size.ts): the arguments, the size guard's message, and the clip's
 * frames through the plan's resample steps around the net.
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { ImageF32 } from '../core/image.ts';
import { createPlanResamplerCpu } from '../pipeline/vsr/output-resample.ts';
import {
  FITS,
  OutputSizeError,
  describeOutputSize,
  nativePlan,
  planOutputSize,
  smallerOutputsFor,
  type FitId,
  type OutputPlan,
  type OutputSizeId,
} from '../pipeline/vsr/output-size.ts';
import { upscaleSizeProblem } from '../pipeline/vsr/vsr-common.ts';
import { UsageError } from './errors.ts';
import type { ArgValues } from './args.ts';

export const OUTPUT_SIZE_OPTIONS: ParseArgsOptionsConfig = {
  scale: { type: 'string' },
  fit: { type: 'string' },
};

/**
 * What `--scale N` / `--fit BOX` ask for; 'enhance' for `vqdsr enhance` (which takes neither);
 * 'native' without either: the net's own output (×4 for ours; a --model-file at its own scale).
 */
export function outputSizeArg(command: 'upscale' | 'enhance', values: ArgValues): OutputSizeId | 'native' {
  const scale = values.scale as string | undefined;
  const fit = values.fit as string | undefined;
  if (command === 'enhance') {
    if (scale !== undefined || fit !== undefined) throw new UsageError('enhance keeps the input’s own size: it takes no --scale or --fit (use `vqdsr upscale` for those)');
    return 'enhance';
  }
  if (scale !== undefined && fit !== undefined) throw new UsageError('give --scale or --fit, not both');
  if (scale !== undefined) {
    if (!/^[234]$/.test(scale)) throw new UsageError(`--scale must be 2, 3 or 4 (got ${JSON.stringify(scale)}); for other sizes use --fit ${FITS.join('|')}`);
    return `x${scale}` as OutputSizeId;
  }
  if (fit !== undefined) {
    const f = fit.toLowerCase();
    if (!(FITS as readonly string[]).includes(f)) throw new UsageError(`--fit must be one of ${FITS.join(', ')} (got ${JSON.stringify(fit)})`);
    return f as FitId;
  }
  return 'native';
}

function flagOf(id: OutputSizeId | 'native'): string {
  if (id === 'native') return 'the net’s own size';
  return id === 'enhance' ? '`vqdsr enhance`' : id.startsWith('x') ? `--scale ${id.slice(1)}` : `--fit ${id}`;
}

/**
 * The plan for a w×h input, or a UsageError that says why not and what would work: for ×4 over
 * the limit the guard's advice (a smaller copy of the input, a crop) and, where some exist, the
 * smaller outputs that this input can have (the net then runs on a shrunk copy, or at ×1/4 for
 * enhance) — each one checked, so the advice is never a size that would be refused too.
 */
export function planForCli(w: number, h: number, id: OutputSizeId | 'native', opts: { even: boolean; netScale?: number }): OutputPlan {
  try {
    return id === 'native' ? nativePlan(w, h, opts.netScale) : planOutputSize(w, h, id, opts);
  } catch (e) {
    if (!(e instanceof OutputSizeError)) throw e;
    const k = opts.netScale ?? 4;
    const guard = upscaleSizeProblem(w, h, k);
    const others = smallerOutputsFor(w, h, opts).filter((x) => x !== id && !(id === 'native' && x === 'x4'));
    const instead = others.length ? `; or ask for a size this input can have: ${others.map(flagOf).join(', ')}` : '';
    if (guard && id !== 'enhance' && /over the limit/.test(e.message)) {
      const { width: fw, height: fh } = guard.fit;
      throw new UsageError(`${e.message}. Downscale the input to at most ${fw}×${fh} first ` +
        `(e.g. ffmpeg -i INPUT -vf scale=${fw}:${fh} SMALLER), or upscale a crop of it${instead}.`);
    }
    throw new UsageError(`${id === 'native' ? '' : `${describeOutputSize(id)}: `}${e.message}${instead}.`);
  }
}

/**
 * The clip through the plan: each input frame resampled to the net's input size (pre), the net's
 * frames (`net`, a streaming upscaler such as upscaleClipCpu) resampled to the output size (post).
 * Streaming: one frame at a time, as the net's own stream.
 */
export async function* resampleClip(
  plan: OutputPlan,
  net: (frames: AsyncIterable<ImageF32>) => AsyncIterable<ImageF32>,
  frames: AsyncIterable<ImageF32>,
): AsyncGenerator<ImageF32> {
  const r = createPlanResamplerCpu(plan);
  async function* pre(): AsyncGenerator<ImageF32> {
    for await (const f of frames) yield r.pre(f);
  }
  for await (const f of net(pre())) yield r.post(f);
}
