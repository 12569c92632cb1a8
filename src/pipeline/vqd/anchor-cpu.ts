/**
 * The colour anchor after VQD, CPU reference (and the CPU path's implementation):
 *
 *   out = clamp(v + G_σ ⊛ (x − v), 0, 1)      x: VQD's input, v: the VQGAN's output
 *
 * i.e. the VQGAN's output keeps its own high band (the learned degradations: blocking, ringing,
 * damaged lines) and takes the low band, the regional colour, from its input. G_σ is a normalised
 * 1-D Gaussian of radius ⌈3σ⌉ applied along x, then along y (separable: 2·(2r+1) taps per pixel,
 * not (2r+1)²); borders mirror without repeating the edge sample, as the Blur stage's
 * (blur-cpu.ts reflectIndex). G is linear, so G(x) − G(v) is one blur of the difference.
 *
 * Why (issue 11 item 4, "re-impose the input's low-frequency colour after VQD — measure which
 * works"): the width-16 VQGAN shifts mean colour at k = 1 by up to 6 levels and, at a large bottom
 * k, by tens of levels — a shift no real low-quality clip has, and one a VSR trained on such pairs
 * learns as a colour cast. Measured on the training side's held-out clips (make_user_clips.py
 * heldout shard, 40 frames' clean LR, not the quality benchmark's set): see anchorSigma's default
 * in options.ts.
 *
 * Arithmetic mirrors shaders/anchor.wgsl: f32 difference, f32 products summed in tap order
 * (−r … r), the horizontal pass stored as f32, then the vertical pass and the clamp — the same
 * bits unless the GPU compiler fuses a multiply–add (ulp-level).
 */
import { createImage, type ImageF32 } from '../../core/image';
import { reflectIndex } from '../blur/blur-cpu';

/** Largest σ (px) the params accept; 3σ = 12 px of radius. */
export const ANCHOR_SIGMA_MAX = 4;

/** Radius of the anchor's Gaussian: ⌈3σ⌉ (0 for σ = 0, the anchor off). */
export function anchorRadius(sigma: number): number {
  if (!(sigma >= 0) || sigma > ANCHOR_SIGMA_MAX) throw new RangeError(`anchor σ ${sigma} must lie in [0, ${ANCHOR_SIGMA_MAX}]`);
  return Math.ceil(3 * sigma);
}

/** The 1-D taps (2r + 1, f32, summing to 1 in f64 before rounding) for σ > 0. */
export function anchorTaps(sigma: number): Float32Array {
  const r = anchorRadius(sigma);
  if (r === 0) throw new RangeError('the anchor is off at σ = 0: no taps');
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b) => a + b, 0);
  return Float32Array.from(w, (v) => v / sum);
}

/** The anchored frame (new image); `vqd` and `input` are the same size. σ = 0 returns a copy of `vqd`. */
export function anchorCpu(input: ImageF32, vqd: ImageF32, sigma: number): ImageF32 {
  const { width: W, height: H, channels: C } = vqd;
  if (input.width !== W || input.height !== H || input.channels !== C) {
    throw new RangeError(`anchor: input ${input.width}×${input.height}×${input.channels} vs VQD output ${W}×${H}×${C}`);
  }
  const out = createImage(W, H, C);
  if (anchorRadius(sigma) === 0) {
    out.data.set(vqd.data);
    return out;
  }
  const taps = anchorTaps(sigma);
  const r = (taps.length - 1) / 2;
  const fr = Math.fround;
  const x = input.data;
  const v = vqd.data;
  const cols = Int32Array.from({ length: W + 2 * r }, (_, i) => reflectIndex(i - r, W));
  const rows = Int32Array.from({ length: H + 2 * r }, (_, i) => reflectIndex(i - r, H));
  const h = new Float32Array(W * H); // one channel's horizontal pass
  const row = new Float32Array(W);   // one row's difference x − v
  for (let c = 0; c < C; c++) {
    const plane = c * W * H;
    for (let y = 0; y < H; y++) {
      const base = plane + y * W;
      for (let i = 0; i < W; i++) row[i] = x[base + i] - v[base + i];
      for (let i = 0; i < W; i++) {
        let acc = 0;
        for (let t = 0; t <= 2 * r; t++) acc = fr(acc + fr(taps[t] * row[cols[i + t]]));
        h[y * W + i] = acc;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let i = 0; i < W; i++) {
        let acc = 0;
        for (let t = 0; t <= 2 * r; t++) acc = fr(acc + fr(taps[t] * h[rows[y + t] * W + i]));
        const o = fr(v[plane + y * W + i] + acc);
        out.data[plane + y * W + i] = o < 0 ? 0 : o > 1 ? 1 : o;
      }
    }
  }
  return out;
}
