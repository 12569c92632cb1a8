/**
 * Host side of shaders/knn.wgsl: the k-th-nearest codebook search on GPUBuffers.
 *
 * z comes straight from an ORT `gpu-buffer` output (`tensor.gpuBuffer`, NCHW with N = 1, i.e.
 * [nz, P]); zq goes straight into decoder.onnx through `Tensor.fromGpuBuffer`. Nothing crosses to
 * the CPU. Per call: one distances GEMM + one select per chunk of positions, then one gather, all
 * recorded into one command encoder (the caller's, if given).
 *
 * Buffer ownership: the transposed codebook, its norms, the distance scratch and the uniform
 * buffers belong to the Knn object and are reused across calls. Outputs are the caller's when
 * passed in `out`; otherwise the Knn object keeps one output pair per P and reuses it on the next
 * call with the same P (so three branches of different sizes can be in flight in one encoder, but a
 * second call with the same P overwrites the first one's results).
 */
import knnWgsl from '../../../shaders/knn.wgsl?raw';
import { computePipeline, dispatch, groups2d, readF32, readU32, STORAGE, uploadBuffer } from '../../gpu/webgpu';

/** The select kernel's histogram counters are 16 bits wide. */
export const KNN_MAX_ENTRIES = 65535;
/** Entries per distances workgroup: Eᵀ and D rows are padded to a multiple of this. */
const BLOCK_E = 512;
/** Positions per distances workgroup: D rows (positions) are padded to a multiple of this. */
const BLOCK_P = 8;
/** Positions (threads) per select workgroup. */
const SEL_WG = 32;
/** Cap on the distance scratch even where the device allows more (GPU memory is shared with ORT). */
const DIST_SCRATCH_CAP = 256 * 1024 * 1024;

export interface KnnRunArgs {
  /** [nz, P] float32 (NCHW, N = 1); may be larger than nz·P·4 bytes (ORT rounds sizes up). */
  z: GPUBuffer;
  P: number;
  /** 1-based rank, 1 ≤ k ≤ N. */
  k: number;
  /** Record into this encoder and leave submitting to the caller; otherwise submit here. */
  encoder?: GPUCommandEncoder;
  /** Caller-owned outputs: indices ≥ 4·P bytes, zq ≥ 4·nz·P bytes. */
  out?: { indices: GPUBuffer; zq: GPUBuffer };
}

export interface KnnRunResult {
  /** u32 per position, [P]. */
  indices: GPUBuffer;
  /** float32 [nz, P], usable as a decoder input. */
  zq: GPUBuffer;
}

export interface Knn {
  /**
   * Upload (Float32Array) or adopt (GPUBuffer with STORAGE usage, read once here, still the
   * caller's) a codebook [N, nz] row-major. Replacing a codebook frees the previous one's buffers
   * and the per-P outputs.
   */
  setCodebook(codebook: Float32Array | GPUBuffer, N: number, nz: number): void;
  run(args: KnnRunArgs): KnnRunResult;
  readonly N: number;
  readonly nz: number;
  /** Positions per distances/select chunk (bounded by maxStorageBufferBindingSize). */
  readonly chunkPositions: number;
  destroy(): void;
}

interface CodebookState {
  N: number;
  nz: number;
  Npad: number;
  cbT: GPUBuffer;
  norms: GPUBuffer;
}

const PARAM_WORDS = 8;

export function createKnn(device: GPUDevice, opts: { maxChunkBytes?: number } = {}): Knn {
  const pipes = {
    prepare: computePipeline(device, knnWgsl, 'prepare_codebook', 'knn.prepare_codebook'),
    distances: computePipeline(device, knnWgsl, 'distances', 'knn.distances'),
    select: computePipeline(device, knnWgsl, 'select_kth', 'knn.select_kth'),
    gather: computePipeline(device, knnWgsl, 'gather', 'knn.gather'),
  };
  let cb: CodebookState | undefined;
  let dist: GPUBuffer | undefined;
  // Uniform buffers are written once at creation and never rewritten, keyed by content: two calls
  // recorded into one encoder before a submit must not see each other's parameters.
  const params = new Map<string, GPUBuffer>();
  const outputs = new Map<number, KnnRunResult>();
  const limitBytes = Math.min(
    device.limits.maxStorageBufferBindingSize,
    device.limits.maxBufferSize,
    opts.maxChunkBytes ?? DIST_SCRATCH_CAP,
  );

  function paramBuffer(w: number[]): GPUBuffer {
    const key = w.join(',');
    let b = params.get(key);
    if (!b) {
      if (params.size >= 512) {
        // Far more distinct (P, chunk, k) combinations than any session uses; drop the oldest.
        // Deferred destroy: a just-recorded encoder may still reference it until its submit.
        const [oldKey, old] = params.entries().next().value as [string, GPUBuffer];
        params.delete(oldKey);
        void device.queue.onSubmittedWorkDone().then(() => old.destroy());
      }
      b = uploadBuffer(device, new Uint32Array(w), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'knn.params');
      params.set(key, b);
    }
    return b;
  }

  function words(p: { P: number; p0: number; count: number; k: number }, c: CodebookState): number[] {
    const w = [p.P, p.p0, p.count, c.N, c.Npad, c.nz, p.k, Math.ceil(p.count / BLOCK_P) * BLOCK_P];
    if (w.length !== PARAM_WORDS) throw new Error('Params layout');
    return w;
  }

  /**
   * D is [Npad, Ppad] f32: the positions per chunk that keep it within the binding limit (and the
   * distances grid's x dimension within maxComputeWorkgroupsPerDimension).
   */
  function chunkPositionsFor(c: CodebookState): number {
    const cols = Math.min(Math.floor(limitBytes / (c.Npad * 4)), device.limits.maxComputeWorkgroupsPerDimension * BLOCK_P);
    return Math.max(BLOCK_P, Math.floor(cols / BLOCK_P) * BLOCK_P);
  }

  function pass(encoder: GPUCommandEncoder, pipeline: GPUComputePipeline, buffers: GPUBuffer[], groups: [number, number]): void {
    dispatch(device, encoder, pipeline, buffers, groups);
  }

  const knn: Knn = {
    get N() {
      return cb?.N ?? 0;
    },
    get nz() {
      return cb?.nz ?? 0;
    },
    get chunkPositions() {
      return cb ? chunkPositionsFor(cb) : 0;
    },

    setCodebook(codebook, N, nz) {
      if (!Number.isInteger(N) || N < 1 || N > KNN_MAX_ENTRIES) throw new RangeError(`codebook size N = ${N} outside 1…${KNN_MAX_ENTRIES}`);
      if (!Number.isInteger(nz) || nz < 1) throw new RangeError(`nz = ${nz} must be a positive integer`);
      if (codebook instanceof Float32Array && codebook.length < N * nz) throw new RangeError(`codebook has ${codebook.length} values, need ${N * nz}`);
      if (!(codebook instanceof Float32Array) && codebook.size < N * nz * 4) throw new RangeError(`codebook buffer has ${codebook.size} bytes, need ${N * nz * 4}`);
      cb?.cbT.destroy();
      cb?.norms.destroy();
      for (const o of outputs.values()) {
        o.indices.destroy();
        o.zq.destroy();
      }
      outputs.clear();
      const Npad = Math.ceil(N / BLOCK_E) * BLOCK_E;
      const src = codebook instanceof Float32Array ? uploadBuffer(device, codebook.subarray(0, N * nz), STORAGE, 'knn.codebook') : codebook;
      const state: CodebookState = {
        N,
        nz,
        Npad,
        cbT: device.createBuffer({ size: Npad * nz * 4, usage: STORAGE, label: 'knn.codebookT' }),
        norms: device.createBuffer({ size: Npad * 4, usage: STORAGE, label: 'knn.norms' }),
      };
      const enc = device.createCommandEncoder({ label: 'knn.setCodebook' });
      pass(enc, pipes.prepare, [paramBuffer(words({ P: 0, p0: 0, count: 0, k: 1 }, state)), src, state.cbT, state.norms], [Math.ceil(Npad / 64), 1]);
      device.queue.submit([enc.finish()]);
      if (src !== codebook) void device.queue.onSubmittedWorkDone().then(() => src.destroy());
      cb = state;
    },

    run({ z, P, k, encoder, out }) {
      const c = cb;
      if (!c) throw new Error('knn: setCodebook first');
      if (!Number.isInteger(P) || P < 1) throw new RangeError(`P = ${P}`);
      if (!Number.isInteger(k) || k < 1 || k > c.N) throw new RangeError(`k = ${k} outside 1…${c.N}`);
      if (z.size < c.nz * P * 4) throw new RangeError(`z buffer has ${z.size} bytes, need nz·P·4 = ${c.nz * P * 4}`);
      if (Math.ceil(P / 64) > device.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`P = ${P} positions: tile the frame`);
      const chunk = Math.min(chunkPositionsFor(c), Math.ceil(P / BLOCK_P) * BLOCK_P);
      const distBytes = chunk * c.Npad * 4;
      if (!dist || dist.size < distBytes) {
        // Deferred destroy: an encoder recorded earlier (e.g. a smaller branch in the same
        // encoder) may still reference the old scratch until it is submitted and done.
        const old = dist;
        if (old) void device.queue.onSubmittedWorkDone().then(() => old.destroy());
        dist = device.createBuffer({ size: distBytes, usage: STORAGE, label: 'knn.distances' });
      }
      let result = out;
      if (!result) {
        result = outputs.get(P);
        if (!result) {
          result = {
            indices: device.createBuffer({ size: Math.max(16, P * 4), usage: STORAGE, label: 'knn.indices' }),
            zq: device.createBuffer({ size: c.nz * P * 4, usage: STORAGE, label: 'knn.zq' }),
          };
          outputs.set(P, result);
        }
      }
      const enc = encoder ?? device.createCommandEncoder({ label: 'knn.run' });
      for (let p0 = 0; p0 < P; p0 += chunk) {
        const count = Math.min(chunk, P - p0);
        const u = paramBuffer(words({ P, p0, count, k }, c));
        pass(enc, pipes.distances, [u, z, c.cbT, c.norms, dist], [Math.ceil(count / BLOCK_P), c.Npad / BLOCK_E]);
        pass(enc, pipes.select, [u, dist, result.indices], groups2d(device, Math.ceil(count / SEL_WG)));
      }
      const g = paramBuffer(words({ P, p0: 0, count: P, k }, c));
      pass(enc, pipes.gather, [g, result.indices, c.cbT, result.zq], [Math.ceil(P / 64), c.nz]);
      if (!encoder) device.queue.submit([enc.finish()]);
      return result;
    },

    destroy() {
      cb?.cbT.destroy();
      cb?.norms.destroy();
      cb = undefined;
      dist?.destroy();
      dist = undefined;
      for (const b of params.values()) b.destroy();
      params.clear();
      for (const o of outputs.values()) {
        o.indices.destroy();
        o.zq.destroy();
      }
      outputs.clear();
    },
  };
  return knn;
}

/**
 * Convenience for tests and benchmarks: arrays in, arrays out (uploads z and the codebook, runs,
 * reads back). The Knn object is created and destroyed here.
 */
export async function knnGpuArrays(
  device: GPUDevice,
  z: Float32Array,
  nz: number,
  P: number,
  codebook: Float32Array,
  N: number,
  k: number,
): Promise<{ indices: Uint32Array; zq: Float32Array }> {
  const knn = createKnn(device);
  const zBuf = uploadBuffer(device, z.subarray(0, nz * P), STORAGE, 'knn.z');
  try {
    knn.setCodebook(codebook, N, nz);
    const r = knn.run({ z: zBuf, P, k });
    const [indices, zq] = await Promise.all([readU32(device, r.indices, P), readF32(device, r.zq, nz * P)]);
    return { indices, zq };
  } finally {
    zBuf.destroy();
    knn.destroy();
  }
}
