import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from './onnx-builder';

describe('buildOnnxModel', () => {
  it('writes a graph onnxruntime-node runs: Y = MatMul(X, W) + B, then TopK', async () => {
    const W = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3
    const model = buildOnnxModel({
      inputs: [{ name: 'X', type: 'float', dims: ['n', 2] }],
      outputs: [
        { name: 'Y', type: 'float', dims: ['n', 3] },
        { name: 'V', type: 'float', dims: ['n', 2] },
        { name: 'I', type: 'int64', dims: ['n', 2] },
      ],
      initializers: [
        { name: 'W', type: 'float', dims: [2, 3], data: W },
        { name: 'B', type: 'float', dims: [3], data: [0.5, -0.5, 0] },
        { name: 'K', type: 'int64', dims: [1], data: [2] },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['X', 'W'], outputs: ['XW'] },
        { op: 'Add', inputs: ['XW', 'B'], outputs: ['Y'] },
        { op: 'TopK', inputs: ['Y', 'K'], outputs: ['V', 'I'], attrs: { largest: 0, sorted: 1, axis: -1 } },
      ],
    });
    const session = await ort.InferenceSession.create(model);
    const x = new ort.Tensor('float32', Float32Array.from([1, 0, 0, 1]), [2, 2]);
    const out = await session.run({ X: x });
    // Row 0: [1,2,3]+B = [1.5,1.5,3]; row 1: [4,5,6]+B = [4.5,4.5,6].
    expect(Array.from(out.Y.data as Float32Array)).toEqual([1.5, 1.5, 3, 4.5, 4.5, 6]);
    expect(Array.from(out.V.data as Float32Array)).toEqual([1.5, 1.5, 4.5, 4.5]);
    expect(out.I.dims).toEqual([2, 2]);
  });
});
