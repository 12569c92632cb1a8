/**
 * What a clip's low-resolution frames say about how degraded they are, and which VSR net of the
 * manifest to run on them ("auto").
 *
 * The two shipped nets are each best on one kind of input: `vsr` on clean and web-quality clips,
 * `vsr-restore` on clips that went through the paper's chain (blur, noise, VQD, heavy x264). Picking
 * the wrong one costs 0.7–0.9 dB (bench/results/quality-latest.md), and a user rarely knows which
 * kind of clip they have. Two numbers measured on the LR frames separate the kinds well enough:
 *
 *   noise  Immerkær's estimate of the noise σ (8-bit levels of BT.601 Y), taken over the flatter half
 *          of the pixels only, so drawn texture and edges do not read as noise:
 *          σ = √(π/2) / 6 · mean |Y ⊛ [1 −2 1; −2 4 −2; 1 −2 1]| over pixels whose gradient is ≤ the
 *          median gradient (J. Immerkær, "Fast noise variance estimation", CVIU 1996). Keeping the
 *          flat half biases it low, the same way on every input: white Gaussian noise of σ on grey
 *          reads ≈ 0.65 σ (input-probe.test.ts). It is a feature, not a calibrated σ.
 *   edge   how peaked the strongest edges are: mean |4-neighbour Laplacian| ÷ mean gradient over
 *          the pixels whose gradient is above the 90th percentile. A crisp (clean-downscaled)
 *          outline has a large Laplacian at its gradient; a blurred one a small one.
 *
 * Gradient g = |Y(x+1) − Y(x−1)| + |Y(y+1) − Y(y−1)|; all three maps are taken on interior pixels,
 * pooled over every probed frame. A quantile q of n values is the sorted value at index
 * ⌊q·(n − 1)⌋ (no interpolation), and "≤ / >" compare against it, so ties fall the same way in the
 * fitter and here (both use this file).
 *
 * The choice is a multinomial logistic model with a reference class: each VSR model of the
 * manifest may carry `route` = { bias, weights: { noise, edge } } applied to the natural logarithm
 * of the features (log(f + 1e-3)); the model with the highest score wins, a model whose route is
 * empty scores 0 (the reference). The weights are fitted by training/fit_router.ts on the
 * training-side held-out clips with the shipped nets' own outputs as labels
 * (training/summaries/router.json), never on the benchmark's clips.
 *
 * Pure TS on ImageF32 / RgbaFrame: the CLI, the engine and the fitter share it.
 */
import type { RgbaFrame } from '../../core/frame.ts';
import type { ImageF32 } from '../../core/image.ts';
import { ROUTE_FEATURES, type ModelRoute } from '../../models/kinds.ts';

/** The features, in the units above. */
export interface InputProbe {
  /** Immerkær's noise estimate over the flatter half of the pixels, 8-bit levels of Y (≈ 0.65 σ of white noise). */
  noise: number;
  /** Mean |Laplacian| ÷ mean gradient over the strongest 10 % of gradients. */
  edge: number;
  /** Frames and interior pixels the numbers came from (PROBE_PIXELS_PER_FRAME bounds the latter per frame). */
  frames: number;
  pixels: number;
}

/** The features a route weighs, in the fitter's order (models/kinds.ts names them for the manifest). */
export const PROBE_FEATURES = ROUTE_FEATURES;
export type { ModelRoute };

/** Frames the app and the CLI probe: spread over the clip, enough to average out one odd shot. */
export const PROBE_FRAMES = 8;

/** Frame indices to probe in a clip of `count` frames: up to PROBE_FRAMES, evenly spread, first and last included. */
export function probeFrameIndices(count: number, max = PROBE_FRAMES): number[] {
  if (!(count >= 1)) return [];
  const n = Math.min(count, max);
  if (n === 1) return [0];
  return Array.from({ length: n }, (_, i) => Math.round((i * (count - 1)) / (n - 1)));
}

/** BT.601 luma on the 0–255 scale of a planar RGB [0, 1] image. */
function lumaOfImage(img: ImageF32): Float32Array {
  const n = img.width * img.height;
  const y = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) y[i] = 255 * (0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i]);
  return y;
}

/** The same luma from an 8-bit RGBA frame (identical to lumaOfImage of its fromRgba8 image up to float rounding). */
function lumaOfRgba(f: RgbaFrame): Float32Array {
  const n = f.width * f.height;
  const y = new Float32Array(n);
  const d = f.data;
  for (let i = 0; i < n; i++) y[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
  return y;
}

/** The value at index ⌊q·(n − 1)⌋ of the sorted values. */
export function quantile(values: Float32Array, q: number): number {
  return quantiles(values, [q])[0];
}

/** Several quantiles of the same values from one sorted copy (the pooled maps run to millions). */
export function quantiles(values: Float32Array, qs: readonly number[]): number[] {
  if (values.length === 0) return qs.map(() => NaN);
  const s = Float32Array.from(values).sort();
  return qs.map((q) => s[Math.floor(q * (s.length - 1))]);
}

interface FrameMaps {
  g: Float32Array;
  lap: Float32Array;
  imm: Float32Array;
}

/**
 * Interior pixels measured per frame at most: a larger frame is measured on every s-th interior row
 * (whole rows, so each 3×3 operator still sees its true neighbours; only fewer of them are pooled).
 * 8 frames of 4K would otherwise hold ~800 MB of maps; at this budget they hold ~25 MB.
 */
export const PROBE_PIXELS_PER_FRAME = 1 << 18;

/** Gradient, |Laplacian| and |Immerkær mask| on the interior pixels of one luma plane (every `step`-th row). */
function frameMaps(y: Float32Array, w: number, h: number): FrameMaps {
  const iw = Math.max(0, w - 2), ih = Math.max(0, h - 2);
  const step = Math.max(1, Math.ceil((iw * ih) / PROBE_PIXELS_PER_FRAME));
  const n = iw * Math.ceil(ih / step);
  const g = new Float32Array(n), lap = new Float32Array(n), imm = new Float32Array(n);
  let k = 0;
  for (let r = 1; r < h - 1; r += step) {
    for (let c = 1; c < w - 1; c++, k++) {
      const i = r * w + c;
      const up = y[i - w], dn = y[i + w], lf = y[i - 1], rt = y[i + 1], ctr = y[i];
      g[k] = Math.abs(rt - lf) + Math.abs(dn - up);
      lap[k] = Math.abs(up + dn + lf + rt - 4 * ctr);
      const corners = y[i - w - 1] + y[i - w + 1] + y[i + w - 1] + y[i + w + 1];
      imm[k] = Math.abs(corners - 2 * (up + dn + lf + rt) + 4 * ctr);
    }
  }
  return { g, lap, imm };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function probeMaps(maps: FrameMaps[]): InputProbe {
  const g = concat(maps.map((m) => m.g)), lap = concat(maps.map((m) => m.lap)), imm = concat(maps.map((m) => m.imm));
  if (g.length === 0) throw new RangeError('the probe needs frames of at least 3×3 pixels');
  const [median, p90] = quantiles(g, [0.5, 0.9]);
  let flatSum = 0, flatN = 0, edgeLap = 0, edgeG = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] <= median) {
      flatSum += imm[i];
      flatN++;
    } else if (g[i] > p90) {
      edgeLap += lap[i];
      edgeG += g[i];
    }
  }
  return {
    noise: (Math.sqrt(Math.PI / 2) / 6) * (flatSum / flatN),
    // No pixel above the 90th percentile (a flat frame): no edge to measure; 0 reads as "soft".
    edge: edgeG > 0 ? edgeLap / edgeG : 0,
    frames: maps.length,
    pixels: g.length,
  };
}

/** Probe planar RGB [0, 1] frames (the CLI's and the fitter's). */
export function probeImages(frames: readonly ImageF32[]): InputProbe {
  if (frames.length === 0) throw new RangeError('the probe needs at least one frame');
  // One frame's luma at a time: only the (bounded) maps are kept.
  return probeMaps(frames.map((f) => frameMaps(lumaOfImage(f), f.width, f.height)));
}

/** Probe 8-bit RGBA frames (the app's). */
export function probeFrames(frames: readonly RgbaFrame[]): InputProbe {
  if (frames.length === 0) throw new RangeError('the probe needs at least one frame');
  return probeMaps(frames.map((f) => frameMaps(lumaOfRgba(f), f.width, f.height)));
}

/** A model's score for a probe; the reference model (empty weights) scores its bias, 0. */
export function routeScore(route: ModelRoute, probe: InputProbe): number {
  let s = route.bias;
  for (const f of PROBE_FEATURES) {
    const w = route.weights[f];
    if (w !== undefined) s += w * Math.log(probe[f] + 1e-3);
  }
  return s;
}

export interface AutoPick {
  id: string;
  probe: InputProbe;
  /** Every routed model's score, highest first. */
  scores: { id: string; score: number }[];
  /** One line for a status bar or a log: what was measured and what it chose. */
  reason: string;
}

/**
 * The routed model with the highest score for this probe, or null where fewer than two models
 * carry a route (nothing to choose between: the caller keeps its default).
 */
export function pickModel(models: readonly { id: string; route?: ModelRoute }[], probe: InputProbe): AutoPick | null {
  const routed = models.filter((m): m is { id: string; route: ModelRoute } => m.route !== undefined);
  if (routed.length < 2) return null;
  const scores = routed.map((m) => ({ id: m.id, score: routeScore(m.route, probe) })).sort((a, b) => b.score - a.score);
  const best = scores[0];
  const margin = best.score - scores[1].score;
  const sure = margin > 2 ? 'clearly' : margin > 0.7 ? 'likely' : 'narrowly';
  return {
    id: best.id,
    probe,
    scores,
    reason: `auto → ${best.id} (${sure}; noise ${probe.noise.toFixed(2)}, edge ${probe.edge.toFixed(2)} on ${probe.frames} frame${probe.frames === 1 ? '' : 's'})`,
  };
}
