/**
 * Tiling plan and CPU references for shaders/tile.wgsl.
 *
 * A frame too large for one model run is cut into tiles of a fixed size (a
 * multiple of the model's stride) that overlap; each tile's output is blended
 * back with a linear feather over the overlap on its interior edges, then
 * normalised by the summed weights. Frame edges are replicate-padded, which is
 * also how a small frame is padded up to the stride.
 */

export interface Tile {
  /** Tile origin in the frame (negative with a plan's margin; past any edge is replicate padding). */
  x0: number;
  y0: number;
  /** Tile size (model input size), a multiple of the stride. */
  w: number;
  h: number;
  /** Valid window inside the tile (the part that lies in the frame), tile coordinates, [vx0, vx1). */
  vx0: number;
  vy0: number;
  vx1: number;
  vy1: number;
  /** Interior edges (left, top, right, bottom) that are cross-faded with a neighbour. */
  interior: [boolean, boolean, boolean, boolean];
}

export interface TilePlanOptions {
  /** Largest tile side (pixels of the input). */
  maxTile: number;
  /** Overlap between neighbouring tiles (pixels of the input). */
  overlap: number;
  /** Tile sides are multiples of this (the model's total stride, e.g. 8). */
  multiple: number;
  /**
   * Context past the frame's edges (pixels, default 0): the tiles cover [−margin, size + margin)
   * on each axis, the outside replicate-padded by extract, and only the frame is blended back.
   * A net whose convolutions zero-pad sees a frame edge as a dark border otherwise; the VQGAN
   * reconstructs its outer pixels far worse than the interior (vqd/options.ts VQD_FRAME_MARGIN).
   */
  margin?: number;
}

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

/** Tiles along one axis of `size` pixels: starts (may be negative with a margin) and a common length. */
function axisPlan(size: number, maxTile: number, overlap: number, multiple: number, margin: number): { start: number; len: number }[] {
  const first = 0 - margin; // not -margin: that is −0 for no margin
  const whole = roundUp(size + 2 * margin, multiple);
  if (whole <= maxTile) return [{ start: first, len: whole }];
  const len = Math.floor(maxTile / multiple) * multiple;
  if (len <= overlap) throw new RangeError(`tile ${len} must exceed overlap ${overlap}`);
  const step = len - overlap;
  const end = size + margin;
  const starts: number[] = [];
  for (let s = first; s + len < end; s += step) starts.push(s);
  starts.push(Math.max(first, end - len)); // last tile flush with the far edge (of the margin)
  return [...new Set(starts)].map((start) => ({ start, len }));
}

export function planTiles(width: number, height: number, o: TilePlanOptions): Tile[] {
  const margin = o.margin ?? 0;
  if (!(Number.isInteger(margin) && margin >= 0)) throw new RangeError(`tile margin ${margin} must be a whole number ≥ 0`);
  const xs = axisPlan(width, o.maxTile, o.overlap, o.multiple, margin);
  const ys = axisPlan(height, o.maxTile, o.overlap, o.multiple, margin);
  const tiles: Tile[] = [];
  ys.forEach((ty, j) =>
    xs.forEach((tx, i) => {
      tiles.push({
        x0: tx.start,
        y0: ty.start,
        w: tx.len,
        h: ty.len,
        vx0: Math.max(0, 0 - tx.start),
        vy0: Math.max(0, 0 - ty.start),
        vx1: Math.min(tx.len, width - tx.start),
        vy1: Math.min(ty.len, height - ty.start),
        interior: [i > 0, j > 0, i < xs.length - 1, j < ys.length - 1],
      });
    }),
  );
  return tiles;
}

/** The same tile at `scale`× (for models whose output is larger than the input, e.g. VSR ×4). */
export function scaleTile(t: Tile, scale: number): Tile {
  return { ...t, x0: t.x0 * scale, y0: t.y0 * scale, w: t.w * scale, h: t.h * scale, vx0: t.vx0 * scale, vy0: t.vy0 * scale, vx1: t.vx1 * scale, vy1: t.vy1 * scale };
}

// ---- CPU references (mirror tile.wgsl; f32 rounding via Math.fround) ----

export function extractCpu(src: Float32Array, srcW: number, srcH: number, channels: number, x0: number, y0: number, dw: number, dh: number, a = 1, b = 0): Float32Array {
  const out = new Float32Array(channels * dw * dh);
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < dh; y++) {
      const sy = Math.min(srcH - 1, Math.max(0, y0 + y));
      for (let x = 0; x < dw; x++) {
        const sx = Math.min(srcW - 1, Math.max(0, x0 + x));
        out[(c * dh + y) * dw + x] = Math.fround(Math.fround(fa * src[(c * srcH + sy) * srcW + sx]) + fb);
      }
    }
  return out;
}

function ramp(d: number, on: boolean, feather: number): number {
  if (!on || feather === 0) return 1;
  return Math.min(1, Math.fround(Math.fround(d + 0.5) / feather));
}

/**
 * Add tile `t`'s output (tileData, planar, t.w × t.h, scaled v = a·x + b) into `acc` with its
 * feather weights, and the weights into `wsum`: the CPU form of tile.wgsl's accumulate, with its
 * f32 roundings in its order, per pixel w = ((left·top)·right)·bottom, acc += w·v. The ramps are
 * made once per column and row and the loops run over the part of the valid window inside the
 * frame, so a whole 1920×1088 frame takes tens of milliseconds, not hundreds (tiles.test.ts holds
 * the per-pixel form this must equal bit for bit).
 */
export function accumulateCpu(acc: Float32Array, wsum: Float32Array, frameW: number, frameH: number, channels: number, tileData: Float32Array, t: Tile, feather: number, a = 1, b = 0): void {
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  const [onL, onT, onR, onB] = t.interior;
  const x0 = Math.max(t.vx0, -t.x0);
  const x1 = Math.min(t.vx1, frameW - t.x0);
  const y0 = Math.max(t.vy0, -t.y0);
  const y1 = Math.min(t.vy1, frameH - t.y0);
  if (x0 >= x1 || y0 >= y1 || channels < 1) return;
  const n = x1 - x0;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = ramp(x0 + i - t.vx0, onL, feather);
    right[i] = ramp(t.vx1 - 1 - (x0 + i), onR, feather);
  }
  const w = new Float32Array(n);
  const plane = frameW * frameH;
  const tilePlane = t.w * t.h;
  for (let ty = y0; ty < y1; ty++) {
    const top = ramp(ty - t.vy0, onT, feather);
    const bottom = ramp(t.vy1 - 1 - ty, onB, feather);
    for (let i = 0; i < n; i++) w[i] = Math.fround(Math.fround(Math.fround(left[i] * top) * right[i]) * bottom);
    const row = (t.y0 + ty) * frameW + t.x0 + x0;
    const tileRow = ty * t.w + x0;
    for (let c = 0; c < channels; c++) {
      const o = c * plane + row;
      const src = c * tilePlane + tileRow;
      for (let i = 0; i < n; i++) {
        const v = Math.fround(Math.fround(fa * tileData[src + i]) + fb);
        acc[o + i] = Math.fround(acc[o + i] + Math.fround(w[i] * v));
      }
    }
    for (let i = 0; i < n; i++) wsum[row + i] = Math.fround(wsum[row + i] + w[i]);
  }
}

/**
 * The whole blend of a plan that is one tile (no interior edge, so every weight is 1), in one pass
 * straight into `out`: bit for bit what accumulateCpu into zeros and then normalizeCpu give
 * (0 + 1·v is v, but for a −0, which becomes +0; v / 1 is v), without the two frame-sized arrays
 * and passes. A 1920×1088 VSR frame is one tile at the default tile size.
 */
export function blendOneTileCpu(out: Float32Array, frameW: number, frameH: number, channels: number, tileData: Float32Array, t: Tile, a = 1, b = 0, lo = -Infinity, hi = Infinity): void {
  if (t.interior.some(Boolean)) throw new RangeError('blendOneTileCpu: the tile has interior edges (a plan of several tiles)');
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  const x0 = Math.max(t.vx0, -t.x0);
  const x1 = Math.min(t.vx1, frameW - t.x0);
  const y0 = Math.max(t.vy0, -t.y0);
  const y1 = Math.min(t.vy1, frameH - t.y0);
  if (x0 > 0 - t.x0 || y0 > 0 - t.y0 || x1 < frameW - t.x0 || y1 < frameH - t.y0) throw new RangeError('blendOneTileCpu: the tile does not cover the frame');
  const plane = frameW * frameH;
  const tilePlane = t.w * t.h;
  for (let c = 0; c < channels; c++) {
    for (let ty = y0; ty < y1; ty++) {
      const o = c * plane + (t.y0 + ty) * frameW + t.x0 + x0;
      const src = c * tilePlane + ty * t.w + x0;
      for (let i = 0; i < x1 - x0; i++) {
        const v = Math.fround(Math.fround(fa * tileData[src + i]) + fb) + 0;
        out[o + i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }
}

/**
 * acc / wsum per pixel, clamped to [lo, hi]: tile.wgsl's normalize. Into `out` (a new array by
 * default; may be `acc` itself, or the caller's image, so a frame needs no extra copy).
 */
export function normalizeCpu(acc: Float32Array, wsum: Float32Array, frameW: number, frameH: number, channels: number, lo = -Infinity, hi = Infinity, out: Float32Array = new Float32Array(acc.length)): Float32Array {
  const plane = frameW * frameH;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = Math.fround(acc[base + i] / Math.max(wsum[i], 1e-12));
      out[base + i] = v < lo ? lo : v > hi ? hi : v;
    }
  }
  return out;
}
