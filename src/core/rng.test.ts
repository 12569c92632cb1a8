import { describe, expect, it } from 'vitest';
import {
  cos2piUnit,
  drawU32,
  expNegSmall,
  frameKey,
  makeRng,
  neg2LogUnit,
  normalF32,
  pcgHash,
  pixelKey,
  poissonF32,
  rngU32,
  unitF32,
} from './rng';

// Known values computed once by an independent Python implementation (arbitrary-precision
// ints masked to 32 bits) of the same definitions — see the header of rng.ts.
describe('counter-based generator: known values', () => {
  it('pcgHash', () => {
    expect([0, 1, 2, 0xffffffff, 123456789].map(pcgHash)).toEqual([129708002, 2831084092, 2055130248, 3861530882, 4272394698]);
  });
  it('rngU32(seed, frame, pixel, channel, draw)', () => {
    const got = [
      [0, 0, 0],
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [1000, 2, 3],
    ].map(([p, c, d]) => rngU32(42, 0, p, c, d));
    expect(got).toEqual([2116343124, 787568010, 1042675374, 2688078256, 1987248601]);
    expect([rngU32(7, 5, 0, 0, 0), rngU32(7, 5, 12345, 1, 1)]).toEqual([2164448622, 1384632635]);
  });
  it('decomposed keys give the same stream', () => {
    const fk = frameKey(99, 3);
    for (let p = 0; p < 50; p++) for (let c = 0; c < 3; c++) expect(drawU32(pixelKey(fk, p), c, 1)).toBe(rngU32(99, 3, p, c, 1));
  });
});

describe('uniforms', () => {
  it('unitF32 is exactly k·2^-24 in [0, 1)', () => {
    expect(unitF32(0)).toBe(0);
    expect(unitF32(0xffffffff)).toBe(1 - 2 ** -24);
    expect(unitF32(0x100)).toBe(2 ** -24);
  });

  it('are uniform: χ² over 64 bins of 2^16 draws below the 0.999 quantile (χ²₆₃ = 103.4)', () => {
    const bins = new Array<number>(64).fill(0);
    const fk = frameKey(1, 0);
    const n = 1 << 16;
    for (let i = 0; i < n; i++) bins[Math.floor(unitF32(drawU32(pixelKey(fk, i), 0, 0)) * 64)]++;
    const e = n / 64;
    const chi2 = bins.reduce((a, b) => a + ((b - e) * (b - e)) / e, 0);
    expect(chi2).toBeLessThan(103.4);
  });

  it('neighbouring pixels, channels, draws and frames are uncorrelated (|r| < 0.015 over 2^15 pairs, ≈ 2.7 sd)', () => {
    const n = 1 << 15;
    const corr = (f: (i: number) => [number, number]) => {
      let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
      for (let i = 0; i < n; i++) {
        const [a, b] = f(i);
        sa += a; sb += b; sab += a * b; saa += a * a; sbb += b * b;
      }
      const cov = sab / n - (sa / n) * (sb / n);
      return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
    };
    const u = (s: number, f: number, p: number, c: number, d: number) => unitF32(rngU32(s, f, p, c, d));
    expect(Math.abs(corr((i) => [u(5, 0, i, 0, 0), u(5, 0, i + 1, 0, 0)]))).toBeLessThan(0.015);
    expect(Math.abs(corr((i) => [u(5, 0, i, 0, 0), u(5, 0, i, 1, 0)]))).toBeLessThan(0.015);
    expect(Math.abs(corr((i) => [u(5, 0, i, 0, 0), u(5, 0, i, 0, 1)]))).toBeLessThan(0.015);
    expect(Math.abs(corr((i) => [u(5, 0, i, 0, 0), u(5, 1, i, 0, 0)]))).toBeLessThan(0.015);
    expect(Math.abs(corr((i) => [u(5, 0, i, 0, 0), u(6, 0, i, 0, 0)]))).toBeLessThan(0.015);
  });
});

describe('portable f32 math (the WGSL-exact log / cos / exp)', () => {
  it('neg2LogUnit(k) = −2 ln(k/2^24) within 2 ulp (rel ≤ 2.4e-7) over k ∈ [1, 2^24)', () => {
    let worst = 0;
    for (let k = 1; k < 2 ** 24; k += k < 4096 ? 1 : 997) {
      const want = -2 * Math.log(k / 2 ** 24);
      worst = Math.max(worst, Math.abs(neg2LogUnit(k) - want) / want);
    }
    expect(worst).toBeLessThanOrEqual(2.4e-7);
    expect(neg2LogUnit(2 ** 24 - 1)).toBeGreaterThan(0);
  });
  it('cos2piUnit(j) = cos(2πj/2^24) within 1.5e-7 absolute', () => {
    let worst = 0;
    for (let j = 0; j < 2 ** 24; j += 1013) worst = Math.max(worst, Math.abs(cos2piUnit(j) - Math.cos((2 * Math.PI * j) / 2 ** 24)));
    expect(worst).toBeLessThanOrEqual(1.5e-7);
    expect([0, 0x400000, 0x800000, 0xc00000].map(cos2piUnit)).toEqual([1, Math.fround(cos2piUnit(0x400000)), -1, cos2piUnit(0x400000)]);
    expect(Math.abs(cos2piUnit(0x400000))).toBeLessThanOrEqual(1.5e-7);
  });
  it('expNegSmall(λ) = e^{−λ} within rel 3e-7 for λ ∈ [0, 16)', () => {
    let worst = 0;
    for (let i = 0; i < 16000; i++) {
      const l = Math.fround(i / 1000);
      worst = Math.max(worst, Math.abs(expNegSmall(l) / Math.exp(-l) - 1));
    }
    expect(worst).toBeLessThanOrEqual(3e-7);
  });
});

describe('normals', () => {
  it('known first values (recorded once) equal f64 Box–Muller of the same draws within 1e-6', () => {
    const pk = pixelKey(frameKey(42, 0), 0);
    const got = [0, 1, 2].map((c) => normalF32(pk, c));
    expect(got).toEqual(RECORDED_NORMALS);
    for (let c = 0; c < 3; c++) {
      const a = drawU32(pk, c, 0), b = drawU32(pk, c, 1);
      const u1 = ((a >>> 9) * 2 + 1) / 2 ** 24;
      const want = Math.sqrt(-2 * Math.log(u1)) * Math.cos((2 * Math.PI * (b >>> 8)) / 2 ** 24);
      expect(Math.abs(got[c] - want)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('1e5 normals: mean, variance, skew, kurtosis within ≈3.3 sd; KS distance < 1.63/√n (1 % level)', () => {
    const n = 100_000;
    const fk = frameKey(2024, 7);
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = normalF32(pixelKey(fk, i), i % 3);
    let m = 0;
    for (const v of z) m += v;
    m /= n;
    let m2 = 0, m3 = 0, m4 = 0;
    for (const v of z) {
      const d = v - m;
      m2 += d * d; m3 += d * d * d; m4 += d * d * d * d;
    }
    m2 /= n; m3 /= n; m4 /= n;
    expect(Math.abs(m)).toBeLessThan(0.0105); // sd 1/√n = 0.0032
    expect(Math.abs(m2 - 1)).toBeLessThan(0.015); // sd √(2/n) = 0.0045
    expect(Math.abs(m3 / m2 ** 1.5)).toBeLessThan(0.026); // sd √(6/n) = 0.0077
    expect(Math.abs(m4 / (m2 * m2) - 3)).toBeLessThan(0.052); // sd √(24/n) = 0.0155
    const sorted = Array.from(z).sort((a, b) => a - b);
    const phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
    let d = 0;
    for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(phi(sorted[i]) - (i + 0.5) / n));
    expect(d).toBeLessThan(1.63 / Math.sqrt(n));
    expect(Math.max(...sorted.map(Math.abs))).toBeLessThanOrEqual(5.8);
  });
});

describe('poisson', () => {
  it('mean and variance equal λ (within 4 sd) on both branches', () => {
    for (const lambda of [0.25, 3, 9.5, 15.99, 16, 40, 255]) {
      const n = 20_000;
      const fk = frameKey(11, Math.round(lambda * 100));
      let s = 0, s2 = 0, bad = 0;
      for (let i = 0; i < n; i++) {
        const k = poissonF32(pixelKey(fk, i), 0, Math.fround(lambda));
        if (!(Number.isInteger(k) && k >= 0)) bad++;
        s += k; s2 += k * k;
      }
      expect(bad).toBe(0);
      const mean = s / n;
      const v = s2 / n - mean * mean;
      expect(Math.abs(mean - lambda), `mean λ=${lambda}`).toBeLessThan(4 * Math.sqrt(lambda / n));
      // var of the sample variance ≈ (μ4 − σ⁴)/n = (λ + 2λ²)/n for Poisson
      expect(Math.abs(v - lambda), `var λ=${lambda}`).toBeLessThan(4 * Math.sqrt((lambda + 2 * lambda * lambda) / n));
    }
  });

  it('exact branch: the pmf at λ = 3 passes χ² (k = 0…9+, 0.999 quantile χ²₁₀ = 29.6)', () => {
    const n = 50_000;
    const lambda = 3;
    const fk = frameKey(3, 3);
    const counts = new Array(11).fill(0);
    for (let i = 0; i < n; i++) counts[Math.min(poissonF32(pixelKey(fk, i), 1, lambda), 10)]++;
    let p = Math.exp(-lambda), cum = 0, chi2 = 0;
    for (let k = 0; k < 10; k++) {
      chi2 += (counts[k] - n * p) ** 2 / (n * p);
      cum += p;
      p *= lambda / (k + 1);
    }
    chi2 += (counts[10] - n * (1 - cum)) ** 2 / (n * (1 - cum));
    expect(chi2).toBeLessThan(29.6);
  });

  it('λ = 0 always gives 0', () => {
    const fk = frameKey(1, 1);
    for (let i = 0; i < 1000; i++) expect(poissonF32(pixelKey(fk, i), 2, 0)).toBe(0);
  });
});

describe('makeRng (CPU parameter stream)', () => {
  it('known first u32s for seed 1234 (independent Python) and reproducibility', () => {
    const r = makeRng(1234);
    expect([r.u32(), r.u32(), r.u32(), r.u32()]).toEqual([3638771439, 1868371463, 624070000, 1181454572]);
    const a = makeRng(5), b = makeRng(5);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b.next());
  });

  it('next ∈ [0,1) with mean ½; int covers both ends; normal has mean 0, variance 1', () => {
    const r = makeRng(77);
    const n = 100_000;
    let s = 0, zs = 0, zz = 0;
    const seen = new Set<number>();
    let lo = 1, hi = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      s += v;
      seen.add(r.int(-2, 2));
      const z = r.normal();
      zs += z; zz += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.0031); // sd 0.00091
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(Math.abs(zs / n)).toBeLessThan(0.0105);
    expect(Math.abs(zz / n - 1)).toBeLessThan(0.015);
  });

  it('choice follows its weights (each within 4 sd) and rejects bad weights', () => {
    const r = makeRng(9);
    const n = 20_000;
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < n; i++) counts[r.choice(['a', 'b', 'c'] as const, [0.1, 0.2, 0.7])]++;
    for (const [k, p] of [['a', 0.1], ['b', 0.2], ['c', 0.7]] as const) {
      expect(Math.abs(counts[k] - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    }
    expect(r.choice(['x', 'y'], [0, 1])).toBe('y');
    expect(() => r.choice(['x'], [-1])).toThrow(RangeError);
    expect(() => r.choice([], [])).toThrow(RangeError);
  });
});

// Abramowitz–Stegun 7.1.26 (|err| < 1.5e-7): enough for a KS bound of 5e-3.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const RECORDED_NORMALS = [0.4836655855178833, 0.7675445079803467, -2.3163280487060547];
