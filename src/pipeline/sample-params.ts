/**
 * The paper's training distribution (ANCHORS.md) as one draw of PipelineParams: what the app's
 * "random" button shows and what the training data factory (`vqdsr degrade --random`) applies.
 *
 *   blur      iso p 0.7 σ ∈ [0.2, 4] | aniso p 0.3 σx ∈ [0.2, 4], σy ∈ [0.8, 3], θ ∈ [−π, π]; 21×21
 *   noise     Gaussian σ ∈ [0, 10]/255, grey with p 0.5
 *   down      ×1/4, area / bilinear / bicubic (uniform)
 *   vqd       paper mode: top k 1, mid U{1..10}, bottom 1–15 p 0.3 / 16–30 p 0.4 / 31–50 p 0.3;
 *             the colour anchor at its default (not the paper's: it corrects our VQGAN, draws nothing)
 *   compress  libx264, crf U{18..35}, profile baseline / main / high p 0.1 / 0.2 / 0.7, 25 fps
 *
 * Deterministic by seed: one sequential stream (core/rng makeRng) consumed in a fixed order, so
 * a seed names a degradation everywhere (browser, CLI, training logs).
 */
import { makeRng } from '../core/rng.ts';
import { sampleBlurParams } from './blur/options.ts';
import { sampleNoiseParams } from './noise/options.ts';
import { RESIZE_METHODS } from './resize/options.ts';
import { X264_PROFILES } from '../media/codec-args.ts';
import { assertValidParams, defaultPipelineParams, paperVqdKs, type PipelineParams } from './params.ts';

export const PAPER_CRF = [18, 35] as const;
export const PAPER_PROFILE_PROBS = [0.1, 0.2, 0.7] as const; // baseline, main, high

export function samplePaperParams(seed: number): PipelineParams {
  const rng = makeRng(seed >>> 0);
  const d = defaultPipelineParams();
  const blur = sampleBlurParams(rng);
  const noise = sampleNoiseParams(rng);
  const method = rng.choice(RESIZE_METHODS);
  const vqdSeed = rng.u32();
  const crf = rng.int(PAPER_CRF[0], PAPER_CRF[1]);
  const profile = rng.choice(X264_PROFILES, PAPER_PROFILE_PROBS);
  const noiseSeed = rng.u32();
  return assertValidParams({
    version: 2,
    blur,
    noise,
    down: { factor: 4, method },
    vqd: { enabled: true, mode: 'paper', ...paperVqdKs(vqdSeed), seed: vqdSeed, anchorSigma: d.vqd.anchorSigma },
    compress: { codec: 'libx264', crf, qscale: d.compress.qscale, profile, fps: 25 },
    seed: noiseSeed,
    modelId: d.modelId,
  });
}
