/**
 * The images a view can show for the current frame, by id. Views (compare,
 * blind test, explorer) ask for a variant; this module knows how each is made
 * (decode, engine degrade, engine upscale, bicubic) and caches the latest few.
 * The ids are plain data (state/view-state.ts): fixed ones, and one per VSR model, 'vsr:<id>'.
 */
import type { RgbaFrame } from '../core/frame';
import { getFrame } from './frame-source';
import { BASE_VARIANT_IDS, vsrModelOf, vsrVariant, type BaseVariantId, type VariantId } from '../state/view-state';
import { useModels } from '../state/models-store';

export type { VariantId } from '../state/view-state';

const BASE_LABELS: Record<BaseVariantId, string> = {
  original: 'Original (HR)',
  bicubic: 'Bicubic ×4 of the LR',
  lr: 'Degraded LR',
  'pipeline-b': 'Second pipeline',
};

export function variantLabel(id: VariantId): string {
  const model = vsrModelOf(id);
  if (model === null) return BASE_LABELS[id as BaseVariantId];
  // A model the user brought: its file name and its own scale.
  const yours = useModels.getState().vsr.find((m) => m.id === model && m.byo);
  return yours ? `Your model ×${yours.scale} · ${yours.byo!.fileName}` : `VSR ×4 · ${model}`;
}

/** What a variant picker lists: the fixed variants and one per VSR model, in that order. */
export function variantChoices(vsrModels: readonly string[]): VariantId[] {
  return [...BASE_VARIANT_IDS, ...vsrModels.map(vsrVariant)];
}

export class VariantUnavailable extends Error {}

type Producer = (frameIndex: number, signal?: AbortSignal) => Promise<RgbaFrame>;
const producers = new Map<VariantId, Producer>([['original', (i) => getFrame(i)]]);

const standIns = new Set<VariantId>();

/**
 * Engine-backed views register how they make a variant (the degrade and upscale features do).
 * A test stand-in (`?testvariants`) is never replaced by a later registration.
 */
export function registerVariant(id: VariantId, make: Producer, opts: { standIn?: boolean } = {}): void {
  if (standIns.has(id) && !opts.standIn) return;
  if (opts.standIn) standIns.add(id);
  producers.set(id, make);
}

/** The registered variants: the fixed ones in their order, then the VSR models in registration order. */
export function availableVariants(): VariantId[] {
  const fixed = BASE_VARIANT_IDS.filter((id) => producers.has(id));
  return [...fixed, ...[...producers.keys()].filter((id) => vsrModelOf(id) !== null)];
}

export async function renderVariant(id: VariantId, frameIndex: number, signal?: AbortSignal): Promise<RgbaFrame> {
  const make = producers.get(id);
  if (!make) throw new VariantUnavailable(`${variantLabel(id)} is not available yet`);
  return make(frameIndex, signal);
}
