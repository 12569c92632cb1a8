/**
 * Shared scaffolding of the `*.bench.ts` files (run by `npm run bench` in the browser harness):
 * the median, the rounding of reported figures, a budgeted timing loop and the synthetic frame.
 */
import { createImage, type ImageF32 } from '../core/image';

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
export const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * Median of `runs` timed calls after `warmup` calls. The first call is timed too: when it shows
 * the whole series would exceed `budgetMs` (a 1080p frame on SwiftShader or on a busy CPU), that
 * single call is the result (runs: 1), so a bench stays minutes, not hours.
 */
export async function timeBudgeted(
  fn: () => Promise<void> | void,
  warmup: number,
  runs: number,
  budgetMs: number,
): Promise<{ ms: number; runs: number }> {
  const t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  if (first * (Math.max(warmup - 1, 0) + runs) > budgetMs) return { ms: first, runs: 1 };
  for (let i = 1; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), runs };
}

const frames = new Map<string, ImageF32>();

/**
 * A deterministic W×H RGB test pattern (XOR bands, every value on the 8-bit grid), cached per
 * size. The benched kernels' work does not depend on content, so no real frame is needed.
 */
export function syntheticFrame(W: number, H: number): ImageF32 {
  const key = `${W}x${H}`;
  const hit = frames.get(key);
  if (hit) return hit;
  const img = createImage(W, H, 3);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) img.data[(c * H + y) * W + x] = (((x * (c + 3)) ^ (y * 7)) & 255) / 255;
  frames.set(key, img);
  return img;
}
