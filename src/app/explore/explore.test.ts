import { describe, expect, it } from 'vitest';
import { diffFrame, isMonotoneDecreasing, levels, PAPER_RANGE } from './explore';
import { paramsForLevel } from '../../pipeline/vqd/options';
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

describe('explorer difference view and trend', () => {
  it('amplifies |a − b| per channel, clamps at 255 and keeps alpha opaque', () => {
    const a = { width: 2, height: 1, data: new Uint8ClampedArray([10, 200, 50, 255, 0, 0, 0, 255]) };
    const b = { width: 2, height: 1, data: new Uint8ClampedArray([12, 100, 50, 17, 0, 0, 0, 0]) };
    expect(Array.from(diffFrame(a, b, 4).data)).toEqual([8, 255, 0, 255, 0, 0, 0, 255]);
    expect(() => diffFrame(a, { width: 1, height: 2, data: b.data }, 4)).toThrow(/2×1 vs 1×2/);
  });
  it('calls a PSNR series monotone only when every finite step falls', () => {
    expect(isMonotoneDecreasing([{ k: 1, psnr: Infinity }, { k: 4, psnr: 40 }, { k: 7, psnr: 35 }])).toBe(true);
    expect(isMonotoneDecreasing([{ k: 7, psnr: 35 }, { k: 4, psnr: 40 }])).toBe(true);
    expect(isMonotoneDecreasing([{ k: 4, psnr: 40 }, { k: 7, psnr: 40 }])).toBe(false);
    expect(isMonotoneDecreasing([{ k: 4, psnr: 40 }, { k: 7, psnr: 41 }])).toBe(false);
  });
});
