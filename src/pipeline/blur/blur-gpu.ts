/**
 * GPU runner for shaders/blur.wgsl. Buffers in, a new buffer out (owned by the caller);
 * nothing crosses to the CPU. Same semantics as blurCpu (blur-cpu.ts).
 */
import code from '../../../shaders/blur.wgsl?raw';
import { computePipeline, dispatch, storageBuffer, uniformBuffer, uploadBuffer } from '../../engine/gpu';
import { kernelSide, kernelSupport } from './kernel';

export interface BlurGpu {
  /**
   * Blur a planar RGB f32 image of w×h held in `input` with `kernel` (size×size, row-major).
   * Records into `encoder` when given (the caller submits), else submits on its own.
   */
  run(input: GPUBuffer, w: number, h: number, kernel: Float32Array, encoder?: GPUCommandEncoder): GPUBuffer;
}

const TILE = 16;
const CHANNELS = 3;

export function createBlur(device: GPUDevice): BlurGpu {
  const pipeline = computePipeline(device, code, 'main', 'blur');
  return {
    run(input, w, h, kernel, encoder) {
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new RangeError(`bad image size ${w}×${h}`);
      const size = kernelSide(kernel);
      const params = uniformBuffer(device, new Uint32Array([w, h, size, kernelSupport(kernel, size)]), 'blur.params');
      // Per-run buffers (not a reused one): two runs recorded into one encoder must not share a kernel buffer
      // that queue.writeBuffer would overwrite before either executes.
      const taps = uploadBuffer(device, kernel, undefined, 'blur.kernel');
      const output = storageBuffer(device, w * h * CHANNELS * 4, 'blur.out');
      const enc = encoder ?? device.createCommandEncoder();
      dispatch(device, enc, pipeline, [params, input, taps, output], [Math.ceil(w / TILE), Math.ceil(h / TILE), CHANNELS]);
      if (!encoder) device.queue.submit([enc.finish()]);
      return output;
    },
  };
}
