import { describe, expect, it } from 'vitest';
import { effectiveZoom, fitZoom, panBy, placeImage, referenceSize, viewToImage, zoomAbout } from './viewport';
import { ZOOM_MAX } from '../../state/view-state';
import { stepZoom, ZOOM_STEPS } from './CompareStage';

const ref = { width: 480, height: 270 };
const view = { width: 1000, height: 500 };

describe('viewport geometry', () => {
  it('fit: the whole frame in the view, limited by the tighter side', () => {
    expect(fitZoom(ref, view)).toBeCloseTo(500 / 270, 12);
    expect(effectiveZoom(0, ref, view)).toBe(fitZoom(ref, view));
    expect(effectiveZoom(3, ref, view)).toBe(3);
  });

  it('zooming about a point keeps the image point under it fixed', () => {
    const xf = { zoom: 2, panX: 0.4, panY: 0.6 };
    for (const [x, y, f] of [
      [100, 50, 1.7],
      [900, 420, 0.6],
      [500, 250, 4],
    ]) {
      const before = viewToImage(x, y, xf, ref, view);
      const next = zoomAbout(xf, f, x, y, ref, view);
      expect(next.zoom).toBeCloseTo(2 * f, 12);
      const after = viewToImage(x, y, next, ref, view);
      // Exact unless the pan had to be clamped to [0, 1] (not the case for these points).
      expect(after.u).toBeCloseTo(before.u, 9);
      expect(after.v).toBeCloseTo(before.v, 9);
    }
    expect(zoomAbout(xf, 1e6, 0, 0, ref, view).zoom).toBe(ZOOM_MAX);
  });

  it('dragging moves the image with the pointer', () => {
    const xf = { zoom: 4, panX: 0.5, panY: 0.5 };
    const p0 = viewToImage(300, 200, xf, ref, view);
    const moved = panBy(xf, 40, -20, ref, view);
    const p1 = viewToImage(340, 180, moved, ref, view);
    expect(p1.u).toBeCloseTo(p0.u, 9);
    expect(p1.v).toBeCloseTo(p0.v, 9);
    expect(panBy(xf, -1e9, 1e9, ref, view)).toEqual({ zoom: 4, panX: 1, panY: 0 });
  });

  it('the reference size is the larger image (the LR is stretched onto it)', () => {
    expect(referenceSize({ width: 120, height: 68 }, { width: 480, height: 270 }, null)).toEqual(ref);
    expect(referenceSize(null, undefined)).toBeNull();
  });
});

describe('placeImage: pixel-exact nearest neighbour when magnified', () => {
  it('at 200 % each pixel is a 2×2 block on whole device pixels', () => {
    const narrow = { width: 801, height: 500 };
    // The image is 960 px wide at 200 %; its left edge lands at 400.5 − 0.55·960 = −127.5 → rounded to −127.
    const p = placeImage(ref, ref, narrow, { zoom: 2, panX: 0.55, panY: 0.45 }, 1)!;
    expect(p.nearest).toBe(true);
    expect(p.scale).toBe(2);
    expect(Number.isInteger(p.dx) && Number.isInteger(p.dy)).toBe(true);
    // Only the visible pixels are drawn (from the one cut by the left edge), and they cover the view.
    expect(p.sx).toBe(63);
    expect(p.dx).toBe(-127 + 63 * 2);
    expect(p.dx + p.sw * p.scale).toBeGreaterThanOrEqual(narrow.width);
    expect(p.sw).toBe(401);
  });

  it('an LR image under a ×4 reference is magnified 4× more than the reference', () => {
    const lr = { width: 120, height: 68 };
    const p = placeImage(lr, ref, view, { zoom: 1, panX: 0.5, panY: 0.5 }, 2)!;
    expect(p.scale).toBe(8); // 1 (zoom) × 4 (ref/LR) × 2 (dpr)
    expect(p.nearest).toBe(true);
    expect(p).toMatchObject({ sx: 0, sy: 0, sw: 120, sh: 68 });
  });

  it('shrunk below 100 % it is smoothed (no aliasing), and nothing is drawn when panned fully away', () => {
    expect(placeImage(ref, ref, view, { zoom: 0.5, panX: 0.5, panY: 0.5 }, 1)!.nearest).toBe(false);
    expect(placeImage(ref, ref, { width: 10, height: 10 }, { zoom: 64, panX: 1, panY: 1 }, 1)).toMatchObject({ sx: 479, sy: 269, sw: 1, sh: 1 });
  });

  it('zoom steps are whole multiples above 100 %', () => {
    expect(ZOOM_STEPS.filter((z) => z >= 1).every(Number.isInteger)).toBe(true);
    expect(stepZoom(2.07, 1)).toBe(3);
    expect(stepZoom(2.07, -1)).toBe(2);
    expect(stepZoom(2, -1)).toBe(1);
    expect(stepZoom(64, 1)).toBe(64);
  });
});
