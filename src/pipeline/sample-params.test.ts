import { describe, expect, it } from 'vitest';
import { parsePipelineParams } from './params.ts';
import { samplePaperParams } from './sample-params.ts';

describe('samplePaperParams', () => {
  it('is deterministic by seed and differs across seeds', () => {
    expect(samplePaperParams(42)).toEqual(samplePaperParams(42));
    expect(JSON.stringify(samplePaperParams(42))).not.toBe(JSON.stringify(samplePaperParams(43)));
  });

  it('gives valid params that survive a JSON round trip through the validator unchanged', () => {
    for (let s = 0; s < 50; s++) {
      const p = samplePaperParams(s);
      const back = parsePipelineParams(JSON.parse(JSON.stringify(p)));
      expect(back.params).toEqual(p);
      expect(back.notices).toEqual([]);
    }
  });

  it('follows the paper distribution over 2000 draws', () => {
    const N = 2000;
    const count = (pred: (i: number) => boolean) => {
      let c = 0;
      for (let i = 0; i < N; i++) if (pred(i)) c++;
      return c / N;
    };
    const draws = Array.from({ length: N }, (_, i) => samplePaperParams(i * 7919 + 1));
    // Ranges (hard bounds).
    for (const p of draws) {
      expect(['iso', 'aniso']).toContain(p.blur.kind);
      expect(p.blur.size).toBe(21);
      expect(p.blur.sigmaX).toBeGreaterThanOrEqual(0.2);
      expect(p.blur.sigmaX).toBeLessThanOrEqual(4);
      if (p.blur.kind === 'aniso') {
        expect(p.blur.sigmaY).toBeGreaterThanOrEqual(0.8);
        expect(p.blur.sigmaY).toBeLessThanOrEqual(3);
        expect(Math.abs(p.blur.theta)).toBeLessThanOrEqual(Math.PI);
      }
      expect(p.noise.kind).toBe('gaussian');
      expect(p.noise.sigma).toBeGreaterThanOrEqual(0);
      expect(p.noise.sigma).toBeLessThanOrEqual(10);
      expect(p.down.factor).toBe(4);
      expect(p.vqd).toMatchObject({ enabled: true, mode: 'paper', kTop: 1 });
      expect(p.vqd.kMid).toBeGreaterThanOrEqual(1);
      expect(p.vqd.kMid).toBeLessThanOrEqual(10);
      expect(p.vqd.kBot).toBeGreaterThanOrEqual(1);
      expect(p.vqd.kBot).toBeLessThanOrEqual(50);
      expect(p.compress.codec).toBe('libx264');
      expect(Number.isInteger(p.compress.crf)).toBe(true);
      expect(p.compress.crf).toBeGreaterThanOrEqual(18);
      expect(p.compress.crf).toBeLessThanOrEqual(35);
      expect(p.compress.fps).toBe(25);
    }
    // Proportions: binomial sd at n = 2000 is ≤ 0.0112; bounds are ≈ 3.5 sd.
    const near = (got: number, want: number, tol: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol);
    near(count((i) => draws[i].blur.kind === 'iso'), 0.7, 0.035);
    near(count((i) => draws[i].noise.gray), 0.5, 0.04);
    for (const m of ['area', 'bilinear', 'bicubic']) near(count((i) => draws[i].down.method === m), 1 / 3, 0.035);
    near(count((i) => draws[i].compress.profile === 'baseline'), 0.1, 0.025);
    near(count((i) => draws[i].compress.profile === 'main'), 0.2, 0.03);
    near(count((i) => draws[i].compress.profile === 'high'), 0.7, 0.035);
    near(count((i) => draws[i].vqd.kBot <= 15), 0.3, 0.035);
    near(count((i) => draws[i].vqd.kBot >= 16 && draws[i].vqd.kBot <= 30), 0.4, 0.04);
    near(count((i) => draws[i].vqd.kBot >= 31), 0.3, 0.035);
    for (let k = 1; k <= 10; k++) near(count((i) => draws[i].vqd.kMid === k), 0.1, 0.025);
    // Uniform σ and crf: means within ≈ 4 standard errors.
    const mean = (f: (i: number) => number) => draws.reduce((s, _, i) => s + f(i), 0) / N;
    near(mean((i) => draws[i].noise.sigma), 5, 0.25); // sd of U[0,10] is 2.89 → se 0.065
    near(mean((i) => draws[i].blur.sigmaX), 2.1, 0.1); // sd 1.10 → se 0.025
    near(mean((i) => draws[i].compress.crf), 26.5, 0.5); // sd 5.19 → se 0.116
    // Every crf value 18…35 occurs.
    expect(new Set(draws.map((p) => p.compress.crf)).size).toBe(18);
  });
});
