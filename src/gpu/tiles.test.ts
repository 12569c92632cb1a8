/**
 * The tile plan (tiles.ts): every frame pixel is blended from at least one tile, tiles are
 * stride-aligned and no larger than asked, and a margin gives every frame edge that much
 * replicate-padded context. Properties over random frames and plans (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulateCpu, normalizeCpu, planTiles } from './tiles';

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
