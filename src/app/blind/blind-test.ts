/**
 * The blind A-B test's logic, free of UI: trials from a definition (seeded
 * order and sides), the tally of votes, and the CSV/JSON exports.
 *
 * As in the paper's user study (VQD-SR supplementary, Fig. 6): every trial
 * shows one frame as two images of two methods in random order, the subject
 * presses 1 or 2 for the better one, and the result is the share of votes per
 * method for each pair.
 */
import { makeRng } from '../../core/rng';
import type { VariantId } from '../variants';
import type { BlindTestDef } from '../../state/view-state';

export interface Trial {
  /** Position in the shuffled sequence, 0-based. */
  index: number;
  frame: number;
  /** Index into def.pairs. */
  pair: number;
  /** Shown as image 1 (left window) and image 2 (right window). */
  first: VariantId;
  second: VariantId;
}

export interface Vote {
  trial: number;
  frame: number;
  pair: number;
  first: VariantId;
  second: VariantId;
  /** Which image the subject chose: 1 or 2. */
  choice: 1 | 2;
  chosen: VariantId;
  /** Time from the trial's images being shown to the vote. */
  ms: number;
}

/**
 * frames × pairs trials, shuffled (Fisher–Yates) and with each trial's sides
 * drawn from makeRng(seed): the same definition always gives the same sequence.
 * Draw order: the shuffle's n−1 integers first, then one side bit per trial.
 */
export function makeTrials(def: BlindTestDef): Trial[] {
  const rng = makeRng(def.seed);
  const cells: { frame: number; pair: number }[] = [];
  for (const frame of def.frames) for (let pair = 0; pair < def.pairs.length; pair++) cells.push({ frame, pair });
  for (let i = cells.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [cells[i], cells[j]] = [cells[j], cells[i]];
  }
  return cells.map((c, index) => {
    const [x, y] = def.pairs[c.pair];
    const swap = rng.bool();
    return { index, frame: c.frame, pair: c.pair, first: swap ? y : x, second: swap ? x : y };
  });
}

export function voteFor(trial: Trial, choice: 1 | 2, ms: number): Vote {
  return { trial: trial.index, frame: trial.frame, pair: trial.pair, first: trial.first, second: trial.second, choice, chosen: choice === 1 ? trial.first : trial.second, ms: Math.round(ms) };
}

export interface PairResult {
  pair: [VariantId, VariantId];
  /** Votes for pair[0] and pair[1]. */
  votes: [number, number];
  total: number;
  /** Share of votes in [0, 1] for pair[0] and pair[1]; NaN when the pair has no votes yet. */
  share: [number, number];
}

export function tally(def: BlindTestDef, votes: readonly Vote[]): PairResult[] {
  return def.pairs.map(([x, y], p) => {
    let vx = 0;
    let vy = 0;
    for (const v of votes) {
      if (v.pair !== p) continue;
      if (v.chosen === x) vx++;
      else if (v.chosen === y) vy++;
    }
    const total = vx + vy;
    return { pair: [x, y], votes: [vx, vy], total, share: [total ? vx / total : NaN, total ? vy / total : NaN] };
  });
}

/** One CSV field: quoted when needed, and a leading = + - @ neutralised so spreadsheets never run it as a formula. */
export function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The share of votes per method per pair: one row per (pair, method). */
export function resultsCsv(def: BlindTestDef, votes: readonly Vote[], sourceName: string, labelOf: (id: VariantId) => string = (id) => id): string {
  const rows: (string | number)[][] = [['source', 'seed', 'pair', 'method', 'label', 'votes', 'total', 'share']];
  for (const r of tally(def, votes)) {
    for (const k of [0, 1] as const) {
      rows.push([sourceName, def.seed, `${r.pair[0]} vs ${r.pair[1]}`, r.pair[k], labelOf(r.pair[k]), r.votes[k], r.total, r.total ? r.share[k].toFixed(4) : '']);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function resultsJson(def: BlindTestDef, votes: readonly Vote[], sourceName: string): string {
  return JSON.stringify(
    {
      test: { source: sourceName, seed: def.seed, frames: def.frames, pairs: def.pairs, context: def.context },
      results: tally(def, votes).map((r) => ({ pair: r.pair, votes: r.votes, total: r.total, share: r.total ? r.share : null })),
      votes,
    },
    null,
    2,
  );
}

/** n frames spread evenly over a clip (the paper samples 4 per clip uniformly): centres of n equal segments. */
export function uniformFrames(frameCount: number, n: number): number[] {
  const count = Math.max(1, Math.floor(frameCount));
  const k = Math.max(1, Math.min(count, Math.floor(n)));
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(Math.min(count - 1, Math.floor(((i + 0.5) * count) / k)));
  return [...new Set(out)];
}

/** Parses "0, 12, 30" or "1-4" style lists of 1-based frame numbers (as the UI shows them) into 0-based indices. */
export function parseFrameList(text: string, frameCount: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(/[\s,;]+/)) {
    if (!part) continue;
    const range = /^(\d+)-(\d+)$/.exec(part);
    const nums = range ? [Number(range[1]), Number(range[2])] : /^\d+$/.test(part) ? [Number(part), Number(part)] : null;
    if (!nums) continue;
    for (let f = Math.min(nums[0], nums[1]); f <= Math.max(nums[0], nums[1]) && out.size < 64; f++) {
      if (f >= 1 && f <= frameCount) out.add(f - 1);
    }
  }
  return [...out];
}

/** Saves text as a file the browser downloads. */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
