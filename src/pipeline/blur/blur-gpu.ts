/**
 * GPU runner for shaders/blur.wgsl. Buffers in, a new buffer out (owned by the caller);
 * nothing crosses to the CPU. Same semantics as blurCpu (blur-cpu.ts).
 */
import reflectCode from '../../../shaders/reflect.wgsl?raw';
import kernelCode from '../../../shaders/blur.wgsl?raw';
import { computePipeline, dispatch, storageBuffer, uniformBuffer, uploadBuffer } from '../../gpu/webgpu';
import { kernelSide, kernelSupport } from './kernel';

/** WGSL has no imports: compiled as reflect.wgsl (the mirrored border index) + blur.wgsl. */
const WGSL = `${reflectCode}\n${kernelCode}`;

export interface BlurGpu {
  /**
   * Blur a planar RGB f32 image of w×h held in `input` with `kernel` (size×size, row-major).
   * Records into `encoder` when given (the caller submits), else submits on its own.
   */
  run(input: GPUBuffer, w: number, h: number, kernel: Float32Array, encoder?: GPUCommandEncoder): GPUBuffer;
  /** The entry point in use ('auto' resolved). */
  readonly variant: 'tiled' | 'direct';
}

const TILE = 16;
const CHANNELS = 3;

/**
 * 'tiled': the tile + apron staged in workgroup memory (entry `main`), for real GPUs.
 * 'direct': every tap from global memory (entry `main_direct`), same bits; on SwiftShader it
 * is much faster (workgroup barriers are emulated). 'auto' picks 'direct' on a fallback
 * (software) adapter, 'tiled' otherwise.
 */
export type BlurVariant = 'auto' | 'tiled' | 'direct';

function isSoftwareAdapter(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

export function createBlur(device: GPUDevice, variant: BlurVariant = 'auto'): BlurGpu {
  const direct = variant === 'direct' || (variant === 'auto' && isSoftwareAdapter(device));
  const pipeline = computePipeline(device, WGSL, direct ? 'main_direct' : 'main', direct ? 'blur.direct' : 'blur');
  return {
    variant: direct ? 'direct' : 'tiled',
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
