/**
 * The Noise stage: Gaussian or Poisson noise from the counter-based generator keyed by
 * (params.seed, frame index, pixel, channel), the same draws in WGSL and TS.
 * CPU noise-cpu.ts, GPU noise-gpu.ts (shaders/noise.wgsl + rng.wgsl).
 */
import { bool, num, oneOf } from '../schema';
import { frameStage, ownedFrame, type FrameStage } from '../stage';
import { applyGaussianField, gaussianNoiseField, noiseCpu } from './noise-cpu';
import { DEFAULT_NOISE, NOISE_KINDS, NOISE_LIMITS, noiseParamErrors, type NoiseParams } from './options';

export const noiseStage: FrameStage<'noise', NoiseParams> = frameStage('noise', 'noise', {
  defaults: () => ({ ...DEFAULT_NOISE }),
  read: (n, d, ctx) => ({
    kind: oneOf(n, 'kind', 'noise', NOISE_KINDS, d.kind, ctx),
    sigma: num(n, 'sigma', 'noise', { min: NOISE_LIMITS.sigma[0], max: NOISE_LIMITS.sigma[1] }, d.sigma, ctx),
    gray: bool(n, 'gray', 'noise', d.gray, ctx),
    scale: num(n, 'scale', 'noise', { min: NOISE_LIMITS.scale[0], max: NOISE_LIMITS.scale[1] }, d.scale, ctx),
  }),
  errors: noiseParamErrors,
}, {
  skip: (p) => p.noise.kind === 'none' || (p.noise.kind === 'gaussian' && p.noise.sigma === 0),
  // The counter-based generator's inputs: the clip seed and the frame index.
  key: (p, frame) => `${JSON.stringify(p.noise)}:${p.seed}:${frame}`,
  async cpu(img, p, frame, { memo }) {
    if (!memo || p.noise.kind !== 'gaussian') return noiseCpu(img, p.noise, p.seed, frame);
    // Gaussian noise does not depend on the image: a run after a change before Noise reuses it.
    const { width: W, height: H } = img;
    const key = `noise-field|${JSON.stringify(p.noise)}:${p.seed}:${frame}|${W}x${H}`;
    const field = await memo.get(key, () => gaussianNoiseField(p.noise, p.seed, frame, W, H), (f) => f.byteLength);
    return applyGaussianField(img, field);
  },
  async gpu({ device }) {
    const { createNoise } = await import('./noise-gpu');
    const noise = createNoise(device);
    return { run: (x, p, frame) => ownedFrame(noise.run(x.buf, x.w, x.h, p.noise, p.seed, frame), x.w, x.h) };
  },
});
