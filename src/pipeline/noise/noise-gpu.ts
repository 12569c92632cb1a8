/**
 * GPU runner for shaders/noise.wgsl (compiled together with shaders/rng.wgsl). Buffers in,
 * a new buffer out (owned by the caller). Same semantics as noiseCpu (noise-cpu.ts).
 */
import rngCode from '../../../shaders/rng.wgsl?raw';
import noiseCode from '../../../shaders/noise.wgsl?raw';
import { computePipeline, dispatch, storageBuffer, uniformBuffer } from '../../gpu/webgpu';
import { sigmaUnit, type NoiseKind, type NoiseParams } from './options';

/** WGSL has no imports: kernels that draw random numbers are compiled from rng.wgsl + their own file. */
export const NOISE_WGSL = `${rngCode}\n${noiseCode}`;

const KIND_CODE: Record<NoiseKind, number> = { none: 0, gaussian: 1, poisson: 2 };
const CHANNELS = 3;

export interface NoiseGpu {
  /**
   * Add noise to the planar RGB f32 image of w×h in `input` for (seed, frame) — the same
   * pixels noiseCpu gives. Records into `encoder` when given (the caller submits).
   */
  run(input: GPUBuffer, w: number, h: number, p: NoiseParams, seed: number, frame: number, encoder?: GPUCommandEncoder): GPUBuffer;
}

export function createNoise(device: GPUDevice): NoiseGpu {
  const pipeline = computePipeline(device, NOISE_WGSL, 'main', 'noise');
  return {
    run(input, w, h, p, seed, frame, encoder) {
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new RangeError(`bad image size ${w}×${h}`);
      if (!(p.kind in KIND_CODE)) throw new RangeError(`unknown noise kind ${String(p.kind)}`);
      const words = new ArrayBuffer(32);
      const u = new Uint32Array(words);
      const f = new Float32Array(words);
      u[0] = w;
      u[1] = h;
      u[2] = KIND_CODE[p.kind];
      u[3] = p.gray ? 1 : 0;
      u[4] = seed >>> 0;
      u[5] = frame >>> 0;
      f[6] = sigmaUnit(p);
      f[7] = p.scale;
      const params = uniformBuffer(device, u, 'noise.params');
      const output = storageBuffer(device, w * h * CHANNELS * 4, 'noise.out');
      const enc = encoder ?? device.createCommandEncoder();
      dispatch(device, enc, pipeline, [params, input, output], [Math.ceil(w / 16), Math.ceil(h / 16)]);
      if (!encoder) device.queue.submit([enc.finish()]);
      return output;
    },
  };
}
