/**
 * Metrics for what is on screen: PSNR/SSIM on Y against the original when the
 * sizes match, NIQE (no reference) otherwise — computed in a worker, cached per
 * frame object, and logged per variant and frame so views can show the mean
 * over the frames measured so far.
 */
import { create } from 'zustand';
import type { RgbaFrame } from '../../core/frame';
import type { VariantId } from '../variants';

export type MetricResult =
  | { kind: 'full-reference'; psnr: number; ssim: number }
  | { kind: 'no-reference'; niqe: number }
  | { kind: 'unavailable'; reason: string };

export interface MetricRequest {
  id: number;
  image: RgbaFrame;
  reference: RgbaFrame | null;
}
export interface MetricResponse {
  id: number;
  result: MetricResult;
}

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, (r: MetricResult) => void>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./metrics.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<MetricResponse>) => {
      waiting.get(e.data.id)?.(e.data.result);
      waiting.delete(e.data.id);
    };
    worker.onerror = (e) => {
      // A crashed worker fails every pending request with the reason; the next call starts a new one.
      const reason = e.message || 'the metrics worker failed';
      for (const done of waiting.values()) done({ kind: 'unavailable', reason });
      waiting.clear();
      worker?.terminate();
      worker = null;
    };
  }
  return worker;
}

const cache = new WeakMap<RgbaFrame, Map<RgbaFrame | null, Promise<MetricResult>>>();

/** Whether `image` is measured against `reference` (same size) or on its own (NIQE). */
export function pickReference(image: RgbaFrame, reference: RgbaFrame | null): RgbaFrame | null {
  return reference && reference !== image && reference.width === image.width && reference.height === image.height ? reference : null;
}

export function measureFrame(image: RgbaFrame, reference: RgbaFrame | null): Promise<MetricResult> {
  const ref = pickReference(image, reference);
  let byRef = cache.get(image);
  if (!byRef) cache.set(image, (byRef = new Map<RgbaFrame | null, Promise<MetricResult>>()));
  let p = byRef.get(ref);
  if (!p) {
    const id = nextId++;
    p = new Promise<MetricResult>((resolve) => {
      waiting.set(id, resolve);
      const msg: MetricRequest = { id, image: { width: image.width, height: image.height, data: image.data }, reference: ref && { width: ref.width, height: ref.height, data: ref.data } };
      getWorker().postMessage(msg);
    });
    byRef.set(ref, p);
  }
  return p;
}

/** Per-frame results of the current context (source + parameters); a new context starts a new log. */
interface MetricLog {
  context: string;
  byVariant: Partial<Record<VariantId, Record<number, MetricResult>>>;
  record: (context: string, id: VariantId, frame: number, r: MetricResult) => void;
}

export const useMetricLog = create<MetricLog>((set, get) => ({
  context: '',
  byVariant: {},
  record(context, id, frame, r) {
    const s = get();
    const byVariant = s.context === context ? s.byVariant : {};
    set({ context, byVariant: { ...byVariant, [id]: { ...byVariant[id], [frame]: r } } });
  },
}));

export interface MetricMean {
  kind: 'full-reference' | 'no-reference';
  frames: number;
  psnr?: number;
  ssim?: number;
  niqe?: number;
}

/** Mean over the logged frames of the kind the current frame has (PSNR of ∞ — identical frames — is left out of the mean). */
export function meanOf(results: Record<number, MetricResult> | undefined, kind: MetricMean['kind']): MetricMean | null {
  if (!results) return null;
  let n = 0;
  let psnr = 0;
  let psnrN = 0;
  let ssim = 0;
  let niqe = 0;
  let niqeN = 0;
  for (const r of Object.values(results)) {
    if (r.kind !== kind) continue;
    n++;
    if (r.kind === 'full-reference') {
      if (Number.isFinite(r.psnr)) {
        psnr += r.psnr;
        psnrN++;
      }
      ssim += r.ssim;
    } else if (r.kind === 'no-reference' && Number.isFinite(r.niqe)) {
      niqe += r.niqe;
      niqeN++;
    }
  }
  if (n === 0) return null;
  return kind === 'full-reference'
    ? { kind, frames: n, psnr: psnrN ? psnr / psnrN : Infinity, ssim: ssim / n }
    : { kind, frames: n, niqe: niqeN ? niqe / niqeN : NaN };
}
