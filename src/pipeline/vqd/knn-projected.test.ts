import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng.ts';
import { knnCpu } from './knn-cpu.ts';
import { knnProjected, knnProjectedIndices, knnScreenSimdAvailable, prepareProjectedCodebook, warmUpKnn } from './knn-projected.ts';
import { latentNearCodebook, randomCodebook, randomValues } from './knn-testdata.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../public/models');
const CODEBOOK = path.join(MODELS, 'vqgan.codebook.bin');

/** knnProjected must give knnCpu's indices and zq, bit for bit (tolerance 0); knnProjectedIndices the same indices. */
function expectSame(z: Float32Array, nz: number, P: number, cb: Float32Array, N: number, ks: readonly number[]): void {
  const prep = prepareProjectedCodebook(cb, N, nz);
  for (const k of ks) {
    const want = knnCpu(z, nz, P, cb, N, k);
    for (const simd of [true, false]) {
      const got = knnProjected(z, P, prep, k, { simd });
      expect(Array.from(got.indices), `k = ${k}, simd ${simd}`).toEqual(Array.from(want.indices));
      expect(Buffer.from(got.zq.buffer).equals(Buffer.from(want.zq.buffer)), `zq, k = ${k}, simd ${simd}`).toBe(true);
      expect(Array.from(knnProjectedIndices(z, P, prep, k, { simd })), `indices only, k = ${k}, simd ${simd}`).toEqual(Array.from(want.indices));
    }
  }
}

/** A codebook close to an r-dimensional subspace (as trained VQGAN codebooks are), with small noise off it. */
function lowRankCodebook(N: number, nz: number, r: number, noise: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  const basis = Array.from({ length: r }, () => Array.from({ length: nz }, () => rng.normal()));
  const cb = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) {
    const coef = Array.from({ length: r }, () => rng.normal() * 3);
    for (let c = 0; c < nz; c++) {
      let v = 0.2;
      for (let i = 0; i < r; i++) v += coef[i] * basis[i][c];
      cb[j * nz + c] = v + noise * rng.normal();
    }
  }
  return cb;
}

describe('knnProjected agrees with knnCpu exactly', () => {
  it.skipIf(!existsSync(CODEBOOK))('the shipped codebook, latents near its entries and generic ones, k = 1 … 128', () => {
    const buf = readFileSync(CODEBOOK);
    const cb = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const prep = prepareProjectedCodebook(cb, 1024, 256);
    // The screen is on for this codebook (else the test would only exercise the exhaustive routine).
    expect(prep.m).toBeGreaterThan(0);
    expect(prep.m).toBeLessThanOrEqual(16);
    expect(knnScreenSimdAvailable()).toBe(true);
    warmUpKnn(prep); // what the browser loader does first; it must leave nothing that changes a result
    const rng = makeRng(11);
    const P = 96;
    // Entries plus small noise (k = 1 sits next to an entry), and far-off random latents.
    const near = new Float32Array(256 * P);
    for (let p = 0; p < P; p++) {
      const j = rng.int(0, 1023);
      for (let c = 0; c < 256; c++) near[c * P + p] = cb[j * 256 + c] + 0.05 * rng.normal();
    }
    const far = new Float32Array(256 * P).map(() => 2 * rng.normal());
    expectSame(near, 256, P, cb, 1024, [1, 2, 7, 50, 128]);
    expectSame(far, 256, P, cb, 1024, [1, 13, 128]);
  });

  it('a low-rank codebook (the screen prunes) with duplicated rows and latents on the rows (exact ties)', () => {
    const nz = 64;
    const N = 300;
    const P = 40;
    const cb = lowRankCodebook(N, nz, 6, 1e-3, 5);
    for (let j = 200; j < N; j++) cb.copyWithin(j * nz, (j - 200) * nz, (j - 199) * nz);
    const z = new Float32Array(nz * P);
    for (let p = 0; p < P; p++) for (let c = 0; c < nz; c++) z[c * P + p] = cb[(p * 7) * nz + c];
    expectSame(z, nz, P, cb, N, [1, 2, 3, 17, N]);
  });

  it('grid values (every distance exact, ties everywhere) and float values, with duplicates', () => {
    for (const kind of ['grid', 'float'] as const) {
      const cb = randomCodebook(256, 32, kind, 3, 40);
      expectSame(latentNearCodebook(cb, 256, 32, 50, 4), 32, 50, cb, 256, [1, 2, 5, 64]);
      expectSame(randomValues(32 * 20, kind, 9), 32, 20, cb, 256, [1, 100]);
    }
  });

  it('non-finite latents and codebooks take the exhaustive routine and still agree', () => {
    const nz = 16;
    const N = 64;
    const P = 6;
    const cb = lowRankCodebook(N, nz, 3, 1e-2, 8);
    const z = randomValues(nz * P, 'float', 2);
    z[0 * P + 1] = NaN;
    z[3 * P + 2] = Infinity;
    z[5 * P + 4] = 3e38; // finite, but its products overflow f32
    expectSame(z, nz, P, cb, N, [1, 4, N]);
    const bad = cb.slice();
    bad[5] = NaN;
    expect(prepareProjectedCodebook(bad, N, nz).m).toBe(0);
    expectSame(randomValues(nz * P, 'float', 3), nz, P, bad, N, [1, 9]);
  });

  it('property: any small codebook, latent and k (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          nz: fc.integer({ min: 1, max: 24 }),
          N: fc.integer({ min: 1, max: 80 }),
          P: fc.integer({ min: 1, max: 6 }),
          rank: fc.integer({ min: 0, max: 5 }),
          noise: fc.constantFrom(0, 1e-6, 1e-2, 1),
          dups: fc.integer({ min: 0, max: 10 }),
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
          kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          onRows: fc.boolean(),
        }),
        ({ nz, N, P, rank, noise, dups, seed, kFrac, onRows }) => {
          const cb = lowRankCodebook(N, nz, rank, noise, seed);
          const rng = makeRng(seed ^ 77);
          for (let d = 0; d < dups; d++) {
            const a = rng.int(0, N - 1);
            const b = rng.int(0, N - 1);
            cb.copyWithin(a * nz, b * nz, b * nz + nz);
          }
          const z = new Float32Array(nz * P);
          for (let p = 0; p < P; p++) {
            const j = rng.int(0, N - 1);
            for (let c = 0; c < nz; c++) z[c * P + p] = onRows ? cb[j * nz + c] : 3 * rng.normal();
          }
          const k = Math.max(1, Math.min(N, Math.ceil(kFrac * N)));
          const prep = prepareProjectedCodebook(cb, N, nz);
          const want = knnCpu(z, nz, P, cb, N, k);
          return [true, false].every((simd) => {
            const got = knnProjected(z, P, prep, k, { simd });
            return got.indices.every((v, i) => v === want.indices[i]) && Buffer.from(got.zq.buffer).equals(Buffer.from(want.zq.buffer));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses k outside 1…N and a short latent', () => {
    const cb = randomCodebook(8, 4, 'float', 1);
    const prep = prepareProjectedCodebook(cb, 8, 4);
    expect(() => knnProjected(new Float32Array(8), 2, prep, 0)).toThrow(/k = 0 outside 1…8/);
    expect(() => knnProjected(new Float32Array(8), 2, prep, 9)).toThrow(/k = 9 outside 1…8/);
    expect(() => knnProjected(new Float32Array(7), 2, prep, 1)).toThrow(/z has 7 values, need nz·P = 8/);
  });
});
