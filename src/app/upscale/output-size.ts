/**
 * The Upscale tab's "Output size" choices (issue 14.2, 14.3): ×4 (the net's own), ×3, ×2, fit to a
 * 720p … 2160p box, and "Enhance at 1×" (restore at its own size), each planned for the LR frames
 * the run would get (the clip, or the clip after the pipeline's Down stage, inside the chosen
 * region) by the planner the engine and the CLI use (pipeline/vsr/output-size.ts). A choice that
 * this input cannot have (over the size limit, or a box it already fills) is offered greyed out
 * with the reason. Plain functions: the view (OutputSizeField.tsx) and the run (upscale-run.ts) share them.
 */
import { downscaledSize } from '../../pipeline/resize/options';
import { useModels } from '../../state/models-store';
import {
  FIT_BOXES,
  OUTPUT_SIZES,
  OutputSizeError,
  describePlan,
  nativePlan,
  planOutputSize,
  smallerOutputsFor,
  type FitId,
  type OutputPlan,
  type OutputSizeId,
  type Size,
} from '../../pipeline/vsr/output-size';

export const OUTPUT_SIZE_LABELS: Record<OutputSizeId, string> = {
  x4: '×4 (the net’s own)',
  x3: '×3',
  x2: '×2',
  '720p': fitLabel('720p'),
  '1080p': fitLabel('1080p'),
  '1440p': fitLabel('1440p'),
  '2160p': fitLabel('2160p'),
  enhance: 'Enhance at 1× (restore at its own size)',
};

function fitLabel(id: FitId): string {
  const b = FIT_BOXES[id];
  return `fit ${id} (${b.long}×${b.short})`;
}

export interface OutputSizeChoice {
  id: OutputSizeId;
  label: string;
  /** The plan for this input, or null with `problem` saying why it cannot be made. */
  plan: OutputPlan | null;
  problem: string | null;
}

/**
 * The plan of choice `id` for LR frames of `lr`: ×4 is the net's own output (nativePlan: no
 * resampling, and a model the user brought at its own scale), the others planOutputSize's.
 * Throws OutputSizeError where the input cannot have it.
 */
export function planChoice(lr: Size, id: OutputSizeId, even: boolean, netScale = 4): OutputPlan {
  return id === 'x4' ? nativePlan(lr.width, lr.height, netScale) : planOutputSize(lr.width, lr.height, id, { even, netScale });
}

/** Every choice for LR frames of `lr` (null: no clip open), planned with even sides when the output is a video. */
export function outputSizeChoices(lr: Size | null, even: boolean, netScale = 4): OutputSizeChoice[] {
  return OUTPUT_SIZES.map((id) => {
    const label = id === 'x4' && netScale !== 4 ? `the net’s own (×${netScale})` : OUTPUT_SIZE_LABELS[id];
    if (!lr) return { id, label, plan: null, problem: null };
    try {
      const plan = planChoice(lr, id, even, netScale);
      return { id, label: `${label} → ${plan.output.width}×${plan.output.height}`, plan, problem: null };
    } catch (e) {
      if (!(e instanceof OutputSizeError)) throw e;
      return { id, label: `${label} — not for this clip`, plan: null, problem: e.message };
    }
  });
}

/** The scale of VSR model `id` as the engine listed it (4, ours, when not listed yet). */
export function netScaleOf(id: string): number {
  return useModels.getState().vsr.find((m) => m.id === id)?.scale ?? 4;
}

/** What the choice does, in a line under the select. */
export function outputSizeHint(c: OutputSizeChoice | undefined): string {
  if (!c) return '';
  if (c.problem) return `Not available: ${c.problem}.`;
  if (!c.plan) return '';
  const what = c.id === 'enhance' ? 'Restores the clip at its own size (the paper’s HR-SR enhancement): ' : '';
  return `${what}${describePlan(c.plan)}.`;
}

/**
 * The LR size a run gets before its region crop: the clip's, or after the pipeline's Down stage
 * (`downFactor`), as the run's first frame will be.
 */
export function lrSizeOf(source: Size, degraded: boolean, downFactor: number): Size {
  return degraded ? { width: downscaledSize(source.width, downFactor), height: downscaledSize(source.height, downFactor) } : source;
}

/** "clip-x4.mp4" → "clip-x2.mp4", "clip-1080p.mp4", "clip-enhanced.mp4" (exportFileName's -x4 swapped). */
export function sizedFileName(name: string, id: OutputSizeId): string {
  const tag = id === 'enhance' ? 'enhanced' : id;
  return name.replace(/-x4(\.[^./\\]*)?$/, (_m, ext: string | undefined) => `-${tag}${ext ?? ''}`);
}

/** The message of a run refused for its size: why, and the choices this input can have instead. */
export function refusalMessage(lr: Size, id: OutputSizeId, even: boolean, reason: string, netScale = 4): string {
  const others = smallerOutputsFor(lr.width, lr.height, { even, netScale }).filter((x) => x !== id);
  return others.length ? `${reason}; or choose an output size this input can have: ${others.map((x) => OUTPUT_SIZE_LABELS[x]).join(', ')}` : reason;
}
