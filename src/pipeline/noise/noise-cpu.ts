/**
 * CPU reference of the Noise stage (and its fallback without WebGPU). Same f32 operation
 * sequence as shaders/noise.wgsl, with the counter-based generator of core/rng.ts, so a
 * (seed, frame) gives the GPU's pixels up to the ulp-level differences documented there.
 * Semantics and units: options.ts.
 */
import { createImage, type ImageF32 } from '../../core/image';
import { frameKey, normalF32, pixelKey, poissonF32 } from '../../core/rng';
import { sigmaUnit, type NoiseParams } from './options';

const fr = Math.fround;
// BT.601 luma weights as exact f32 values (the same literals are in noise.wgsl).
const LUMA_R = 0.29899999499320984;
const LUMA_G = 0.5870000123977661;
const LUMA_B = 0.11400000005960464;
const INV_LEVELS = 0.00390625; // 1/256

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** One Poisson deviation scale·(K/256 − v) for intensity v, as the GPU computes it. */
function poissonDeviation(pk: number, channel: number, v: number, scale: number): number {
  const lambda = fr(Math.max(v, 0) * 256);
  const k = poissonF32(pk, channel, lambda);
  return fr(scale * fr(fr(k * INV_LEVELS) - v));
}

/**
 * The Gaussian noise values σ·z of a W×H frame, f32: one plane (gray) or three, in the image's
 * planar layout. They depend on the params, the seed and the frame index only — not on the image —
 * so a caller that re-runs the stage on new input (the Degrade tab, a slider before Noise moved)
 * can keep them and skip the generator: `applyGaussianField` then gives noiseCpu's bits.
 */
export function gaussianNoiseField(p: NoiseParams, seed: number, frame: number, W: number, H: number): Float32Array {
  if (p.kind !== 'gaussian') throw new RangeError(`a noise field is Gaussian only (got ${p.kind})`);
  const plane = W * H;
  const planes = p.gray ? 1 : 3;
  const field = new Float32Array(planes * plane);
  const fk = frameKey(seed, frame);
  const sigma = sigmaUnit(p);
  for (let i = 0; i < plane; i++) {
    const pk = pixelKey(fk, i);
    for (let c = 0; c < planes; c++) field[c * plane + i] = fr(sigma * normalF32(pk, c));
  }
  return field;
}

/** clip(x + n, 0, 1) per sample with the field of gaussianNoiseField (one plane: shared by R, G, B). */
export function applyGaussianField(img: ImageF32, field: Float32Array): ImageF32 {
  if (img.channels !== 3) throw new RangeError(`noise expects 3 channels (got ${img.channels})`);
  const { width: W, height: H } = img;
  const plane = W * H;
  if (field.length !== plane && field.length !== 3 * plane) throw new RangeError(`noise field has ${field.length} values, not ${plane} or ${3 * plane}`);
  const out = createImage(W, H, 3);
  const src = img.data;
  const dst = out.data;
  const shared = field.length === plane;
  for (let c = 0; c < 3; c++) {
    const o = c * plane;
    const f = shared ? 0 : o;
    for (let i = 0; i < plane; i++) dst[o + i] = clamp01(fr(src[o + i] + field[f + i]));
  }
  return out;
}

export function noiseCpu(img: ImageF32, p: NoiseParams, seed: number, frame: number): ImageF32 {
  if (img.channels !== 3) throw new RangeError(`noise expects 3 channels (got ${img.channels})`);
  const { width: W, height: H } = img;
  if (p.kind === 'gaussian') return applyGaussianField(img, gaussianNoiseField(p, seed, frame, W, H));
  const out = createImage(W, H, 3);
  const src = img.data;
  const dst = out.data;
  const plane = W * H;
  if (p.kind === 'none') {
    dst.set(src);
    return out;
  }
  const fk = frameKey(seed, frame);
  const scale = fr(p.scale);
  for (let i = 0; i < plane; i++) {
    const pk = pixelKey(fk, i);
    if (p.kind === 'poisson') {
      if (p.gray) {
        const y = fr(fr(fr(LUMA_R * src[i]) + fr(LUMA_G * src[plane + i])) + fr(LUMA_B * src[2 * plane + i]));
        const n = poissonDeviation(pk, 0, y, scale);
        for (let c = 0; c < 3; c++) dst[c * plane + i] = clamp01(fr(src[c * plane + i] + n));
      } else {
        for (let c = 0; c < 3; c++) {
          const v = src[c * plane + i];
          dst[c * plane + i] = clamp01(fr(v + poissonDeviation(pk, c, v, scale)));
        }
      }
    } else {
      throw new RangeError(`unknown noise kind ${String((p as { kind: unknown }).kind)}`);
    }
  }
  return out;
}
