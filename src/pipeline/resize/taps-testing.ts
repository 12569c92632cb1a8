/**
 * Test helper shared by resize.test.ts and lanczos.test.ts: how far a tap table is from what
 * every filter's table must be (rows that sum to 1, indices inside the input).
 */
import type { AxisTaps } from './taps';

export interface TapRowReport {
  /** The largest |row sum − 1| over the output indices. */
  worstSumError: number;
  /** The largest input index any tap reads. */
  maxIndex: number;
}

export function tapRowReport(t: AxisTaps): TapRowReport {
  let worstSumError = 0;
  let maxIndex = 0;
  for (let i = 0; i < t.outSize; i++) {
    let sum = 0;
    for (let k = 0; k < t.taps; k++) {
      sum += t.weight[i * t.taps + k];
      maxIndex = Math.max(maxIndex, t.index[i * t.taps + k]);
    }
    worstSumError = Math.max(worstSumError, Math.abs(sum - 1));
  }
  return { worstSumError, maxIndex };
}
