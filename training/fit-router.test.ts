/**
 * The router's fit (training/fit_router.ts): on clips where the better net depends on one feature,
 * the weighted logistic regression finds the split, and the routes it writes for the manifest
 * (weights on the raw log-features) choose exactly as the fit does on its standardised features,
 * through the app's own scoring (input-probe.ts pickModel).
 */
import { describe, expect, it } from 'vitest';
import { pickModel, PROBE_FEATURES, type InputProbe } from '../src/pipeline/vsr/input-probe.ts';
import { fit, predict, reportByCondition, routeCandidates, routes, type ClipRow } from './fit_router.ts';

/** Clips whose log(edge) below −0.7 favour model 1 by `gap` dB; log(noise) is noise to the choice. */
function rows(n: number, seed: number, gap = 0.5): ClipRow[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Array.from({ length: n }, (_, i) => {
    const logNoise = -3 + 4 * u();
    const logEdge = -1.6 + 1.6 * u();
    const soft = logEdge < -0.7;
    return { cond: 'synthetic', clip: String(i), psnr: soft ? [30, 30 + gap] : [30 + gap, 30], x: [logNoise, logEdge] };
  });
}

const probeOf = (x: number[]): InputProbe => ({ noise: Math.exp(x[0]) - 1e-3, edge: Math.exp(x[1]) - 1e-3, frames: 1, pixels: 1 });

describe('router fit', () => {
  it('finds a one-feature split and its manifest routes choose as the fit does', () => {
    expect(PROBE_FEATURES).toEqual(['noise', 'edge']);
    const train = rows(120, 1);
    const f = fit(train, 2);
    const r = routes(f, ['vsr', 'vsr-restore']);
    expect(r.vsr).toEqual({ bias: 0, weights: {} });
    expect(r['vsr-restore'].weights.edge!).toBeLessThan(0); // softer edges → the restore net
    const test = rows(200, 2);
    let agree = 0, right = 0;
    for (const t of test) {
      const byFit = predict(f, t.x);
      const byRoute = pickModel([{ id: 'vsr', route: r.vsr }, { id: 'vsr-restore', route: r['vsr-restore'] }], probeOf(t.x))!.id === 'vsr-restore' ? 1 : 0;
      if (byFit === byRoute) agree++;
      if (byFit === t.psnr.indexOf(Math.max(...t.psnr))) right++;
    }
    // The routes are the fit rewritten (rounded to 6 significant digits): the same choice on every clip
    // but those within rounding of the boundary (none expected among 200).
    expect(agree).toBe(200);
    // A separable split: at most a few clips right at the boundary go the wrong way.
    expect(right).toBeGreaterThanOrEqual(194);
  });

  it('weights clips by what the wrong choice costs: a few costly clips outweigh many near-ties', () => {
    // 40 near-ties (0.01 dB) favour model 0 everywhere; 10 clips at log(edge) < −1.2 favour model 1 by 2 dB.
    const ties: ClipRow[] = Array.from({ length: 40 }, (_, i) => ({ cond: 's', clip: `t${i}`, psnr: [30.01, 30], x: [0, -1.5 + (1.4 * i) / 39] }));
    const costly: ClipRow[] = Array.from({ length: 10 }, (_, i) => ({ cond: 's', clip: `c${i}`, psnr: [30, 32], x: [0, -1.5 + (0.25 * i) / 9] }));
    const f = fit([...ties, ...costly], 2);
    expect(predict(f, [0, -1.45])).toBe(1);
    expect(predict(f, [0, -0.2])).toBe(0);
  });

  it('chooses among the models whose summary does not say auto: false', () => {
    const models = [{ id: 'vsr' }, { id: 'vsr-restore' }, { id: 'vsr-fast' }, { id: 'mine' }];
    const manifest = { models: { vsr: { training: {} }, 'vsr-restore': { training: { auto: true } }, 'vsr-fast': { training: { auto: false } }, mine: {} } };
    expect(routeCandidates(models, manifest).map((m) => m.id)).toEqual(['vsr', 'vsr-restore', 'mine']);
  });
  it('reports per condition each net alone, the oracle and each choice of nets, with its picks', () => {
    const r: ClipRow[] = [
      { cond: 'clean', clip: 'a', psnr: [30, 29], x: [0, 0] },
      { cond: 'clean', clip: 'b', psnr: [28, 31], x: [0, 0] },
      { cond: 'paper', clip: 'a', psnr: [25, 26], x: [0, 0] },
    ];
    const rep = reportByCondition(r, ['vsr', 'vsr-restore'], { always_restore: [1, 1, 1], right: [0, 1, 1] });
    expect(rep.clean).toEqual({
      clips: 2, psnr_y: { vsr: 29, 'vsr-restore': 30 }, oracle: 30.5, always_restore: 30, right: 30.5,
      picks_always_restore: { vsr: 0, 'vsr-restore': 2 }, picks_right: { vsr: 1, 'vsr-restore': 1 },
    });
    expect(rep.paper).toEqual({
      clips: 1, psnr_y: { vsr: 25, 'vsr-restore': 26 }, oracle: 26, always_restore: 26, right: 26,
      picks_always_restore: { vsr: 0, 'vsr-restore': 1 }, picks_right: { vsr: 0, 'vsr-restore': 1 },
    });
  });
});
