import { describe, expect, it } from 'vitest';
import { csvField, makeTrials, parseFrameList, resultsCsv, resultsJson, tally, uniformFrames, voteFor } from './blind-test';
import type { BlindTestDef } from '../../state/view-state';

const def: BlindTestDef = {
  seed: 42,
  frames: [0, 10, 20, 30],
  pairs: [
    ['vsr:vsr', 'bicubic'],
    ['vsr:vsr', 'lr'],
  ],
  context: 'lr',
};

describe('blind test trials', () => {
  it('covers every frame × pair exactly once, each with the pair in one of its two orders', () => {
    const trials = makeTrials(def);
    expect(trials.length).toBe(8);
    const cells = new Set(trials.map((t) => `${t.frame}:${t.pair}`));
    expect(cells.size).toBe(8);
    for (const t of trials) {
      const [x, y] = def.pairs[t.pair];
      expect([`${x}|${y}`, `${y}|${x}`]).toContain(`${t.first}|${t.second}`);
    }
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('replays identically for the same seed, and differs for another', () => {
    expect(makeTrials(def)).toEqual(makeTrials({ ...def, frames: [...def.frames] }));
    const a = JSON.stringify(makeTrials(def));
    let differ = 0;
    for (let s = 1; s <= 20; s++) if (JSON.stringify(makeTrials({ ...def, seed: s })) !== a) differ++;
    expect(differ).toBe(20);
  });

  it('puts each method first about half the time (seeded sides are not biased)', () => {
    const big: BlindTestDef = { ...def, frames: Array.from({ length: 64 }, (_, i) => i), pairs: [['vsr:vsr', 'bicubic']] };
    let vsrFirst = 0;
    let n = 0;
    for (let s = 0; s < 50; s++) {
      for (const t of makeTrials({ ...big, seed: s })) {
        n++;
        if (t.first === 'vsr:vsr') vsrFirst++;
      }
    }
    // n = 3200 fair coin flips: σ of the share = 0.5/√3200 ≈ 0.0088; allow 4σ.
    expect(Math.abs(vsrFirst / n - 0.5)).toBeLessThan(0.036);
  });
});

describe('blind test results', () => {
  const trials = makeTrials(def);
  // A subject who always picks 'vsr:vsr' when it is shown, and image 2 otherwise.
  const votes = trials.map((t, i) => voteFor(t, t.first === 'vsr:vsr' ? 1 : 2, 1000 + i));

  it('tallies the share of votes per method per pair', () => {
    const r = tally(def, votes);
    expect(r).toEqual([
      { pair: ['vsr:vsr', 'bicubic'], votes: [4, 0], total: 4, share: [1, 0] },
      { pair: ['vsr:vsr', 'lr'], votes: [4, 0], total: 4, share: [1, 0] },
    ]);
    const half = tally(def, votes.slice(0, 0));
    expect(half[0].total).toBe(0);
    expect(Number.isNaN(half[0].share[0])).toBe(true);
  });

  it('a mixed subject gives fractional shares', () => {
    const mixed = trials.map((t) => voteFor(t, 1, 0));
    const r = tally(def, mixed);
    for (const [p, res] of r.entries()) {
      const firstIsX = trials.filter((t) => t.pair === p && t.first === def.pairs[p][0]).length;
      expect(res.votes).toEqual([firstIsX, 4 - firstIsX]);
      expect(res.share[0] + res.share[1]).toBeCloseTo(1, 12);
    }
  });

  it('CSV: header + one row per method per pair, fields escaped, formulas neutralised', () => {
    const csv = resultsCsv(def, votes, 'my "clip", =1+1.mp4', (id) => id.toUpperCase());
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('source,seed,pair,method,label,votes,total,share');
    expect(lines.length).toBe(5);
    expect(lines[1]).toBe('"my ""clip"", =1+1.mp4",42,vsr:vsr vs bicubic,vsr:vsr,VSR:VSR,4,4,1.0000');
    expect(lines[2]).toBe('"my ""clip"", =1+1.mp4",42,vsr:vsr vs bicubic,bicubic,BICUBIC,0,4,0.0000');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-3')).toBe("'-3");
    expect(csvField(-3)).toBe('-3');
  });

  it('JSON: definition, results and every vote', () => {
    const j = JSON.parse(resultsJson(def, votes, 'sample.mp4')) as { test: unknown; results: unknown[]; votes: unknown[] };
    expect(j.test).toEqual({ source: 'sample.mp4', seed: 42, frames: def.frames, pairs: def.pairs, context: 'lr' });
    expect(j.results[0]).toEqual({ pair: ['vsr:vsr', 'bicubic'], votes: [4, 0], total: 4, share: [1, 0] });
    expect(j.votes.length).toBe(8);
    expect(j.votes[3]).toEqual({ ...votes[3] });
  });
});

describe('frame choice helpers', () => {
  it('uniformFrames: centres of equal segments', () => {
    expect(uniformFrames(75, 4)).toEqual([9, 28, 46, 65]);
    expect(uniformFrames(1, 4)).toEqual([0]);
    expect(uniformFrames(3, 10)).toEqual([0, 1, 2]);
  });
  it('parseFrameList: 1-based numbers and ranges, out-of-clip dropped', () => {
    expect(parseFrameList('1, 5 ;10-12 99', 20)).toEqual([0, 4, 9, 10, 11]);
    expect(parseFrameList('abc, 0, -3', 20)).toEqual([]);
  });
});
