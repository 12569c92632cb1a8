import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng.ts';
import { knnCpu } from './knn-cpu.ts';
import { knnScreened, prepareCodebook } from './knn-screened.ts';

/** Gram matrix [P, N] in double, summed in a different order (c descending) from the reference. */
function gramDouble(z: Float32Array, nz: number, P: number, cb: Float32Array, N: number, jitter = 0, seed = 1): Float32Array {
  const g = new Float32Array(P * N);
  const rng = makeRng(seed);
  for (let p = 0; p < P; p++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let c = nz - 1; c >= 0; c--) s += z[c * P + p] * cb[j * nz + c];
      g[p * N + j] = s + jitter * (2 * rng.next() - 1);
    }
  return g;
}

function randomData(nz: number, P: number, N: number, seed: number) {
  const rng = makeRng(seed);
  const z = new Float32Array(nz * P).map(() => rng.normal());
  const cb = new Float32Array(N * nz).map(() => rng.normal());
  return { z, cb };
}

describe('knnScreened agrees with knnCpu exactly', () => {
  for (const [nz, N, P] of [
    [256, 1024, 48],
    [64, 4096, 16],
  ] as const) {
    it(`random z and codebook, nz ${nz}, N ${N}, k = 1, 2, 70, 128`, () => {
      const { z, cb } = randomData(nz, P, N, nz + N);
      const prep = prepareCodebook(cb, N, nz);
      const gram = gramDouble(z, nz, P, cb, N);
      for (const k of [1, 2, 70, 128]) {
        const want = knnCpu(z, nz, P, cb, N, k);
        const got = knnScreened(z, P, prep, k, gram);
        expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
        expect(Buffer.from(got.zq.buffer).equals(Buffer.from(want.zq.buffer))).toBe(true);
      }
    });
  }

  it('ties: duplicated codebook entries and z sitting exactly on entries (smaller index first)', () => {
    const nz = 64;
    const N = 512;
    const P = 32;
    const { z, cb } = randomData(nz, P, N, 7);
    // Every entry j ≥ 256 duplicates entry j − 256; z positions are copies of entries.
    for (let j = 256; j < N; j++) cb.copyWithin(j * nz, (j - 256) * nz, (j - 255) * nz);
    for (let p = 0; p < P; p++) for (let c = 0; c < nz; c++) z[c * P + p] = cb[(p * 5) * nz + c];
    const prep = prepareCodebook(cb, N, nz);
    const gram = gramDouble(z, nz, P, cb, N);
    for (const k of [1, 2, 3, 70, 128]) {
      const want = knnCpu(z, nz, P, cb, N, k);
      expect(Array.from(knnScreened(z, P, prep, k, gram).indices)).toEqual(Array.from(want.indices));
    }
  });

  it('stays exact when the Gram matrix is off by as much as the rounding bound allows', () => {
    // ‖z‖‖e‖ ≈ nz for unit normals; γ_257·nz ≈ 3.9e-3 here: jitter G by ±1e-3.
    const nz = 256;
    const N = 1024;
    const P = 16;
    const { z, cb } = randomData(nz, P, N, 11);
    const prep = prepareCodebook(cb, N, nz);
    const gram = gramDouble(z, nz, P, cb, N, 1e-3, 3);
    for (const k of [1, 50]) {
      expect(Array.from(knnScreened(z, P, prep, k, gram).indices)).toEqual(Array.from(knnCpu(z, nz, P, cb, N, k).indices));
    }
  });

  it('falls back to the exhaustive search where the approximation is not finite, and checks k', () => {
    const nz = 16;
    const N = 64;
    const P = 4;
    const { z, cb } = randomData(nz, P, N, 5);
    const prep = prepareCodebook(cb, N, nz);
    const gram = gramDouble(z, nz, P, cb, N);
    gram[2 * N + 5] = NaN;
    expect(Array.from(knnScreened(z, P, prep, 3, gram).indices)).toEqual(Array.from(knnCpu(z, nz, P, cb, N, 3).indices));
    expect(() => knnScreened(z, P, prep, 65, gram)).toThrow(/k = 65 outside 1…64/);
  });
});
