/**
 * k for the k-th-nearest codebook search: what the kernel accepts, and the level explorer's k list.
 *
 * The per-branch k's of a run (fixed, or the paper's per-clip draw from a seed) are part of
 * PipelineParams (src/pipeline/params.ts: VqdParams, paperVqdKs, VQD_K_MAX = 128); this module only
 * adds what the search and the explorer need on top.
 */
import { VQD_K_MAX, type PipelineParams } from '../params.ts';

export { VQD_K_MAX };

/** The three branches of the VQ degrader, by their k field in VqdParams. */
export type VqdBranch = 'kBot' | 'kMid' | 'kTop';

/** The params of one level-explorer tile: `base` with k set on one branch, VQD on (fixed k). */
export function paramsForLevel(base: PipelineParams, branch: VqdBranch, k: number, withCodec: boolean): PipelineParams {
  const p = structuredClone(base);
  p.vqd.enabled = true;
  p.vqd.mode = 'fixed';
  p.vqd[branch] = k;
  if (!withCodec) p.compress.codec = 'none';
  return p;
}

/** A k the search can take for an N-entry codebook: an integer in 1 … min(N, VQD_K_MAX). */
export function isValidK(k: number, N: number): boolean {
  return Number.isInteger(k) && k >= 1 && k <= Math.min(N, VQD_K_MAX);
}

/** Rounds and clamps a slider value into 1 … min(N, VQD_K_MAX). */
export function clampK(k: number, N: number): number {
  const hi = Math.min(N, VQD_K_MAX);
  if (!Number.isFinite(k)) return 1;
  return Math.min(hi, Math.max(1, Math.round(k)));
}

export interface KRange {
  from: number;
  to: number;
  step: number;
}

/** The paper's Fig. 7–8: k = 1, 4, 7, …, 70 on the bottom branch. */
export const EXPLORER_DEFAULT_RANGE: KRange = { from: 1, to: 70, step: 3 };

/**
 * The explorer's levels from, from + step, … ≤ to (to itself included only when the step lands on
 * it, as 70 does for the paper's 1…70 step 3). Throws on a range the search cannot take.
 */
export function explorerKs(range: KRange = EXPLORER_DEFAULT_RANGE, N = 1024): number[] {
  const { from, to, step } = range;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`step ${step} must be a positive integer`);
  if (!isValidK(from, N) || !isValidK(to, N) || to < from) {
    throw new RangeError(`k range ${from}…${to} must lie in 1…${Math.min(N, VQD_K_MAX)} with from ≤ to`);
  }
  const ks: number[] = [];
  for (let k = from; k <= to; k += step) ks.push(k);
  return ks;
}
