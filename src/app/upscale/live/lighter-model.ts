/**
 * Live mode's suggestion when playback falls behind: a lighter model among those offered.
 */
import type { VsrModel } from '../../../models/kinds';

/**
 * The offered model with the fewest parameters, when it has at most LIGHTER of the current one's.
 * A step's time follows the parameters only roughly (the convolutions share fixed costs per layer
 * and frame): a 480×272 step on the wasm kernels took 606 / 736 ms for `vsr-fast` (0.27 M) against
 * 951 / 957 ms for the 0.53 M `vsr` (two runs beside other work: bench/results/vm-2026-12-06-19-27-21-…
 * and vm-2026-12-06-21-14-43-…), and Live mode played 8.3 against 6.1 fps at a 128×128 region, so half
 * the parameters buy 1.3–1.6× the fps where the net is the bottleneck; a margin much smaller than that
 * is not worth a suggestion.
 */
export const LIGHTER = 0.6;

export function lighterModel<M extends Pick<VsrModel, 'id' | 'params'>>(models: readonly M[], current: string): M | null {
  const cur = models.find((m) => m.id === current);
  const withParams = models.filter((m) => typeof m.params === 'number');
  if (!cur || typeof cur.params !== 'number' || withParams.length < 2) return null;
  const lightest = withParams.reduce((a, b) => (b.params! < a.params! ? b : a));
  return lightest.id !== current && lightest.params! <= cur.params * LIGHTER ? lightest : null;
}
