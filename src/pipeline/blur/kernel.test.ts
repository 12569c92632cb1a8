import { describe, expect, it } from 'vitest';
import { BLUR_TAP_FLOOR, blurKernel, kernelSupport, renderKernelRgba } from './kernel';
import { blurParamErrors, DEFAULT_BLUR, sampleBlurParams, type BlurParams } from './options';
import { makeRng } from '../../core/rng';
import reference from './blur-reference.json';

const P = (over: Partial<BlurParams>): BlurParams => ({ ...DEFAULT_BLUR, ...over });
const sum = (k: Float32Array) => k.reduce((a, b) => a + b, 0);
const at = (k: Float32Array, x: number, y: number, size = 21) => k[(y + (size - 1) / 2) * size + x + (size - 1) / 2];

describe('blurKernel', () => {
  const cases: BlurParams[] = [
    P({ kind: 'iso', sigmaX: 0.2 }),
    P({ kind: 'iso', sigmaX: 4 }),
    P({ kind: 'aniso', sigmaX: 4, sigmaY: 0.8, theta: 0.7 }),
    P({ kind: 'aniso', sigmaX: 0.2, sigmaY: 3, theta: -2.5 }),
    P({ kind: 'generalized', sigmaX: 2, sigmaY: 1, theta: 1, beta: 0.5 }),
    P({ kind: 'generalized', sigmaX: 2, sigmaY: 3, theta: 1, beta: 4 }),
    P({ kind: 'plateau', sigmaX: 1.5, sigmaY: 2.5, theta: -1, beta: 1 }),
    P({ kind: 'plateau', sigmaX: 3, sigmaY: 3, theta: 0, beta: 2 }),
    P({ kind: 'none' }),
    P({ kind: 'iso', sigmaX: 1, size: 7 }),
  ];

  it('sums to 1 (|Σ−1| ≤ 1e-6, f32 storage) and is non-negative for every kind', () => {
    for (const p of cases) {
      const k = blurKernel(p);
      expect(k.length).toBe(p.size * p.size);
      expect(Math.abs(sum(k) - 1)).toBeLessThanOrEqual(1e-6);
      expect(Math.min(...k)).toBeGreaterThanOrEqual(0);
    }
  });

  it('iso is symmetric under both flips and the transpose (exactly); every kind under 180° rotation', () => {
    const k = blurKernel(P({ kind: 'iso', sigmaX: 1.7 }));
    for (let y = -10; y <= 10; y++)
      for (let x = -10; x <= 10; x++) {
        expect(at(k, x, y)).toBe(at(k, -x, y));
        expect(at(k, x, y)).toBe(at(k, x, -y));
        expect(at(k, x, y)).toBe(at(k, y, x));
      }
    for (const p of cases) {
      const kk = blurKernel(p);
      const r = (p.size - 1) / 2;
      for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) expect(at(kk, x, y, p.size)).toBe(at(kk, -x, -y, p.size));
    }
  });

  it('aniso with σx = σy equals iso for any θ (|Δ| ≤ 1e-8)', () => {
    for (const sigma of [0.3, 1, 2.2, 4]) {
      const iso = blurKernel(P({ kind: 'iso', sigmaX: sigma }));
      for (const theta of [0, 0.4, -2, 3.1]) {
        const an = blurKernel(P({ kind: 'aniso', sigmaX: sigma, sigmaY: sigma, theta }));
        for (let i = 0; i < iso.length; i++) expect(Math.abs(iso[i] - an[i])).toBeLessThanOrEqual(1e-8);
      }
    }
  });

  it('iso centre tap: 1/(2π) for σ = 1, and 1/(Σ_x e^{−x²/2σ²})² in general (separability), rel ≤ 1e-6', () => {
    expect(Math.abs(at(blurKernel(P({ kind: 'iso', sigmaX: 1 })), 0, 0) * 2 * Math.PI - 1)).toBeLessThanOrEqual(1e-6);
    expect(at(blurKernel(P({ kind: 'iso', sigmaX: 1 })), 0, 0)).toBeCloseTo(0.15915494, 7);
    for (const sigma of [0.5, 2, 4]) {
      let s1 = 0;
      for (let x = -10; x <= 10; x++) s1 += Math.exp((-x * x) / (2 * sigma * sigma));
      const got = at(blurKernel(P({ kind: 'iso', sigmaX: sigma })), 0, 0);
      expect(Math.abs(got * s1 * s1 - 1)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('aniso second moments match Σ = R·diag(σx², σy²)·Rᵀ (|Δ| ≤ 1e-4 for σ ≤ 2)', () => {
    const sx = 2, sy = 0.9, th = 0.6;
    const k = blurKernel(P({ kind: 'aniso', sigmaX: sx, sigmaY: sy, theta: th }));
    let mxx = 0, myy = 0, mxy = 0;
    for (let y = -10; y <= 10; y++)
      for (let x = -10; x <= 10; x++) {
        const w = at(k, x, y);
        mxx += w * x * x;
        myy += w * y * y;
        mxy += w * x * y;
      }
    const c = Math.cos(th), s = Math.sin(th);
    expect(Math.abs(mxx - (c * c * sx * sx + s * s * sy * sy))).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(myy - (s * s * sx * sx + c * c * sy * sy))).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(mxy - c * s * (sx * sx - sy * sy))).toBeLessThanOrEqual(1e-4);
  });

  it('generalized with β = 1 is the Gaussian; θ = π/2 swaps σx and σy (|Δ| ≤ 1e-8)', () => {
    const g = blurKernel(P({ kind: 'aniso', sigmaX: 2.5, sigmaY: 1.1, theta: 0.3 }));
    const gg = blurKernel(P({ kind: 'generalized', sigmaX: 2.5, sigmaY: 1.1, theta: 0.3, beta: 1 }));
    for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - gg[i])).toBeLessThanOrEqual(1e-8);
    const a = blurKernel(P({ kind: 'aniso', sigmaX: 2.5, sigmaY: 1.1, theta: Math.PI / 2 }));
    const b = blurKernel(P({ kind: 'aniso', sigmaX: 1.1, sigmaY: 2.5, theta: 0 }));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-8);
  });

  it('matches the independent numpy reference of the Real-ESRGAN formulas (|Δ| ≤ 1e-8)', () => {
    expect(reference.cases.length).toBe(4);
    for (const c of reference.cases) {
      const k = blurKernel(c.params as BlurParams);
      let max = 0;
      for (let i = 0; i < k.length; i++) max = Math.max(max, Math.abs(k[i] - c.kernel[i]));
      expect(max, c.params.kind).toBeLessThanOrEqual(1e-8);
    }
  });

  it('none is a centred delta; support radius shrinks to the non-zero taps', () => {
    const d = blurKernel(P({ kind: 'none' }));
    expect(at(d, 0, 0)).toBe(1);
    expect(sum(d)).toBe(1);
    expect(kernelSupport(d)).toBe(0);
    // σ 0.2: e^{−x²/0.08} underflows f32 for |x| ≥ 3 (e^{−112.5}); |x| = 2 (e^{−50}) survives.
    const narrow = blurKernel(P({ kind: 'iso', sigmaX: 0.2 }));
    expect(kernelSupport(narrow)).toBe(2);
    expect(at(narrow, 3, 0)).toBe(0);
    expect(kernelSupport(blurKernel(P({ kind: 'iso', sigmaX: 2 })))).toBe(10);
  });

  it('renderKernelRgba: size² opaque pixels, the largest tap white, zero taps black', () => {
    const k = blurKernel(P({ kind: 'iso', sigmaX: 0.2 }));
    const rgba = renderKernelRgba(k, 21);
    expect(rgba.length).toBe(21 * 21 * 4);
    const centre = (10 * 21 + 10) * 4;
    expect([rgba[centre], rgba[centre + 1], rgba[centre + 2], rgba[centre + 3]]).toEqual([255, 255, 255, 255]);
    expect(rgba[0]).toBe(0);
    expect(rgba[3]).toBe(255);
  });

  it('rejects even or oversized kernels; validator names bad fields', () => {
    expect(() => blurKernel(P({ size: 20 }))).toThrow(RangeError);
    expect(() => blurKernel(P({ size: 23 }))).toThrow(RangeError);
    expect(blurParamErrors(DEFAULT_BLUR)).toEqual([]);
    const errs = blurParamErrors({ ...DEFAULT_BLUR, sigmaX: -1, beta: Number.NaN, kind: 'box' as never, size: 4 });
    expect(errs.join('\n')).toMatch(/blur\.sigmaX/);
    expect(errs.join('\n')).toMatch(/blur\.beta/);
    expect(errs.join('\n')).toMatch(/blur\.kind/);
    expect(errs.join('\n')).toMatch(/blur\.size/);
  });

  it('stores no tap in (0, 2⁻¹⁰⁰) — the subnormal slow path — and zeroes only taps below it (σ 0.3…1.2, every kind)', () => {
    const rng = makeRng(11);
    let zeroed = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 150; i++) {
      const p = sampleBlurParams(rng);
      const s = 0.3 + 0.9 * rng.next();
      const k = blurKernel({ ...p, sigmaX: s, sigmaY: p.kind === 'iso' ? s : p.sigmaY });
      const r = 10;
      // The unfloored tap in double (iso/aniso Gaussian, generalized, plateau share q; see kernel.ts).
      const c = Math.cos(p.kind === 'iso' ? 0 : p.theta), sn = Math.sin(p.kind === 'iso' ? 0 : p.theta);
      const sy = p.kind === 'iso' ? s : p.sigmaY;
      const dx = 1 / (s * s), dy = 1 / (sy * sy);
      const a = c * c * dx + sn * sn * dy, b = c * sn * (dx - dy), d = sn * sn * dx + c * c * dy;
      const raw = (x: number, y: number) => {
        const qq = a * x * x + 2 * b * x * y + d * y * y;
        if (p.kind === 'plateau') return 1 / (Math.pow(qq, p.beta) + 1);
        return Math.exp(-0.5 * (p.kind === 'generalized' ? Math.pow(qq, p.beta) : qq));
      };
      let total = 0;
      for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) total += raw(x, y);
      for (let y = -r; y <= r; y++) {
        for (let x = -r; x <= r; x++) {
          const v = at(k, x, y);
          const exact = raw(x, y) / total;
          if (v !== 0 && v < BLUR_TAP_FLOOR) wrong.push(`${p.kind} σ ${s}: tap (${x}, ${y}) = ${v} kept below the floor`);
          if (v === 0 && exact >= BLUR_TAP_FLOOR) wrong.push(`${p.kind} σ ${s}: tap (${x}, ${y}) = ${exact} zeroed`);
          if (v === 0 && exact >= 2 ** -149) zeroed++; // would have been a (subnormal) f32 tap
        }
      }
    }
    expect(wrong).toEqual([]);
    // The floor does bite in this σ range: taps f32 could hold were zeroed (else this test would check nothing).
    expect(zeroed).toBeGreaterThan(0);
  });

  it('sampleBlurParams follows the paper: iso ≈ 70 %, σ ranges respected', () => {
    const rng = makeRng(7);
    let iso = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const p = sampleBlurParams(rng);
      expect(blurParamErrors(p)).toEqual([]);
      if (p.kind === 'iso') {
        iso++;
        expect(p.sigmaY).toBe(p.sigmaX);
      } else {
        expect(p.sigmaY).toBeGreaterThanOrEqual(0.8);
        expect(p.sigmaY).toBeLessThanOrEqual(3);
      }
      expect(p.sigmaX).toBeGreaterThanOrEqual(0.2);
      expect(p.sigmaX).toBeLessThanOrEqual(4);
    }
    // Binomial(4000, 0.7): sd 29; allow 4 sd.
    expect(Math.abs(iso - 0.7 * n)).toBeLessThanOrEqual(4 * Math.sqrt(n * 0.7 * 0.3));
  });
});
