/** Pure helpers of the level explorer (tested in explore.test.ts). */
import type { PipelineParams } from '../../pipeline/params';

export type Branch = 'kBot' | 'kMid' | 'kTop';

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

/** The params of one explorer tile: the user's pipeline with k set on one branch, VQD on (fixed k). */
export function paramsForLevel(base: PipelineParams, branch: Branch, k: number, withCodec: boolean): PipelineParams {
  const p = structuredClone(base);
  p.vqd.enabled = true;
  p.vqd.mode = 'fixed';
  p.vqd[branch] = k;
  if (!withCodec) p.compress.codec = 'none';
  return p;
}
