/**
 * The tile plan (tiles.ts): every frame pixel is blended from at least one tile, tiles are
 * stride-aligned and no larger than asked, and a margin gives every frame edge that much
 * replicate-padded context. Properties over random frames and plans (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulateCpu, blendOneTileCpu, normalizeCpu, planTiles, type Tile } from './tiles';

const plans = fc.record({
  width: fc.integer({ min: 1, max: 300 }),
  height: fc.integer({ min: 1, max: 300 }),
  multiple: fc.constantFrom(4, 8),
  tileSteps: fc.integer({ min: 4, max: 24 }),
  overlapSteps: fc.integer({ min: 0, max: 3 }),
  margin: fc.constantFrom(0, 4, 8, 16),
});

describe('planTiles', () => {
  it('covers the frame exactly once after normalising, aligned tiles, and margin context at every edge', () => {
    fc.assert(
      fc.property(plans, ({ width, height, multiple, tileSteps, overlapSteps, margin }) => {
        const maxTile = tileSteps * multiple;
        const overlap = overlapSteps * multiple;
        const tiles = planTiles(width, height, { maxTile, overlap, multiple, margin });
        const acc = new Float32Array(width * height);
        const wsum = new Float32Array(width * height);
        for (const t of tiles) {
          expect(t.w % multiple).toBe(0);
          expect(t.h % multiple).toBe(0);
          // A tile is larger than maxTile only when the whole (padded) frame fits in one.
          if (tiles.length > 1) expect(Math.max(t.w, t.h)).toBeLessThanOrEqual(maxTile);
          // The valid window is inside the tile and inside the frame.
          expect(t.vx0).toBeGreaterThanOrEqual(0);
          expect(t.vx1).toBeLessThanOrEqual(t.w);
          expect(t.x0 + t.vx0).toBeGreaterThanOrEqual(0);
          expect(t.x0 + t.vx1).toBeLessThanOrEqual(width);
          expect(t.y0 + t.vy0).toBeGreaterThanOrEqual(0);
          expect(t.y0 + t.vy1).toBeLessThanOrEqual(height);
          expect(t.x0).toBeGreaterThanOrEqual(-margin);
          expect(t.y0).toBeGreaterThanOrEqual(-margin);
          // An all-ones "model output": normalised, every pixel must come back as exactly 1.
          accumulateCpu(acc, wsum, width, height, 1, new Float32Array(t.w * t.h).fill(1), t, overlap);
        }
        const out = normalizeCpu(acc, wsum, width, height, 1);
        let minWeight = Infinity, maxErr = 0;
        for (let i = 0; i < out.length; i++) {
          minWeight = Math.min(minWeight, wsum[i]);
          maxErr = Math.max(maxErr, Math.abs(out[i] - 1));
        }
        expect(minWeight).toBeGreaterThan(0);
        expect(maxErr).toBeLessThan(1e-6);
        // Context: tiles reach `margin` past each edge (the far ones at least, stride rounding may add more).
        expect(Math.min(...tiles.map((t) => t.x0))).toBe(0 - margin);
        expect(Math.min(...tiles.map((t) => t.y0))).toBe(0 - margin);
        expect(Math.max(...tiles.map((t) => t.x0 + t.w))).toBeGreaterThanOrEqual(width + margin);
        expect(Math.max(...tiles.map((t) => t.y0 + t.h))).toBeGreaterThanOrEqual(height + margin);
      }),
      { numRuns: 300 },
    );
  });

  it('without a margin the plan is the one frames had before margins existed: one tile from the origin, else flush tiles', () => {
    expect(planTiles(60, 30, { maxTile: 256, overlap: 32, multiple: 8 })).toEqual([
      { x0: 0, y0: 0, w: 64, h: 32, vx0: 0, vy0: 0, vx1: 60, vy1: 30, interior: [false, false, false, false] },
    ]);
    expect(planTiles(100, 8, { maxTile: 48, overlap: 16, multiple: 8 }).map((t) => t.x0)).toEqual([0, 32, 52]);
  });

  it('with a margin of 8 a 64×64 frame runs as one 80×80 tile from (−8, −8) whose valid window is the frame', () => {
    expect(planTiles(64, 64, { maxTile: 256, overlap: 32, multiple: 8, margin: 8 })).toEqual([
      { x0: -8, y0: -8, w: 80, h: 80, vx0: 8, vy0: 8, vx1: 72, vy1: 72, interior: [false, false, false, false] },
    ]);
  });

  it('refuses a margin that is not a whole number ≥ 0', () => {
    expect(() => planTiles(64, 64, { maxTile: 256, overlap: 32, multiple: 8, margin: -8 })).toThrow(RangeError);
    expect(() => planTiles(64, 64, { maxTile: 256, overlap: 32, multiple: 8, margin: 2.5 })).toThrow(RangeError);
  });
});

// tile.wgsl's blend as first written here, one pixel at a time: the spec accumulateCpu and
// normalizeCpu (restructured for speed) must equal bit for bit.
function ramp(d: number, on: boolean, feather: number): number {
  if (!on || feather === 0) return 1;
  return Math.min(1, Math.fround(Math.fround(d + 0.5) / feather));
}
function accumulatePerPixel(acc: Float32Array, wsum: Float32Array, frameW: number, frameH: number, channels: number, tileData: Float32Array, t: Tile, feather: number, a: number, b: number): void {
  for (let c = 0; c < channels; c++)
    for (let ty = t.vy0; ty < t.vy1; ty++)
      for (let tx = t.vx0; tx < t.vx1; tx++) {
        const fx = t.x0 + tx;
        const fy = t.y0 + ty;
        if (fx < 0 || fy < 0 || fx >= frameW || fy >= frameH) continue;
        const [fl, ft, fr, fb] = t.interior;
        const w = Math.fround(Math.fround(Math.fround(ramp(tx - t.vx0, fl, feather) * ramp(ty - t.vy0, ft, feather)) * ramp(t.vx1 - 1 - tx, fr, feather)) * ramp(t.vy1 - 1 - ty, fb, feather));
        const v = Math.fround(Math.fround(Math.fround(a) * tileData[(c * t.h + ty) * t.w + tx]) + Math.fround(b));
        const o = (c * frameH + fy) * frameW + fx;
        acc[o] = Math.fround(acc[o] + Math.fround(w * v));
        if (c === 0) wsum[fy * frameW + fx] = Math.fround(wsum[fy * frameW + fx] + w);
      }
}
function normalizePerPixel(acc: Float32Array, wsum: Float32Array, frameW: number, frameH: number, channels: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(acc.length);
  const plane = frameW * frameH;
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < plane; i++) {
      const v = Math.fround(acc[c * plane + i] / Math.max(wsum[i], 1e-12));
      out[c * plane + i] = v < lo ? lo : v > hi ? hi : v;
    }
  return out;
}
const sameBits = (x: Float32Array, y: Float32Array) => x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

describe('accumulateCpu / normalizeCpu', () => {
  it('equal the per-pixel blend bit for bit: random plans (margins, overlaps, several tiles), channels, scales and tile values incl. negative zero', () => {
    fc.assert(
      fc.property(plans, fc.integer({ min: 1, max: 3 }), fc.constantFrom([1, 0], [0.5, 0.5], [1 / 255, 0], [255, -3]), fc.integer({ min: 0, max: 2 ** 31 }), ({ width, height, multiple, tileSteps, overlapSteps, margin }, channels, [a, b], seed) => {
        const maxTile = tileSteps * multiple;
        const overlap = overlapSteps * multiple;
        const tiles = planTiles(width, height, { maxTile, overlap, multiple, margin });
        const n = channels * width * height;
        const [acc1, acc2] = [new Float32Array(n), new Float32Array(n)];
        const [w1, w2] = [new Float32Array(width * height), new Float32Array(width * height)];
        let r = seed;
        const rand = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0), r / 2 ** 32);
        for (const t of tiles) {
          const data = Float32Array.from({ length: channels * t.w * t.h }, () => (rand() < 0.02 ? -0 : rand() * 1.2 - 0.1));
          accumulateCpu(acc1, w1, width, height, channels, data, t, overlap, a, b);
          accumulatePerPixel(acc2, w2, width, height, channels, data, t, overlap, a, b);
        }
        expect(sameBits(acc1, acc2)).toBe(true);
        expect(sameBits(w1, w2)).toBe(true);
        const into = new Float32Array(n).fill(NaN);
        expect(sameBits(normalizeCpu(acc1, w1, width, height, channels, 0, 1, into), normalizePerPixel(acc2, w2, width, height, channels, 0, 1))).toBe(true);
        expect(sameBits(normalizeCpu(acc1, w1, width, height, channels), normalizePerPixel(acc2, w2, width, height, channels, -Infinity, Infinity))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('blendOneTileCpu equals accumulating one tile into zeros and normalising, bit for bit (margins, scales, negative zeros)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 120 }), fc.constantFrom(0, 4, 8), fc.integer({ min: 1, max: 3 }), fc.constantFrom([1, 0], [0.5, 0.5], [1 / 255, 0]), fc.integer({ min: 0, max: 2 ** 31 }), (width, height, margin, channels, [a, b], seed) => {
        const tiles = planTiles(width, height, { maxTile: 256, overlap: 16, multiple: 4, margin });
        expect(tiles).toHaveLength(1);
        const t = tiles[0];
        let r = seed;
        const rand = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0), r / 2 ** 32);
        const data = Float32Array.from({ length: channels * t.w * t.h }, () => (rand() < 0.05 ? -0 : rand() * 1.4 - 0.2));
        const n = channels * width * height;
        const acc = new Float32Array(n);
        const wsum = new Float32Array(width * height);
        accumulateCpu(acc, wsum, width, height, channels, data, t, 16, a, b);
        const want = normalizeCpu(acc, wsum, width, height, channels, 0, 1);
        const got = new Float32Array(n).fill(NaN);
        blendOneTileCpu(got, width, height, channels, data, t, a, b, 0, 1);
        expect(sameBits(got, want)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const two = planTiles(100, 20, { maxTile: 64, overlap: 16, multiple: 4 });
    expect(() => blendOneTileCpu(new Float32Array(3 * 100 * 20), 100, 20, 3, new Float32Array(3 * 64 * 20), two[0])).toThrow(/interior edges/);
  });
});
