/** GPU runner for shaders/convert.wgsl. Buffers in, buffers out; nothing crosses to the CPU. */
import code from '../../shaders/convert.wgsl?raw';
import { computePipeline, dispatch, groups2d, storageBuffer, uniformBuffer } from './webgpu';

export type ConvertOp = 'affine' | 'quantize' | 'pack_rgba8';

export interface ConvertArgs {
  op: ConvertOp;
  input: GPUBuffer;
  /** Elements for affine/quantize; pixels (plane size) for pack_rgba8. */
  count: number;
  a?: number;
  b?: number;
  lo?: number;
  hi?: number;
  output?: GPUBuffer;
  encoder?: GPUCommandEncoder;
}

export function runConvert(device: GPUDevice, args: ConvertArgs): GPUBuffer {
  const pipeline = computePipeline(device, code, args.op, `convert.${args.op}`);
  const groups = groups2d(device, Math.ceil(args.count / 256));
  const params = new ArrayBuffer(32);
  const u = new Uint32Array(params);
  const f = new Float32Array(params);
  u[0] = args.count;
  u[1] = groups[0] * 256;
  f[2] = args.a ?? 1;
  f[3] = args.b ?? 0;
  f[4] = args.lo ?? -3.4e38;
  f[5] = args.hi ?? 3.4e38;
  const uniforms = uniformBuffer(device, u);
  const output = args.output ?? storageBuffer(device, args.count * 4, `convert.${args.op}.out`);
  const encoder = args.encoder ?? device.createCommandEncoder();
  dispatch(device, encoder, pipeline, [uniforms, args.input, output], [groups[0], groups[1]]);
  if (!args.encoder) device.queue.submit([encoder.finish()]);
  return output;
}
