/**
 * Test helper shared by yuv.test.ts and yuv-simd.test.ts: exact rationals [num, den] (den > 0) for
 * the values float64 cannot round, and each colour matrix's Kr, Kb as the standards write them
 * (decimal strings, so `dec` reads them exactly). Both tests check the YUV → RGB premises against
 * these; one copy keeps the two proofs on the same numbers.
 */
import type { YuvMatrix } from './yuv';

export type Rat = [bigint, bigint];

export const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

export const rat = (n: bigint, d = 1n): Rat => {
  const g = gcd(n, d) || 1n;
  return d < 0n ? [-n / g, -d / g] : [n / g, d / g];
};

/** A decimal string ('0.2126') exactly. */
export const dec = (s: string): Rat => rat(BigInt(s.replace('.', '')), 10n ** BigInt(s.split('.')[1]?.length ?? 0));
export const add = (a: Rat, b: Rat) => rat(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
export const sub = (a: Rat, b: Rat) => rat(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
export const mul = (a: Rat, b: Rat) => rat(a[0] * b[0], a[1] * b[1]);
export const div = (a: Rat, b: Rat) => rat(a[0] * b[1], a[1] * b[0]);
export const floor = (a: Rat) => (a[0] >= 0n ? a[0] / a[1] : -((-a[0] + a[1] - 1n) / a[1]));

/** Kr, Kb of each matrix, as decimal strings. */
export const KR_KB: Record<YuvMatrix, [string, string]> = {
  bt601: ['0.299', '0.114'],
  bt709: ['0.2126', '0.0722'],
  fcc: ['0.30', '0.11'],
  smpte240m: ['0.212', '0.087'],
  bt2020: ['0.2627', '0.0593'],
};
