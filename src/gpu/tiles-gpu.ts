/** GPU runner for shaders/tile.wgsl (see tiles.ts for the plan and the CPU references). */
import code from '../../shaders/tile.wgsl?raw';
import { computePipeline, dispatchBindings, storageBuffer, uniformBuffer } from './webgpu';
import type { Tile } from './tiles';

const WG = 8;

function params(f: {
  srcW: number; srcH: number; dstW: number; dstH: number; x0: number; y0: number; channels: number; feather?: number;
  a?: number; b?: number; lo?: number; hi?: number; tile?: Tile;
}): Uint32Array {
  const buf = new ArrayBuffer(24 * 4);
  const u = new Uint32Array(buf);
  const i = new Int32Array(buf);
  const fl = new Float32Array(buf);
  u[0] = f.srcW; u[1] = f.srcH; u[2] = f.dstW; u[3] = f.dstH;
  i[4] = f.x0; i[5] = f.y0;
  u[6] = f.channels; u[7] = f.feather ?? 0;
  fl[8] = f.a ?? 1; fl[9] = f.b ?? 0; fl[10] = f.lo ?? -3.4e38; fl[11] = f.hi ?? 3.4e38;
  const t = f.tile;
  if (t) {
    u[12] = t.vx0; u[13] = t.vy0; u[14] = t.vx1; u[15] = t.vy1;
    t.interior.forEach((on, k) => (u[16 + k] = on ? 1 : 0));
  }
  return u;
}

export interface TileOps {
  /** Cut a (replicate-padded) tile out of a frame, applying a*x+b. Returns a new buffer unless `out` is given. */
  extract(a: { src: GPUBuffer; srcW: number; srcH: number; channels: number; x0: number; y0: number; w: number; h: number; scale?: number; offset?: number; out?: GPUBuffer; encoder: GPUCommandEncoder }): GPUBuffer;
  /** A zeroed accumulator for a frame: { acc, wsum }. */
  accumulator(w: number, h: number, channels: number, encoder: GPUCommandEncoder): { acc: GPUBuffer; wsum: GPUBuffer };
  accumulate(a: { acc: GPUBuffer; wsum: GPUBuffer; frameW: number; frameH: number; channels: number; tileBuf: GPUBuffer; tile: Tile; feather: number; scale?: number; offset?: number; encoder: GPUCommandEncoder }): void;
  normalize(a: { acc: GPUBuffer; wsum: GPUBuffer; frameW: number; frameH: number; channels: number; lo?: number; hi?: number; encoder: GPUCommandEncoder }): void;
}

export function createTileOps(device: GPUDevice): TileOps {
  const pipe = (e: string) => computePipeline(device, code, e, `tile.${e}`);
  return {
    extract(a) {
      const out = a.out ?? storageBuffer(device, a.channels * a.w * a.h * 4, 'tile.extract.out');
      const u = uniformBuffer(device, params({ srcW: a.srcW, srcH: a.srcH, dstW: a.w, dstH: a.h, x0: a.x0, y0: a.y0, channels: a.channels, a: a.scale, b: a.offset }));
      dispatchBindings(device, a.encoder, pipe('extract'), [[0, u], [1, a.src], [2, out]], [Math.ceil(a.w / WG), Math.ceil(a.h / WG), a.channels]);
      return out;
    },
    accumulator(w, h, channels, encoder) {
      const acc = storageBuffer(device, channels * w * h * 4, 'tile.acc');
      const wsum = storageBuffer(device, w * h * 4, 'tile.wsum');
      encoder.clearBuffer(acc);
      encoder.clearBuffer(wsum);
      return { acc, wsum };
    },
    accumulate(a) {
      const t = a.tile;
      const u = uniformBuffer(
        device,
        params({ srcW: t.w, srcH: t.h, dstW: a.frameW, dstH: a.frameH, x0: t.x0, y0: t.y0, channels: a.channels, feather: a.feather, a: a.scale, b: a.offset, tile: t }),
      );
      dispatchBindings(device, a.encoder, pipe('accumulate'), [[0, u], [1, a.tileBuf], [2, a.acc], [3, a.wsum]], [
        Math.ceil((t.vx1 - t.vx0) / WG),
        Math.ceil((t.vy1 - t.vy0) / WG),
        a.channels,
      ]);
    },
    normalize(a) {
      const u = uniformBuffer(device, params({ srcW: 0, srcH: 0, dstW: a.frameW, dstH: a.frameH, x0: 0, y0: 0, channels: a.channels, lo: a.lo, hi: a.hi }));
      dispatchBindings(device, a.encoder, pipe('normalize'), [[0, u], [2, a.acc], [3, a.wsum]], [Math.ceil(a.frameW / WG), Math.ceil(a.frameH / WG), a.channels]);
    },
  };
}
