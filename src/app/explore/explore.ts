/** Pure helpers of the level explorer (tested in explore.test.ts). */
import type { VqdBranch } from '../../pipeline/vqd/options';

export type Branch = VqdBranch;

export interface ExploreRange {
  branch: Branch;
  start: number;
  end: number;
  step: number;
}

/** The paper's Fig. 7–8: k = 1, 4, 7, …, 70 on the bottom branch. */
export const PAPER_RANGE: ExploreRange = { branch: 'kBot', start: 1, end: 70, step: 3 };
export const MAX_TILES = 64;

export function levels(r: ExploreRange, kMax = 128): number[] {
  const start = Math.max(1, Math.min(kMax, Math.round(r.start)));
  const end = Math.max(start, Math.min(kMax, Math.round(r.end)));
  const step = Math.max(1, Math.round(r.step));
  const out: number[] = [];
  for (let k = start; k <= end && out.length < MAX_TILES; k += step) out.push(k);
  return out;
}

/**
 * |a − b| per channel, amplified by `gain` and clamped, as an RGBA frame (alpha opaque): the
 * explorer's "difference" view, where a change of a few grey levels between k = 1 and a higher k
 * becomes visible. Frames of different sizes are a caller bug.
 */
export function diffFrame(
  a: { width: number; height: number; data: Uint8ClampedArray },
  b: { width: number; height: number; data: Uint8ClampedArray },
  gain: number,
): { width: number; height: number; data: Uint8ClampedArray } {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`diffFrame: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  const out = new Uint8ClampedArray(a.data.length);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = Math.abs(a.data[i] - b.data[i]) * gain;
    out[i + 1] = Math.abs(a.data[i + 1] - b.data[i + 1]) * gain;
    out[i + 2] = Math.abs(a.data[i + 2] - b.data[i + 2]) * gain;
    out[i + 3] = 255;
  }
  return { width: a.width, height: a.height, data: out };
}

/** Whether PSNR against k = 1 falls at every step (the progression the explorer should show). */
export function isMonotoneDecreasing(points: { k: number; psnr: number }[]): boolean {
  const finite = points.filter((p) => Number.isFinite(p.psnr)).sort((x, y) => x.k - y.k);
  return finite.every((p, i) => i === 0 || p.psnr < finite[i - 1].psnr);
}
