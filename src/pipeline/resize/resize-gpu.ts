/**
 * GPU runner for shaders/resize.wgsl on the engine's device (ORT's).
 *
 * A resizer keeps, per (sizes, method, options), the uniform and the two weight
 * tables (built once on the CPU by taps.ts, identical to the CPU reference's)
 * and a pool of storage buffers, so resizing every frame of a clip allocates
 * nothing after the first. Cached buffers are immutable once written, which
 * makes it safe to record several resizes into one encoder before submitting.
 */
import code from '../../../shaders/resize.wgsl?raw';
import { createImage, type ImageF32 } from '../../core/image';
import { computePipeline, dispatch, readF32, storageBuffer, uniformBuffer, uploadBuffer } from '../../gpu/webgpu';
import { checkResize, type ResampleFilter, type ResizeOptions } from './options';
import { axisTaps, packTaps, type AxisTaps } from './taps';

const WG_X = 64;
const WG_Y = 4;
const MAX_CACHED_CONFIGS = 64;

interface Config {
  params: GPUBuffer;
  tableX: GPUBuffer | null; // null: that axis keeps its size and the pass is skipped
  tableY: GPUBuffer | null;
}

export interface ResizeGpuOptions extends ResizeOptions {
  /** Planes in the input buffer; default 3 (RGB). */
  channels?: number;
}

export interface Resizer {
  /**
   * Records the resize of a planar CHW float32 buffer into `encoder` (or a fresh one,
   * submitted at once) and returns the output buffer [channels, outH, outW]. The output
   * comes from this resizer's pool: hand it back with `release` when done with it (or keep it).
   */
  resize(
    input: GPUBuffer,
    inW: number,
    inH: number,
    outW: number,
    outH: number,
    method: ResampleFilter,
    encoder?: GPUCommandEncoder,
    opts?: ResizeGpuOptions,
  ): GPUBuffer;
  /** Returns an output buffer to the pool for reuse by later resizes. */
  release(buffer: GPUBuffer): void;
  /** Destroys every pooled and cached buffer (not outputs still held by callers). */
  destroy(): void;
}

function isIdentity(t: AxisTaps): boolean {
  if (t.inSize !== t.outSize || t.taps !== 1) return false;
  for (let i = 0; i < t.outSize; i++) if (t.index[i] !== i || t.weight[i] !== 1) return false;
  return true;
}

export function createResizer(device: GPUDevice): Resizer {
  const horizontal = computePipeline(device, code, 'horizontal', 'resize.horizontal');
  const vertical = computePipeline(device, code, 'vertical', 'resize.vertical');
  const configs = new Map<string, Config>();
  // Two pools: an intermediate is written and read inside one recording, so any later
  // recording may reuse it; an output lives until its holder calls release(). Keeping
  // them apart stops an output handed to a caller from being reused as an intermediate
  // by a recording that is submitted later.
  const outputs = new Map<number, GPUBuffer[]>();
  const intermediates = new Map<number, GPUBuffer[]>();
  const handedOut = new WeakSet<GPUBuffer>();

  const take = (pool: Map<number, GPUBuffer[]>, bytes: number, label: string): GPUBuffer => {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    return pool.get(size)?.pop() ?? storageBuffer(device, size, label);
  };
  const give = (pool: Map<number, GPUBuffer[]>, buf: GPUBuffer): void => {
    const list = pool.get(buf.size) ?? [];
    if (!list.includes(buf)) list.push(buf);
    pool.set(buf.size, list);
  };
  const release = (buf: GPUBuffer): void => {
    if (!handedOut.has(buf)) throw new Error('resize: release() of a buffer this resizer did not hand out');
    give(outputs, buf);
  };

  const config = (inW: number, inH: number, outW: number, outH: number, channels: number, method: ResampleFilter, opts: ResizeOptions): Config => {
    const key = [inW, inH, outW, outH, channels, method, opts.antialias ? 'aa' : '', opts.areaMode ?? 'coverage'].join(',');
    let c = configs.get(key);
    if (c) {
      configs.delete(key); // re-insert: Map order doubles as least-recently-used order
      configs.set(key, c);
      return c;
    }
    const tx = axisTaps(inW, outW, method, opts);
    const ty = axisTaps(inH, outH, method, opts);
    c = {
      params: uniformBuffer(device, new Uint32Array([inW, inH, outW, outH, channels, tx.taps, ty.taps, 0]), 'resize.params'),
      tableX: isIdentity(tx) ? null : uploadBuffer(device, packTaps(tx), undefined, 'resize.tableX'),
      tableY: isIdentity(ty) ? null : uploadBuffer(device, packTaps(ty), undefined, 'resize.tableY'),
    };
    configs.set(key, c);
    if (configs.size > MAX_CACHED_CONFIGS) {
      // The oldest entry cannot belong to a still-unsubmitted recording of the last 64 sizes.
      const [oldKey, old] = configs.entries().next().value as [string, Config];
      configs.delete(oldKey);
      for (const b of [old.params, old.tableX, old.tableY]) b?.destroy();
    }
    return c;
  };

  return {
    resize(input, inW, inH, outW, outH, method, encoder, opts = {}) {
      checkResize(inW, inH, outW, outH, method);
      const channels = opts.channels ?? 3;
      if (!Number.isInteger(channels) || channels <= 0) throw new RangeError(`resize: bad channel count ${channels}`);
      if (input.size < channels * inW * inH * 4) throw new RangeError(`resize: input buffer (${input.size} B) smaller than ${channels}×${inH}×${inW} floats`);
      const rows = channels * Math.max(inH, outH);
      if (Math.ceil(rows / WG_Y) > device.limits.maxComputeWorkgroupsPerDimension) throw new RangeError(`resize: ${rows} rows exceed one dispatch`);

      const c = config(inW, inH, outW, outH, channels, method, opts);
      const enc = encoder ?? device.createCommandEncoder({ label: 'resize' });
      const out = take(outputs, channels * outW * outH * 4, 'resize.out');
      handedOut.add(out);
      const gx = Math.ceil(outW / WG_X);
      if (!c.tableX && !c.tableY) {
        enc.copyBufferToBuffer(input, 0, out, 0, channels * outW * outH * 4);
      } else if (!c.tableX) {
        dispatch(device, enc, vertical, [c.params, c.tableY!, input, out], [gx, Math.ceil((channels * outH) / WG_Y)]);
      } else if (!c.tableY) {
        dispatch(device, enc, horizontal, [c.params, c.tableX, input, out], [gx, Math.ceil((channels * inH) / WG_Y)]);
      } else {
        const tmp = take(intermediates, channels * inH * outW * 4, 'resize.tmp');
        dispatch(device, enc, horizontal, [c.params, c.tableX, input, tmp], [gx, Math.ceil((channels * inH) / WG_Y)]);
        dispatch(device, enc, vertical, [c.params, c.tableY, tmp, out], [gx, Math.ceil((channels * outH) / WG_Y)]);
        give(intermediates, tmp);
      }
      if (!encoder) device.queue.submit([enc.finish()]);
      return out;
    },
    release,
    destroy() {
      for (const pool of [outputs, intermediates]) {
        for (const list of pool.values()) for (const b of list) b.destroy();
        pool.clear();
      }
      for (const c of configs.values()) for (const b of [c.params, c.tableX, c.tableY]) b?.destroy();
      configs.clear();
    },
  };
}

/** Convenience for tests and one-off calls: upload, resize on the GPU, read back. */
export async function resizeGpuImage(
  device: GPUDevice,
  img: ImageF32,
  outW: number,
  outH: number,
  method: ResampleFilter,
  opts: ResizeOptions = {},
): Promise<ImageF32> {
  const resizer = createResizer(device);
  const input = uploadBuffer(device, img.data);
  try {
    const out = resizer.resize(input, img.width, img.height, outW, outH, method, undefined, { ...opts, channels: img.channels });
    const result = createImage(outW, outH, img.channels);
    result.data.set(await readF32(device, out, result.data.length));
    resizer.release(out);
    return result;
  } finally {
    input.destroy();
    resizer.destroy();
  }
}
