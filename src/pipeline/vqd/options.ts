/**
 * The VQD stage's parameters (VqdParams: on/off, fixed k's or the paper's per-clip draw), the k
 * the k-th-nearest search accepts, and the level explorer's k list. What a degrader runner is
 * (VqdRunner: the CPU path's dependency) and the k's of one run (VqdKs).
 */
import type { ImageF32 } from '../../core/image.ts';
import { makeRng } from '../../core/rng.ts';
import type { PipelineParams } from '../params.ts';
import type { Tile } from '../../gpu/tiles.ts';

/** Largest k per branch the params accept. */
export const VQD_K_MAX = 128;

export type VqdMode = 'fixed' | 'paper';

export interface VqdParams {
  enabled: boolean;
  /**
   * 'fixed': kTop/kMid/kBot as given. 'paper': drawn once per clip from `seed` with the paper's
   * distribution (top 1, mid U{1..10}, bottom 1–15 / 16–30 / 31–50 with p 0.3 / 0.4 / 0.3); the
   * validator then writes the drawn values into kTop/kMid/kBot, so the params show the k's used.
   */
  mode: VqdMode;
  /** k-th nearest codebook entry per branch, 1..128. */
  kTop: number;
  kMid: number;
  kBot: number;
  /** u32; drives the k's in 'paper' mode. */
  seed: number;
  /**
   * The colour anchor after the VQGAN (anchor-cpu.ts): σ in LR pixels of the Gaussian whose band
   * is taken from VQD's input; 0 turns it off. 0 … ANCHOR_SIGMA_MAX.
   */
  anchorSigma: number;
}

/**
 * The anchor's default σ, chosen on the training side's held-out clips (make_user_clips.py heldout
 * shard: 40 frames' Pillow-bicubic LR, never the quality benchmark's set), shipped VQGAN (width 16):
 *
 *   σ            off    1      2      3      4      6
 *   k 1/1/1   dB 31.10  34.10  32.32  31.90  31.73  31.54    max |shift| 6.03  0.53  0.52  0.67  1.03  1.75
 *   k 1/10/50 dB 21.82  30.13  26.98  25.83  25.20  24.50    max |shift| 35.6  0.37  0.49  0.79  1.21  1.98
 *
 * (RGB PSNR against the input; shift = mean(out) − mean(in) per channel, 8-bit levels.) The largest σ
 * whose shift stays ≤ 1 level at every k: smaller σ also hands back the input's mid band, which undoes
 * the degradation the k's ask for (at k 1/10/50, σ = 1 recovers 8.3 dB of the 9.3 dB lost).
 */
export const VQD_ANCHOR_DEFAULT_SIGMA = 3;

/**
 * Replicate-padded context around the frame for the VQGAN's tiles (tiles.ts TilePlanOptions.margin).
 * Its convolutions zero-pad, so without it a frame edge reads as a dark border: on 24 held-out
 * LR-scale line-art frames (make_vqgan_mix.py --lr-mosaics from the heldout shard, 64×64 crops, the
 * size of a 256 px clip after ×1/4; vqgan_mix weights, k = 1) the outer 4 px had 2.2× the interior's
 * squared error, and RGB PSNR went 27.93 → 29.33 dB with 8 px of replicate padding (16 px: 29.33;
 * mirror padding 8 px: 29.00); on 56×96 crops 27.91 → 29.21 dB. A multiple of the stride (8), so
 * the latent grid stays aligned with the frame's.
 */
export const VQD_FRAME_MARGIN = 8;

/** The k's of one run, per branch. */
export interface VqdKs {
  kTop: number;
  kMid: number;
  kBot: number;
}

/** What the pipeline needs from a degrader on the CPU path (run-cpu.ts's `deps.vqd`). */
export interface VqdRunner {
  /** Frame in [0, 1] → degraded frame in [0, 1], same size. */
  run(img: ImageF32, ks: VqdKs): Promise<ImageF32>;
  readonly modelId: string;
  /**
   * The sha256 of the weights it runs (encoder, decoder, codebook: the manifest's, checked on load), where the
   * runner knows them. The CLI writes them to run.json so a training-data maker can tell clips degraded by
   * the VQGAN shipped now from clips an earlier VQGAN made under the same id (make_vsr_pairs.py --reuse-degraded).
   */
  readonly weightsSha256?: readonly string[];
  /** Codebook entries: the largest usable k. */
  readonly nCodes: number;
  /**
   * The two halves of `run` where the runner has them (run(img, ks) = decode(encode(img), ks)):
   * a caller that keeps `encode`'s result re-runs only the search and the decoder when only
   * the k's change.
   */
  encode?(img: ImageF32, times?: VqdPartTimes): Promise<VqdEncoded>;
  decode?(enc: VqdEncoded, ks: VqdKs, times?: VqdPartTimes): Promise<ImageF32>;
}

/** Milliseconds in each part of the VQD stage (added to). */
export interface VqdPartTimes {
  encoder?: number;
  knn?: number;
  decoder?: number;
}

/** The encoder's output for one image: the tile plan and each tile's latents (z_top, z_mid, z_bot). */
export interface VqdEncoded {
  readonly width: number;
  readonly height: number;
  readonly overlap: number;
  readonly tiles: readonly { tile: Tile; z: readonly { data: Float32Array; dims: readonly number[] }[] }[];
  /** Bytes held (for caches). */
  readonly bytes: number;
}

/** The paper's stochastic top-k (ANCHORS.md): top 1, mid U{1..10}, bottom banded up to 50. */
export function paperVqdKs(seed: number): VqdKs {
  const rng = makeRng(seed >>> 0);
  const kMid = rng.int(1, 10);
  const band = rng.choice([[1, 15], [16, 30], [31, 50]] as const, [0.3, 0.4, 0.3]);
  const kBot = rng.int(band[0], band[1]);
  return { kTop: 1, kMid, kBot };
}

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
