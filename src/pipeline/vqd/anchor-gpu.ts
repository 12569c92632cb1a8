/**
 * GPU runner for shaders/anchor.wgsl: the colour anchor after VQD, on buffers; nothing crosses to
 * the CPU. Same semantics as anchorCpu (anchor-cpu.ts).
 */
import reflectCode from '../../../shaders/reflect.wgsl?raw';
import kernelCode from '../../../shaders/anchor.wgsl?raw';
import { computePipeline, dispatch, storageBuffer, uniformBuffer, uploadBuffer } from '../../gpu/webgpu';
import { anchorRadius, anchorTaps } from './anchor-cpu';

/** WGSL has no imports: compiled as reflect.wgsl (the mirrored border index) + anchor.wgsl. */
const WGSL = `${reflectCode}\n${kernelCode}`;

export interface AnchorGpu {
  /**
   * A new buffer (owned by the caller): `vqd` with its low band replaced by `input`'s, both planar
   * RGB f32 of w×h. σ = 0 copies `vqd`. Submits its own work and frees its temporaries.
   */
  run(input: GPUBuffer, vqd: GPUBuffer, w: number, h: number, sigma: number): GPUBuffer;
}

const TILE = 16;
const CHANNELS = 3;

export function createAnchor(device: GPUDevice): AnchorGpu {
  const horizontal = computePipeline(device, WGSL, 'horizontal', 'anchor.horizontal');
  const vertical = computePipeline(device, WGSL, 'vertical', 'anchor.vertical');
  return {
    run(input, vqd, w, h, sigma) {
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new RangeError(`bad image size ${w}×${h}`);
      const bytes = w * h * CHANNELS * 4;
      const output = storageBuffer(device, bytes, 'anchor.out');
      const enc = device.createCommandEncoder();
      const r = anchorRadius(sigma);
      const temporaries: GPUBuffer[] = [];
      if (r === 0) {
        enc.copyBufferToBuffer(vqd, 0, output, 0, bytes);
      } else {
        const params = uniformBuffer(device, new Uint32Array([w, h, r, 0]), 'anchor.params');
        const taps = uploadBuffer(device, anchorTaps(sigma), undefined, 'anchor.taps');
        const tmp = storageBuffer(device, bytes, 'anchor.tmp');
        const groups: [number, number, number] = [Math.ceil(w / TILE), Math.ceil(h / TILE), CHANNELS];
        dispatch(device, enc, horizontal, [params, taps, input, vqd, tmp], groups);
        dispatch(device, enc, vertical, [params, taps, vqd, tmp, output], groups);
        temporaries.push(params, taps, tmp);
      }
      device.queue.submit([enc.finish()]);
      // Freed once the submitted work that reads them is done (WebGPU defers destruction until then).
      for (const b of temporaries) b.destroy();
      return output;
    },
  };
}
