/**
 * shaders/knn.wgsl against the CPU reference (knn-cpu.ts): EXACT index agreement and bit-identical
 * zq, on grid-valued inputs (every distance exact in f32, so any conforming GPU must agree, with
 * many exact ties), on generic floats (agreement relies on the unfused f32 order SwiftShader runs),
 * with duplicated codebook rows, k = 1, 2, 70, 128, N = 1024 and 4096, nz = 64 and 256; plus the
 * host paths (position chunks, odd sizes, one encoder with caller-owned outputs, a GPUBuffer
 * codebook) and real latents from the test encoder, fed GPU to GPU.
 */
import type { GpuTest, GpuTestResult } from '../../gpu/gputest';
import { readF32, readU32, STORAGE, uploadBuffer } from '../../gpu/webgpu';
import { flushOrt } from '../../gpu/device';
import { setModelsBase, webModels } from '../../models/source-web';
import { openSession } from '../../gpu/ort';
import { codebookNorms, kthByDistanceThenIndex, positionDistances } from './knn-cpu';
import { createKnn } from './knn-gpu';
import { latentNearCodebook, randomCodebook, randomValues, type ValueKind } from './knn-testdata';

const KS = [1, 2, 70, 128];

interface Reference {
  /** indices per k, [P] each */
  indices: Map<number, Uint32Array>;
  /** f32 distances of every position (for diagnostics), [P][N] */
  dist: Float32Array[];
}

/** The CPU reference for several k at once: distances once per position, then one selection per k. */
function reference(z: Float32Array, nz: number, P: number, cb: Float32Array, N: number, ks: number[]): Reference {
  const norms = codebookNorms(cb, N, nz);
  const cbT = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) cbT[c * N + j] = cb[j * nz + c];
  const indices = new Map(ks.map((k) => [k, new Uint32Array(P)]));
  const dist: Float32Array[] = [];
  const perm = new Uint32Array(N);
  for (let p = 0; p < P; p++) {
    const d = positionDistances(z, nz, P, p, cbT, norms, N);
    dist.push(d);
    for (const k of ks) indices.get(k)![p] = kthByDistanceThenIndex(d, k, perm);
  }
  return { indices, dist };
}

/** Exact comparison of one run; on a mismatch says whether it was a tie/near-tie in the reference's own distances. */
async function compareRun(
  device: GPUDevice,
  out: { indices: GPUBuffer; zq: GPUBuffer },
  P: number,
  k: number,
  ref: Reference,
  cb: Float32Array,
  nz: number,
): Promise<{ ok: boolean; text: string }> {
  const [idx, zq] = await Promise.all([readU32(device, out.indices, P), readF32(device, out.zq, nz * P)]);
  const want = ref.indices.get(k)!;
  let mism = 0;
  let first = '';
  for (let p = 0; p < P; p++) {
    if (idx[p] === want[p]) continue;
    if (!first) {
      const d = ref.dist[p];
      first = ` (first at p ${p}: got ${idx[p]} d=${d[idx[p]]}, want ${want[p]} d=${d[want[p]]})`;
    }
    mism++;
  }
  let zqMism = 0;
  for (let p = 0; p < P; p++) {
    const j = want[p];
    for (let c = 0; c < nz; c++) if (!Object.is(zq[c * P + p], cb[j * nz + c])) zqMism++;
  }
  return { ok: mism === 0 && zqMism === 0, text: `k ${k}: index mismatches ${mism}/${P}${first}, zq mismatches ${zqMism}/${nz * P}` };
}

function suiteCase(kind: ValueKind, N: number, nz: number, dups: number): GpuTest {
  const side = 16;
  const P = side * side;
  return {
    name: `knn.wgsl vs CPU reference: ${kind} values, N ${N}, nz ${nz}, ${dups} duplicated rows, ${side}×${side} latent, k ${KS.join('/')} (exact)`,
    async run({ device }): Promise<GpuTestResult> {
      const seed = N * 31 + nz * 7 + (kind === 'grid' ? 1 : 2);
      const cb = randomCodebook(N, nz, kind, seed, dups);
      // Half the positions next to codebook rows (ties among duplicates at small k), half random.
      const zNear = latentNearCodebook(cb, N, nz, P, seed + 1);
      const zRand = randomValues(nz * P, kind, seed + 2);
      const z = new Float32Array(nz * P);
      for (let c = 0; c < nz; c++) {
        for (let p = 0; p < P; p++) z[c * P + p] = p % 2 === 0 ? zNear[c * P + p] : zRand[c * P + p];
      }
      const ref = reference(z, nz, P, cb, N, KS);
      const knn = createKnn(device);
      const zBuf = uploadBuffer(device, z);
      try {
        knn.setCodebook(cb, N, nz);
        const lines: string[] = [];
        let ok = true;
        for (const k of KS) {
          const r = knn.run({ z: zBuf, P, k });
          const c = await compareRun(device, r, P, k, ref, cb, nz);
          ok &&= c.ok;
          lines.push(c.text);
        }
        return { pass: ok, detail: `${lines.join('; ')} [tolerance: 0 mismatches]` };
      } finally {
        zBuf.destroy();
        knn.destroy();
      }
    },
  };
}

export const gpuTests: GpuTest[] = [
  suiteCase('grid', 1024, 256, 200),
  suiteCase('grid', 4096, 64, 800),
  suiteCase('grid', 4096, 256, 400),
  suiteCase('grid', 1024, 64, 0),
  suiteCase('float', 1024, 256, 100),
  suiteCase('float', 4096, 64, 400),
  suiteCase('float', 1024, 64, 0),
  suiteCase('float', 4096, 256, 0),
  {
    name: 'knn.wgsl host paths: odd sizes (nz 68, N 1000, P 13×11) in 4 position chunks, k = N, and three branches in one encoder with caller outputs and a GPUBuffer codebook (exact)',
    async run({ device }) {
      const lines: string[] = [];
      let ok = true;
      // 1. Chunking: capping the distance scratch at Npad (1024) × 40 positions × 4 B gives
      //    chunks of 40 positions, so P = 143 runs in 4 chunks (the last one partial).
      {
        const nz = 68;
        const N = 1000;
        const P = 13 * 11;
        const cb = randomCodebook(N, nz, 'grid', 91, 120);
        const z = latentNearCodebook(cb, N, nz, P, 92);
        const ks = [1, 3, 999, 1000];
        const ref = reference(z, nz, P, cb, N, ks);
        const knn = createKnn(device, { maxChunkBytes: 1024 * 4 * 40 });
        const zBuf = uploadBuffer(device, z);
        knn.setCodebook(cb, N, nz);
        const chunks = Math.ceil(P / knn.chunkPositions);
        for (const k of ks) {
          const c = await compareRun(device, knn.run({ z: zBuf, P, k }), P, k, ref, cb, nz);
          ok &&= c.ok;
          lines.push(`chunked (${chunks} chunks of ${knn.chunkPositions}) ${c.text}`);
        }
        ok &&= chunks >= 3;
        zBuf.destroy();
        knn.destroy();
      }
      // 2. The degrader's pattern: three latents (8×8, 16×16, 32×32) recorded into one encoder,
      //    each into caller-owned outputs, codebook adopted from a GPUBuffer.
      {
        const nz = 64;
        const N = 1024;
        const cb = randomCodebook(N, nz, 'float', 93, 64);
        const cbBuf = uploadBuffer(device, cb);
        const knn = createKnn(device);
        knn.setCodebook(cbBuf, N, nz);
        const enc = device.createCommandEncoder();
        const branches = [
          { P: 64, k: 1 },
          { P: 256, k: 7 },
          { P: 1024, k: 70 },
        ].map(({ P, k }, i) => {
          const z = randomValues(nz * P, 'float', 94 + i);
          const zBuf = uploadBuffer(device, z);
          const out = {
            indices: device.createBuffer({ size: P * 4, usage: STORAGE }),
            zq: device.createBuffer({ size: nz * P * 4, usage: STORAGE }),
          };
          knn.run({ z: zBuf, P, k, encoder: enc, out });
          return { P, k, z, zBuf, out };
        });
        device.queue.submit([enc.finish()]);
        for (const b of branches) {
          const ref = reference(b.z, nz, b.P, cb, N, [b.k]);
          const c = await compareRun(device, b.out, b.P, b.k, ref, cb, nz);
          ok &&= c.ok;
          lines.push(`one encoder, P ${b.P} ${c.text}`);
          b.zBuf.destroy();
          b.out.indices.destroy();
          b.out.zq.destroy();
        }
        cbBuf.destroy();
        knn.destroy();
      }
      return { pass: ok, detail: `${lines.join('; ')} [tolerance: 0 mismatches]` };
    },
  },
  {
    name: 'knn.wgsl on real latents: test encoder (ORT webgpu, gpu-buffer output) → knn.run on the ORT buffer, 64×64 frame, all three branches, k 1/5/40 (exact)',
    async run({ device, ort, loadImage }) {
      setModelsBase('/e2e/fixtures/models/');
      const models = webModels();
      const model = await models.model('vqgan', 'vqgan');
      const N = model.nCodes;
      const nz = model.nz;
      const cb = await models.float32(model.codebook);
      const session = await openSession(ort, await models.bytes(model.encoder), {
        executionProviders: ['webgpu'],
        preferredOutputLocation: 'gpu-buffer',
      });
      const img = await loadImage('/e2e/fixtures/frame-64x64.png');
      const x = new Float32Array(img.data.length);
      for (let i = 0; i < x.length; i++) x[i] = img.data[i] * 2 - 1;
      const outs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, img.height, img.width]) });
      await flushOrt(); // our submit reads ORT's outputs
      const knn = createKnn(device);
      knn.setCodebook(cb, N, nz);
      const lines: string[] = [];
      let ok = true;
      const ks = [1, 5, 40];
      for (const [i, name] of session.outputNames.entries()) {
        const t = outs[name];
        const [, c, h, w] = t.dims;
        const P = h * w;
        if (c !== nz) return { pass: false, detail: `${name}: ${c} channels, codebook has ${nz}` };
        const zGpu = t.gpuBuffer;
        const r = knn.run({ z: zGpu, P, k: ks[i] });
        const z = await readF32(device, zGpu, nz * P);
        const ref = reference(z, nz, P, cb, N, [ks[i]]);
        const cmp = await compareRun(device, r, P, ks[i], ref, cb, nz);
        ok &&= cmp.ok;
        const used = new Set(ref.indices.get(ks[i])).size;
        lines.push(`${name} ${h}×${w} (${used} distinct entries) ${cmp.text}`);
        t.dispose();
      }
      knn.destroy();
      await session.release();
      return { pass: ok, detail: `${lines.join('; ')} [tolerance: 0 mismatches]` };
    },
  },
];
