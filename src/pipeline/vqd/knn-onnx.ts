/**
 * The k-th-nearest codebook search as an ONNX graph, run by onnxruntime-web: the second GPU
 * formulation the benchmark compares knn.wgsl against (what one gets without writing a kernel).
 *
 *   z [nz, P] ─Transpose→ [P, nz] ─MatMul(Eᵀ [nz, N])→ G [P, N]
 *   D = G·(−2) + ReduceSum(E ⊙ E, axis 1)                      ‖e‖² − 2·z·e, [P, N]
 *   TopK(D, k, axis −1, largest 0, sorted 1) → indices [P, k]   ascending
 *   last = Gather(indices, k − 1, axis 1) → Reshape → [P]      the k-th nearest
 *   zq = Transpose(Gather(E, last, axis 0)) → [nz, P]
 *
 * k is a graph input (int64 [1]), so one session serves every k. Same formula as the kernel, but
 * MatMul sums in its own (blocked) order and TopK does not promise the index tie order, so indices
 * can differ at exact or near ties; the benchmark reports the agreement.
 */
import type * as ortTypes from 'onnxruntime-web';
import { buildOnnxModel } from '../../gpu/onnx-builder';

export function buildKnnOnnxModel(codebook: Float32Array, N: number, nz: number): Uint8Array {
  const cb = codebook.subarray(0, N * nz);
  const cbT = new Float32Array(N * nz);
  for (let j = 0; j < N; j++) for (let c = 0; c < nz; c++) cbT[c * N + j] = cb[j * nz + c];
  return buildOnnxModel({
    opset: 17,
    name: 'knn_topk',
    inputs: [
      { name: 'z', type: 'float', dims: [nz, 'P'] },
      { name: 'k', type: 'int64', dims: [1] },
    ],
    outputs: [
      { name: 'indices', type: 'int64', dims: ['P'] },
      { name: 'zq', type: 'float', dims: [nz, 'P'] },
    ],
    initializers: [
      { name: 'E', type: 'float', dims: [N, nz], data: cb },
      { name: 'ET', type: 'float', dims: [nz, N], data: cbT },
      { name: 'minus2', type: 'float', dims: [1], data: [-2] },
      { name: 'axis1', type: 'int64', dims: [1], data: [1] },
      { name: 'one', type: 'int64', dims: [1], data: [1] },
      { name: 'flat', type: 'int64', dims: [1], data: [-1] },
    ],
    nodes: [
      { op: 'Mul', inputs: ['E', 'E'], outputs: ['E2'] },
      { op: 'ReduceSum', inputs: ['E2', 'axis1'], outputs: ['norms'], attrs: { keepdims: 0 } },
      { op: 'Transpose', inputs: ['z'], outputs: ['zT'], attrs: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['zT', 'ET'], outputs: ['G'] },
      { op: 'Mul', inputs: ['G', 'minus2'], outputs: ['G2'] },
      { op: 'Add', inputs: ['G2', 'norms'], outputs: ['D'] },
      { op: 'TopK', inputs: ['D', 'k'], outputs: ['topVals', 'topIdx'], attrs: { axis: -1, largest: 0, sorted: 1 } },
      { op: 'Sub', inputs: ['k', 'one'], outputs: ['kLast'] },
      { op: 'Gather', inputs: ['topIdx', 'kLast'], outputs: ['lastCol'], attrs: { axis: 1 } },
      { op: 'Reshape', inputs: ['lastCol', 'flat'], outputs: ['indices'] },
      { op: 'Gather', inputs: ['E', 'indices'], outputs: ['zqT'], attrs: { axis: 0 } },
      { op: 'Transpose', inputs: ['zqT'], outputs: ['zq'], attrs: { perm: [1, 0] } },
    ],
  });
}

export interface KnnOnnx {
  /** z: a [nz, P] float32 tensor (CPU data or `Tensor.fromGpuBuffer`). Outputs stay where the session puts them. */
  run(z: ortTypes.Tensor, k: number): Promise<{ indices: ortTypes.Tensor; zq: ortTypes.Tensor }>;
  release(): Promise<void>;
}

export async function createKnnOnnx(
  ort: typeof ortTypes,
  codebook: Float32Array,
  N: number,
  nz: number,
  opts: { executionProviders?: string[]; gpuOutputs?: boolean } = {},
): Promise<KnnOnnx> {
  const session = await ort.InferenceSession.create(buildKnnOnnxModel(codebook, N, nz), {
    executionProviders: opts.executionProviders ?? ['webgpu'],
    graphOptimizationLevel: 'all',
    ...(opts.gpuOutputs ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
  });
  return {
    async run(z, k) {
      if (!Number.isInteger(k) || k < 1 || k > N) throw new RangeError(`k = ${k} outside 1…${N}`);
      const out = await session.run({ z, k: new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]) });
      return { indices: out.indices, zq: out.zq };
    },
    release: () => session.release(),
  };
}
