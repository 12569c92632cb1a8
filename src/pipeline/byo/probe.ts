/**
 * What only running a model the user brought can tell: its scale (when its shapes are not fixed in
 * the file), the multiple its input sides must be, and the range of its pixel values.
 *
 * - Scale: a 32×32 probe frame in (the fixed size for a fixed-size net); output side ÷ 32, which
 *   must be the same whole number 1–4 on both sides.
 * - Multiple: the smallest m of 1, 2, 4, 8, 16, 32 for which a frame of a side that is a multiple
 *   of m but not of 2m (33, 34, 36, 40, 48) runs and comes out exactly ×scale. Tiles are then cut
 *   to multiples of m (a net with pixel-unshuffle or window attention needs it).
 * - Range: the probe frame is a small cel-shaded picture (flat colours with soft edges over a slow
 *   gradient, in 0.1–0.9: what an animation upscaler is made for). Read as 0–1 (frame as is) and as
 *   0–255 (frame ×255, output ÷255), the output shrunk back by its own scale (box average) must
 *   give the frame again: correlation ≥ 0.9, contrast within ×0.5–×2, mean within 25 levels — a
 *   real upscaler does (Real-ESRGAN animevideov3: correlation 0.99, 7.5 levels RMSE), the wrong
 *   reading gives a blank, saturated or scrambled frame. When both readings fit (a linear net: the
 *   same picture either way), the closer one, 0–1 on a tie. When neither does (an untrained net,
 *   another colour space, a net that changes the picture), the user is asked.
 *
 * Pure TS over a `run` callback (an ORT session of either runtime), so Node and the browser infer
 * the same.
 */
import { ByoRefusal, type StaticInspection } from './inspect';

export interface ProbeTensor {
  data: Float32Array;
  dims: readonly number[];
}
/** One run of the model: feeds by name → outputs by name. */
export type ProbeRun = (feeds: Record<string, ProbeTensor>) => Promise<Record<string, ProbeTensor>>;

/** What the user said where the model did not tell. */
export interface ByoAnswers {
  range?: 1 | 255;
  stateChannels?: number;
}

export type ByoQuestion =
  | { id: 'range'; suggested: 1 | 255; why: string }
  | { id: 'stateChannels'; why: string };

export interface ByoInference {
  scale: number;
  multiple: number;
  range: 1 | 255;
  /** 0 for a single-frame net. */
  stateChannels: number;
  /** How each was found, one line each. */
  notes: string[];
}

export type ProbeOutcome = { inference: ByoInference; questions: [] } | { inference: null; questions: ByoQuestion[]; notes: string[] };

/** Side of the probe frame of a net without a fixed size. */
export const PROBE_SIZE = 32;
/** A reading fits when the output shrunk back correlates with the probe frame at least this well… */
export const RANGE_MIN_CORRELATION = 0.9;
/** …its contrast (standard deviation) is within this factor of the frame's… */
export const RANGE_MAX_GAIN = 2;
/** …and its mean within this (0–1 units: 25 levels of 255). */
export const RANGE_MAX_MEAN_SHIFT = 0.1;
/** Largest state width a user may give. */
export const MAX_STATE_CHANNELS = 1024;

/**
 * The probe frame [3, n, n] in 0.1–0.9: three flat discs with anti-aliased one-pixel edges over
 * a slow gradient, like a frame of a cel-shaded clip at any n.
 */
export function probeImage(n: number): Float32Array {
  const out = new Float32Array(3 * n * n);
  const discs = [
    { cx: 0.3, cy: 0.35, r: 0.22, col: [0.85, 0.35, 0.3] },
    { cx: 0.72, cy: 0.62, r: 0.25, col: [0.25, 0.55, 0.85] },
    { cx: 0.45, cy: 0.8, r: 0.14, col: [0.9, 0.85, 0.3] },
  ];
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const u = (x + 0.5) / n;
      const v = (y + 0.5) / n;
      let col = [0.3 + 0.4 * v, 0.6 + 0.2 * u, 0.75 - 0.3 * v];
      for (const d of discs) {
        const a = Math.min(1, Math.max(0, 0.5 - (Math.hypot(u - d.cx, v - d.cy) - d.r) * n));
        col = col.map((c, i) => c * (1 - a) + d.col[i] * a);
      }
      for (let c = 0; c < 3; c++) out[(c * n + y) * n + x] = col[c];
    }
  return out;
}

export interface ShrinkBackFit {
  /** Pearson correlation of the shrunk output with the frame (NaN for a flat output). */
  correlation: number;
  /** std(shrunk) / std(frame). */
  gain: number;
  /** mean(shrunk) − mean(frame), 0–1 units. */
  meanShift: number;
  /** RMSE in levels of 255. */
  rmseLevels: number;
  fits: boolean;
}

/** How well the output [3, sn, sn] ÷ `range`, shrunk by box averages of s×s, gives back `img` [3, n, n]. */
export function shrinkBackFit(out: Float32Array, img: Float32Array, n: number, scale: number, range: number): ShrinkBackFit {
  const N = n * scale;
  const m = img.length;
  const shrunk = new Float64Array(m);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) s += out[(c * N + y * scale + dy) * N + x * scale + dx];
        shrunk[(c * n + y) * n + x] = s / (scale * scale) / range;
      }
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < m; i++) {
    ma += shrunk[i];
    mb += img[i];
  }
  ma /= m;
  mb /= m;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  let sq = 0;
  for (let i = 0; i < m; i++) {
    const a = shrunk[i] - ma;
    const b = img[i] - mb;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
    sq += (shrunk[i] - img[i]) ** 2;
  }
  const correlation = sab / Math.sqrt(saa * sbb);
  const gain = Math.sqrt(saa / sbb);
  const meanShift = ma - mb;
  const rmse = 255 * Math.sqrt(sq / m);
  const rmseLevels = Number.isFinite(rmse) ? rmse : Infinity;
  const fits = correlation >= RANGE_MIN_CORRELATION && gain >= 1 / RANGE_MAX_GAIN && gain <= RANGE_MAX_GAIN && Math.abs(meanShift) <= RANGE_MAX_MEAN_SHIFT;
  return { correlation, gain, meanShift, rmseLevels, fits };
}

interface Attempt {
  out?: ProbeTensor;
  error?: unknown;
}

/**
 * Probe `s`'s model through `run`. Questions come back for what neither the file nor the runs tell
 * (and the user has not answered); ByoRefusal when the model does not run as an image upscaler.
 * `describeError` turns a failed run's error into words (ort-errors.ts).
 */
export async function probeModel(s: StaticInspection, run: ProbeRun, answers: ByoAnswers, describeError: (e: unknown) => string): Promise<ProbeOutcome> {
  const notes: string[] = [];
  let C = 0;
  if (s.frames === 'recurrent') {
    if (s.stateChannels !== null) {
      C = s.stateChannels;
      notes.push(`state width ${C}: from the file's state shape`);
    } else if (answers.stateChannels !== undefined) {
      if (!(Number.isInteger(answers.stateChannels) && answers.stateChannels >= 1 && answers.stateChannels <= MAX_STATE_CHANNELS)) {
        throw new ByoRefusal(`the state width must be a whole number 1–${MAX_STATE_CHANNELS} (got ${answers.stateChannels})`);
      }
      C = answers.stateChannels;
      notes.push(`state width ${C}: as you said`);
    } else {
      const why = `${s.fileName} follows the recurrent step contract, but its file does not fix the state's channel count C of [1, C, h, w]: give the width it was trained with`;
      return { inference: null, questions: [{ id: 'stateChannels', why }], notes };
    }
  }

  const attempt = async (n: number, range: 1 | 255): Promise<Attempt> => {
    const img = probeImage(n);
    const x: ProbeTensor = { data: range === 1 ? img : img.map((v) => v * 255), dims: [1, 3, n, n] };
    const feeds: Record<string, ProbeTensor> =
      s.frames === 'single' ? { [s.input.name]: x } : { prev: x, cur: x, next: x, state: { data: new Float32Array(C * n * n), dims: [1, C, n, n] } };
    try {
      const r = await run(feeds);
      const out = r[s.output.name];
      if (!out) return { error: new Error(`no output '${s.output.name}'`) };
      return { out };
    } catch (error) {
      return { error };
    }
  };
  const outSide = (o: ProbeTensor) => (o.dims.length === 4 && o.dims[0] === 1 && o.dims[1] === 3 ? { h: o.dims[2], w: o.dims[3] } : null);

  // Scale.
  const sizes = s.fixedSize ? [s.fixedSize.width] : [PROBE_SIZE, 2 * PROBE_SIZE];
  let n = 0;
  let first: Attempt = {};
  for (const size of sizes) {
    first = await attempt(size, 1);
    n = size;
    if (first.out) break;
  }
  if (!first.out) {
    const stateNote = s.frames === 'recurrent' && s.stateChannels === null ? ` with state width ${C}` : '';
    throw new ByoRefusal(`${s.fileName} could not run on a ${n}×${n} test frame${stateNote}: ${describeError(first.error)}`);
  }
  const side = outSide(first.out);
  if (!side) throw new ByoRefusal(`${s.fileName} gave an output of [${first.out.dims.join(', ')}] for a [1, 3, ${n}, ${n}] frame: the app reads images [1, 3, H, W]`);
  const scale = side.h / n;
  if (side.w / n !== scale || !Number.isInteger(scale) || scale < 1 || scale > 4) {
    throw new ByoRefusal(`${s.fileName} turns a ${n}×${n} frame into ${side.w}×${side.h}: the app runs ×1, ×2, ×3 and ×4 models (the same whole number on both sides)`);
  }
  if (s.staticScale !== null && s.staticScale !== scale) throw new ByoRefusal(`${s.fileName} declares ×${s.staticScale} in its shapes but gives ×${scale} when run`);
  notes.push(s.staticScale !== null ? `×${scale}: from the file's fixed shapes (${n}×${n} → ${side.w}×${side.h}), confirmed by a run` : `×${scale}: a ${n}×${n} test frame came out ${side.w}×${side.h}`);

  // Tile multiple.
  let multiple = n;
  if (s.fixedSize) {
    notes.push(`fixed input ${n}×${n}: frames run as ${n}×${n} tiles`);
  } else {
    for (const m of [1, 2, 4, 8, 16, 32].filter((m) => m <= n)) {
      const size = m * (Math.floor(n / m) | 1);
      if (size === n) {
        multiple = m;
        break;
      }
      const a = await attempt(size, 1);
      const o = a.out && outSide(a.out);
      if (o && o.h === size * scale && o.w === size * scale) {
        multiple = m;
        break;
      }
    }
    notes.push(multiple === 1 ? 'any frame size' : `frame sides padded to multiples of ${multiple} (the smallest it runs at)`);
  }

  // Value range.
  let range: 1 | 255;
  if (answers.range !== undefined && answers.range !== 1 && answers.range !== 255) throw new ByoRefusal(`the value range must be 0–1 or 0–255`);
  const img = probeImage(n);
  const f1 = shrinkBackFit(first.out.data, img, n, scale, 1);
  const second = await attempt(n, 255);
  const f255 = second.out && outSide(second.out)?.h === n * scale ? shrinkBackFit(second.out.data, img, n, scale, 255) : null;
  const said = (f: ShrinkBackFit | null) =>
    !f ? 'does not run' : !Number.isFinite(f.correlation) ? 'a flat frame' : `correlation ${f.correlation.toFixed(3)}, ${f.rmseLevels < 10 ? f.rmseLevels.toFixed(1) : Math.round(f.rmseLevels)} levels RMSE`;
  const measured = `the test frame shrunk back from its output: read as 0–1 ${said(f1)}; read as 0–255 ${said(f255)}`;
  const fit1 = f1.fits;
  const fit255 = f255?.fits === true;
  if (fit1 || fit255) {
    const tie = fit1 && fit255 && Math.abs(f1.rmseLevels - f255.rmseLevels) <= 0.5;
    range = fit1 && (!fit255 || f1.rmseLevels <= f255.rmseLevels + 0.5) ? 1 : 255;
    notes.push(tie ? `values 0–1: the same picture either way (${measured})` : `values 0–${range}: ${measured}`);
    if (answers.range !== undefined && answers.range !== range) notes.push(`(you said 0–${answers.range}; the runs say 0–${range})`);
  } else if (answers.range !== undefined) {
    range = answers.range;
    notes.push(`values 0–${range}: as you said (${measured})`);
  } else {
    const best: 1 | 255 = f255 && f255.rmseLevels < f1.rmseLevels ? 255 : 1;
    const why =
      `neither reading of ${s.fileName}'s values gives the test frame back (${measured}): it may be untrained, use other colours (BGR, YCbCr) or change the picture on purpose. ` +
      `Which range was it trained on?`;
    return { inference: null, questions: [{ id: 'range', suggested: best, why }], notes };
  }
  return { inference: { scale, multiple, range, stateChannels: C, notes }, questions: [] };
}
