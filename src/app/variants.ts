/**
 * The images a view can show for the current frame, by id. Views (compare,
 * blind test, explorer) ask for a variant; this module knows how each is made
 * (decode, engine degrade, engine upscale, bicubic) and caches the latest few.
 */
import type { RgbaFrame } from './FrameCanvas';
import { getFrame } from './frame-source';

export type VariantId = 'original' | 'bicubic' | 'lr' | 'vsr' | 'vsr-alt' | 'pipeline-b';

export const VARIANT_LABELS: Record<VariantId, string> = {
  original: 'Original (HR)',
  bicubic: 'Bicubic ×4 of the LR',
  lr: 'Degraded LR',
  vsr: 'VSR ×4 (ours)',
  'vsr-alt': 'VSR ×4, second setting',
  'pipeline-b': 'Second pipeline',
};

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

export function availableVariants(): VariantId[] {
  return (Object.keys(VARIANT_LABELS) as VariantId[]).filter((id) => producers.has(id));
}

export async function renderVariant(id: VariantId, frameIndex: number, signal?: AbortSignal): Promise<RgbaFrame> {
  const make = producers.get(id);
  if (!make) throw new VariantUnavailable(`${VARIANT_LABELS[id]} is not available yet`);
  return make(frameIndex, signal);
}
