import { describe, expect, it } from 'vitest';
import { codebookNorms, kthByDistanceThenIndex, knnCpu, positionDistances } from './knn-cpu.ts';
import { GRID_MAX_NZ, latentNearCodebook, randomCodebook, randomValues } from './knn-testdata.ts';
import { buildKnnOnnxModel } from './knn-onnx.ts';
import { clampK, EXPLORER_DEFAULT_RANGE, explorerKs, isValidK } from './options.ts';

/** Independent brute force: true squared L2 in float64, full sort by (distance, index). */
function bruteForce(z: Float32Array, nz: number, P: number, cb: Float32Array, N: number, k: number): Uint32Array {
  const out = new Uint32Array(P);
  for (let p = 0; p < P; p++) {
    const rows = Array.from({ length: N }, (_, j) => {
      let d = 0;
      for (let c = 0; c < nz; c++) {
        const t = z[c * P + p] - cb[j * nz + c];
        d += t * t;
      }
      return { d, j };
    });
    rows.sort((a, b) => a.d - b.d || a.j - b.j);
    out[p] = rows[k - 1].j;
  }
  return out;
}

function transpose(cb: Float32Array, N: number, nz: number): Float32Array {
  const t = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) t[c * N + j] = cb[j * nz + c];
  return t;
}

function mismatches(a: Uint32Array, b: Uint32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) m++;
  return m;
}

describe('knnCpu against a float64 full-sort brute force (grid values: every distance exact)', () => {
  const cases: [nz: number, N: number, P: number, dups: number][] = [
    [8, 16, 40, 0],
    [16, 64, 50, 20],
    [64, 200, 30, 60],
    [256, 96, 12, 30],
  ];
  for (const [nz, N, P, dups] of cases) {
    const cb = randomCodebook(N, nz, 'grid', 1000 + nz + N, dups);
    // Half the positions sit next to a codebook row (ties among its duplicates), half are random.
    const zNear = latentNearCodebook(cb, N, nz, P, 7 + N);
    const zRand = randomValues(nz * P, 'grid', 11 + N);
    for (const [what, z] of [['near rows', zNear], ['random', zRand]] as const) {
      for (const k of [1, 2, 3, Math.ceil(N / 2), N - 1, N]) {
        it(`nz ${nz}, N ${N} (${dups} duplicated rows), P ${P}, ${what}, k ${k}: identical indices`, () => {
          const got = knnCpu(z, nz, P, cb, N, k);
          const want = bruteForce(z, nz, P, cb, N, k);
          expect(mismatches(got.indices, want)).toBe(0);
          for (let p = 0; p < P; p++) {
            for (let c = 0; c < nz; c++) expect(got.zq[c * P + p]).toBe(cb[got.indices[p] * nz + c]);
          }
        });
      }
    }
  }

  it('grid inputs really make every f32 distance exact (the premise of the hardware-independent GPU test)', () => {
    const nz = GRID_MAX_NZ;
    const N = 64;
    const P = 16;
    const cb = randomCodebook(N, nz, 'grid', 5);
    // Extremes too: all-max rows make the largest partial sums the bound allows.
    cb.fill(127 / 64, 0, nz);
    cb.fill(-127 / 64, nz, 2 * nz);
    const z = randomValues(nz * P, 'grid', 6);
    z.fill(127 / 64, 0, P * 4);
    const norms = codebookNorms(cb, N, nz);
    const d = positionDistances(z, nz, P, 0, transpose(cb, N, nz), norms, N);
    for (let p = 0; p < P; p++) {
      positionDistances(z, nz, P, p, transpose(cb, N, nz), norms, N, d);
      for (let j = 0; j < N; j++) {
        let e2 = 0;
        let dot = 0;
        for (let c = 0; c < nz; c++) {
          e2 += cb[j * nz + c] ** 2;
          dot += z[c * P + p] * cb[j * nz + c];
        }
        expect(d[j]).toBe(e2 - 2 * dot); // float64 exact here too: |values| < 2^53 units of 2^-12
      }
    }
  });
});

describe('knnCpu on generic floats', () => {
  const nz = 32;
  const N = 300;
  const P = 40;
  const cb = randomCodebook(N, nz, 'float', 21, 40);
  const z = randomValues(nz * P, 'float', 22);
  const cbT = transpose(cb, N, nz);
  const norms = codebookNorms(cb, N, nz);

  it('selection equals a full sort of the reference f32 distances by (distance, index), every k', () => {
    const d = new Float32Array(N);
    for (let p = 0; p < P; p += 3) {
      positionDistances(z, nz, P, p, cbT, norms, N, d);
      const order = Array.from({ length: N }, (_, j) => j).sort((a, b) => d[a] - d[b] || a - b);
      for (let k = 1; k <= N; k += 7) expect(kthByDistanceThenIndex(d, k)).toBe(order[k - 1]);
      expect(kthByDistanceThenIndex(d, N)).toBe(order[N - 1]);
    }
  });

  it('agrees with the float64 brute force except at f32 near-ties (gap ≤ 1e-5 in true distance)', () => {
    // Duplicated rows tie exactly in both arithmetics; anything else that differs must be a pair
    // whose true distances are within f32 rounding of each other (|d| ~ 10 here, f32 ulp ~ 1e-6).
    for (const k of [1, 2, 5, 70]) {
      const got = knnCpu(z, nz, P, cb, N, k).indices;
      const want = bruteForce(z, nz, P, cb, N, k);
      for (let p = 0; p < P; p++) {
        if (got[p] === want[p]) continue;
        let a = 0;
        let b = 0;
        for (let c = 0; c < nz; c++) {
          a += (z[c * P + p] - cb[got[p] * nz + c]) ** 2;
          b += (z[c * P + p] - cb[want[p] * nz + c]) ** 2;
        }
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('ties of exact duplicates go to the smaller index', () => {
    const small = new Float32Array([0.5, -0.25, 0.5, -0.25, 0.5, -0.25, 1, 1]); // rows 0,1,2 equal; row 3 far
    const zz = new Float32Array([0.5, -0.25]); // nz 2, P 1: exactly row 0
    expect(knnCpu(zz, 2, 1, small, 4, 1).indices[0]).toBe(0);
    expect(knnCpu(zz, 2, 1, small, 4, 2).indices[0]).toBe(1);
    expect(knnCpu(zz, 2, 1, small, 4, 3).indices[0]).toBe(2);
    expect(knnCpu(zz, 2, 1, small, 4, 4).indices[0]).toBe(3);
  });
});

describe('kthByDistanceThenIndex', () => {
  it('matches a sort on heavy duplicates, negatives and ±0', () => {
    const vals = [0, -0, 3, -1, 3, 3, -1, 2, 0, -0, 5, -7, 3];
    const d = new Float32Array(vals);
    const order = vals.map((_, j) => j).sort((a, b) => d[a] - d[b] || a - b);
    for (let k = 1; k <= d.length; k++) expect(kthByDistanceThenIndex(d, k)).toBe(order[k - 1]);
  });

  it('handles constant, sorted and reverse-sorted arrays', () => {
    for (const make of [(_i: number) => 1, (i: number) => i, (i: number) => -i]) {
      const d = Float32Array.from({ length: 257 }, (_, i) => make(i));
      const order = Array.from({ length: 257 }, (_, j) => j).sort((a, b) => d[a] - d[b] || a - b);
      for (const k of [1, 2, 128, 256, 257]) expect(kthByDistanceThenIndex(d, k)).toBe(order[k - 1]);
    }
  });

  it('rejects k outside 1…N', () => {
    const d = new Float32Array(4);
    expect(() => kthByDistanceThenIndex(d, 0)).toThrow(RangeError);
    expect(() => kthByDistanceThenIndex(d, 5)).toThrow(RangeError);
    expect(() => knnCpu(new Float32Array(8), 4, 2, new Float32Array(8), 2, 3)).toThrow(RangeError);
  });
});

describe('k options', () => {
  it("explorer default is the paper's k = 1, 4, …, 70", () => {
    const ks = explorerKs(EXPLORER_DEFAULT_RANGE);
    expect(ks.length).toBe(24);
    expect(ks[0]).toBe(1);
    expect(ks[1]).toBe(4);
    expect(ks[23]).toBe(70);
  });

  it('validates and clamps k against the codebook size and the 128 cap', () => {
    expect(isValidK(128, 1024)).toBe(true);
    expect(isValidK(129, 1024)).toBe(false);
    expect(isValidK(17, 16)).toBe(false);
    expect(isValidK(2.5, 1024)).toBe(false);
    expect(clampK(200, 1024)).toBe(128);
    expect(clampK(0, 1024)).toBe(1);
    expect(clampK(9.6, 8)).toBe(8);
    expect(() => explorerKs({ from: 1, to: 200, step: 3 })).toThrow(RangeError);
    expect(() => explorerKs({ from: 5, to: 4, step: 1 })).toThrow(RangeError);
  });
});

describe('knn-onnx graph (MatMul + TopK) on onnxruntime-node', () => {
  it('builds a valid model whose indices and zq equal knnCpu on grid values (exact distances; ties in the data)', async () => {
    const ort = await import('onnxruntime-node');
    const nz = 64;
    const N = 256;
    const P = 48;
    const cb = randomCodebook(N, nz, 'grid', 301, 40);
    const z = latentNearCodebook(cb, N, nz, P, 302);
    const session = await ort.InferenceSession.create(buildKnnOnnxModel(cb, N, nz));
    try {
      for (const k of [1, 2, 17, N]) {
        const out = await session.run({
          z: new ort.Tensor('float32', z, [nz, P]),
          k: new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]),
        });
        const idx = out.indices.data as BigInt64Array;
        const zq = out.zq.data as Float32Array;
        const want = knnCpu(z, nz, P, cb, N, k);
        expect(out.indices.dims).toEqual([P]);
        expect(out.zq.dims).toEqual([nz, P]);
        // ORT's CPU TopK orders equal values by index, as we do; every distance here is exact.
        expect(Array.from(idx, Number)).toEqual(Array.from(want.indices));
        expect(Array.from(zq)).toEqual(Array.from(want.zq));
      }
    } finally {
      await session.release();
    }
  });
});
