import { describe, expect, it } from 'vitest';
import { levels, paramsForLevel, PAPER_RANGE } from './explore';
import { defaultPipelineParams } from '../../pipeline/params';

describe('explorer levels', () => {
  it('gives the paper grid k = 1, 4, …, 70', () => {
    const ks = levels(PAPER_RANGE);
    expect(ks[0]).toBe(1);
    expect(ks.at(-1)).toBe(70);
    expect(ks.length).toBe(24);
    expect(ks.every((k, i) => i === 0 || k - ks[i - 1] === 3)).toBe(true);
  });
  it('clamps bad ranges instead of looping forever', () => {
    expect(levels({ branch: 'kBot', start: 0, end: 1e9, step: 0 }).length).toBe(64);
    expect(levels({ branch: 'kBot', start: 90, end: 10, step: 5 })).toEqual([90]);
    expect(levels({ branch: 'kBot', start: 1, end: 500, step: 50 }).at(-1)).toBe(101);
  });
  it('sets one branch and turns the codec off unless asked', () => {
    const base = defaultPipelineParams();
    const p = paramsForLevel(base, 'kMid', 9, false);
    expect(p.vqd).toMatchObject({ enabled: true, mode: 'fixed', kMid: 9, kTop: base.vqd.kTop, kBot: base.vqd.kBot });
    expect(p.compress.codec).toBe('none');
    expect(paramsForLevel(base, 'kBot', 4, true).compress.codec).toBe(base.compress.codec);
    expect(base.vqd.kMid).toBe(1); // the user's params are not touched
  });
});
