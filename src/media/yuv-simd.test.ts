/**
 * yuv-simd.ts against the reference, yuv.ts's yuv420ToRgba (whose own tests prove it exact):
 * - R and B for every (Y, S) of every matrix and range, through the wasm kernel itself (a frame
 *   built so that its pixels take every pair), G on a million (Y, S_U, S_V) of that frame;
 * - whole frames of any size, stride, colour and output offset (fast-check), and real planes;
 * - the premises of the proof in yuv-simd.ts's header, with rationals written here from the
 *   standards' decimals (not yuv.ts's): 0 ≤ F − (V + ½)·2^K < E, |F| < 2^31;
 * - that the exact fallback matters: without it, some flagged pixels differ.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHROMA_SUMS, packedPlanes, pixelConverter, yuv420ToRgba, type YuvColour, type YuvMatrix, type YuvPlanes } from './yuv';
import { SIMD_BITS, lastFlaggedPixels, simdInts, yuv420ToRgbaFast, yuv420ToRgbaSimd, yuvSimdAvailable } from './yuv-simd';
import { KR_KB, add, dec, div, gcd, mul, rat, sub, type Rat } from './rational-testing';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const MATRIX_NAMES: readonly YuvMatrix[] = ['bt601', 'bt709', 'fcc', 'smpte240m', 'bt2020'];
const COLOURS: readonly YuvColour[] = MATRIX_NAMES.flatMap((matrix) => [false, true].map((fullRange) => ({ matrix, fullRange })));
const MAX_S = CHROMA_SUMS - 1;

/** Seeded generator (LCG): the same planes every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function simd(p: YuvPlanes, c: YuvColour, out?: Uint8ClampedArray, exactFallback = true): Uint8ClampedArray {
  const r = yuv420ToRgbaSimd(p, c, out, { exactFallback });
  if (!r) throw new Error('no wasm SIMD here');
  return r;
}

function randomPlanes(w: number, h: number, seed: number, yStride = w, uvStride = (w + 1) >> 1): YuvPlanes {
  const r = rng(seed);
  const ch = (h + 1) >> 1;
  const byte = () => Math.floor(r() * 256);
  return {
    width: w,
    height: h,
    y: Uint8Array.from({ length: yStride * h }, byte),
    u: Uint8Array.from({ length: uvStride * ch }, byte),
    v: Uint8Array.from({ length: uvStride * ch }, byte),
    yStride,
    uvStride,
  };
}

it('WebAssembly SIMD runs here (so the comparisons below test the kernel, not the reference against itself)', () => {
  expect(yuvSimdAvailable()).toBe(true);
});

// ───────────── the premises, from the standards' decimals ─────────────


/** (V + ½)·2^K of channel ch (0 R, 1 G, 2 B) for luma Y and chroma sums su, sv (S = 16 × chroma), exactly. */
function scaledTarget(Y: number, su: number, sv: number, c: YuvColour, ch: number): Rat {
  const [kr, kb] = KR_KB[c.matrix].map(dec);
  const one = rat(1n);
  const kg = sub(sub(one, kr), kb);
  const yp = c.fullRange ? rat(BigInt(Y), 255n) : rat(BigInt(Y - 16), 219n);
  const range = c.fullRange ? 255n : 224n;
  const pb = rat(BigInt(su - 2048), 16n * range);
  const pr = rat(BigInt(sv - 2048), 16n * range);
  const two = rat(2n);
  const x = [
    add(yp, mul(mul(two, sub(one, kr)), pr)),
    sub(sub(yp, mul(div(mul(mul(two, sub(one, kb)), kb), kg), pb)), mul(div(mul(mul(two, sub(one, kr)), kr), kg), pr)),
    add(yp, mul(mul(two, sub(one, kb)), pb)),
  ][ch];
  return mul(add(mul(rat(255n), x), rat(1n, 2n)), rat(1n << BigInt(SIMD_BITS)));
}

describe('yuv-simd: the fixed point’s premises', () => {
  it('0 ≤ F − (V + ½)·2^K < E at every corner of the input box and on random inputs; |F| < 2^31; E ≪ 2^K', () => {
    const r = rng(7);
    const inputs: [number, number, number][] = [];
    for (const Y of [0, 255]) for (const su of [0, MAX_S]) for (const sv of [0, MAX_S]) inputs.push([Y, su, sv]);
    for (let i = 0; i < 300; i++) inputs.push([Math.floor(r() * 256), Math.floor(r() * CHROMA_SUMS), Math.floor(r() * CHROMA_SUMS)]);
    for (const c of COLOURS) {
      const t = simdInts(c);
      [t.r, t.g, t.b].forEach((k, ch) => {
        expect(k.bound).toBeLessThan(2 ** SIMD_BITS / 256); // the fallback stays rare (≤ 0.4 % of lanes)
        for (const [Y, su, sv] of inputs) {
          const F = BigInt(k.A) * BigInt(Y) + BigInt(k.B) * BigInt(su) + BigInt(k.C) * BigInt(sv) + BigInt(k.D);
          const e = sub(rat(F), scaledTarget(Y, su, sv, c, ch));
          expect(e[0] >= 0n, `${c.matrix}/${c.fullRange} ch ${ch} (${Y}, ${su}, ${sv}): e ≥ 0`).toBe(true);
          expect(e[0] < BigInt(k.bound) * e[1], `${c.matrix}/${c.fullRange} ch ${ch}: e < bound`).toBe(true);
          expect(F >= -(1n << 31n) && F < 1n << 31n).toBe(true);
        }
        // The flag is either the bound, or 0 where bound·den ≤ 2^K, den computed here: the lcm of
        // the denominators of V + ½'s coefficients and constant (from the exact target).
        const t0 = scaledTarget(0, 0, 0, c, ch);
        const parts = [t0, sub(scaledTarget(1, 0, 0, c, ch), t0), sub(scaledTarget(0, 1, 0, c, ch), t0), sub(scaledTarget(0, 0, 1, c, ch), t0)].map((x) => div(x, rat(1n << BigInt(SIMD_BITS))));
        const den = parts.reduce((m, x) => (m / gcd(m, x[1])) * x[1], 1n);
        const decided = BigInt(k.bound) * den <= 1n << BigInt(SIMD_BITS);
        expect(k.E, `${c.matrix}/${c.fullRange} ch ${ch}`).toBe(decided ? 0 : k.bound);
      });
    }
  });
});

// ───────────── exhaustive R and B through the kernel ─────────────

/**
 * A frame whose rows y = 4i + 1 (i = 0 … 255) hold, at pixels x = 4n + 2 (n = 0 … 4080), luma i
 * and chroma sums S_V = n, S_U = (1234·n + 99) mod 4081 (a permutation: 1234 is prime to 4081),
 * so R and B meet every (Y, S) and G a million (Y, S_U, S_V). Row 4i + 1 mixes chroma rows 2i
 * (¾) and 2i + 1 (¼); pixel 4n + 2, even, mixes chroma columns 2n + 1 (¾) and 2n (¼): four free
 * samples per plane give its sum S = 3·(3a + b) + (3c + d). Every other sample is random.
 */
function everySumFrame(): { planes: YuvPlanes; targets: { x: number; y: number; Y: number; su: number; sv: number }[] } {
  const n = CHROMA_SUMS;
  const w = 4 * n;
  const h = 4 * 256;
  const planes = randomPlanes(w, h, 2024);
  const { u, v, y: Yp, uvStride } = planes;
  // mixed value m ∈ [0, 1020] as 3a + b, a, b bytes
  const split = (m: number): [number, number] => {
    const a = Math.min(255, Math.floor(m / 3));
    return [a, m - 3 * a];
  };
  // sum S ∈ [0, 4080] as 3·m1 + m0, m1, m0 ∈ [0, 1020]
  const sumOf = (s: number): [number, number] => {
    const m1 = Math.min(1020, Math.floor(s / 3));
    return [m1, s - 3 * m1];
  };
  const put = (P: Uint8Array, i: number, k: number, m: number) => {
    const [a, b] = split(m);
    P[2 * i * uvStride + k] = a;
    P[(2 * i + 1) * uvStride + k] = b;
  };
  const targets = [];
  for (let i = 0; i < 256; i++) {
    for (let s = 0; s < n; s++) {
      const su = (1234 * s + 99) % n;
      const [mv1, mv0] = sumOf(s);
      const [mu1, mu0] = sumOf(su);
      put(v, i, 2 * s + 1, mv1);
      put(v, i, 2 * s, mv0);
      put(u, i, 2 * s + 1, mu1);
      put(u, i, 2 * s, mu0);
      const x = 4 * s + 2;
      const y = 4 * i + 1;
      Yp[y * w + x] = i;
      targets.push({ x, y, Y: i, su, sv: s });
    }
  }
  return { planes, targets };
}

describe('yuv-simd: every (Y, S) through the kernel', () => {
  const { planes, targets } = everySumFrame();

  it('the frame really has those sums at those pixels (independent of both conversions)', () => {
    const { u, v, y: Yp, uvStride, width: w } = planes;
    const sum = (P: Uint8Array, j: number, k: number) => 3 * (3 * P[j * uvStride + k] + P[(j + 1) * uvStride + k]) + 3 * P[j * uvStride + k - 1] + P[(j + 1) * uvStride + k - 1];
    const seenR = new Uint8Array(256 * CHROMA_SUMS);
    const seenB = new Uint8Array(256 * CHROMA_SUMS);
    let wrong = 0;
    for (const t of targets) {
      const j = (t.y - 1) >> 1; // row 4i + 1: ¾ of chroma row 2i, ¼ of 2i + 1
      const k = t.x >> 1; // pixel 4n + 2: ¾ of chroma column 2n + 1, ¼ of 2n
      if (Yp[t.y * w + t.x] !== t.Y || sum(v, j, k) !== t.sv || sum(u, j, k) !== t.su) wrong++;
      seenR[t.Y * CHROMA_SUMS + t.sv] = 1;
      seenB[t.Y * CHROMA_SUMS + t.su] = 1;
    }
    expect(wrong).toBe(0);
    expect(targets.length).toBe(256 * CHROMA_SUMS);
    expect(seenR.every((s) => s === 1) && seenB.every((s) => s === 1)).toBe(true);
  });

  it.each(COLOURS.map((c) => [`${c.matrix} ${c.fullRange ? 'full' : 'limited'}`, c] as const))(
    '%s: the whole %s frame (16324×1024) equals yuv420ToRgba, and the fallback is needed',
    (_, c) => {
      const ref = yuv420ToRgba(planes, c);
      expect(differing(simd(planes, c), ref)).toBe(0);
      const flagged = lastFlaggedPixels;
      // Without the fallback the flagged pixels keep the fixed point's guess: some are wrong, none elsewhere.
      const guessed = simd(planes, c, undefined, false);
      let wrongPixels = 0;
      for (let i = 0; i < ref.length; i += 4) if (ref[i] !== guessed[i] || ref[i + 1] !== guessed[i + 1] || ref[i + 2] !== guessed[i + 2]) wrongPixels++;
      expect(flagged).toBeGreaterThan(0);
      expect(flagged).toBeLessThan(ref.length / 4 / 200);
      expect(wrongPixels).toBeGreaterThan(0);
      expect(wrongPixels).toBeLessThanOrEqual(flagged);
    },
    60_000,
  );
});

// ───────────── whole frames ─────────────

describe('yuv-simd: frames', () => {
  it('random planes, every colour, sizes around the 8-pixel groups (1×1 … 67×9, 480×270)', () => {
    const sizes = [[1, 1], [2, 2], [7, 3], [8, 1], [8, 2], [9, 5], [15, 4], [16, 16], [17, 3], [23, 7], [24, 2], [31, 9], [33, 1], [67, 9], [480, 270]];
    for (const c of COLOURS) {
      for (const [w, h] of sizes) {
        const p = randomPlanes(w, h, w * 1000 + h);
        expect(differing(simd(p, c), yuv420ToRgba(p, c)), `${w}×${h} ${c.matrix}/${c.fullRange}`).toBe(0);
      }
    }
  });

  it('any size, colour, stride and output offset (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(...COLOURS),
        fc.integer(),
        (w, h, yPad, uvPad, outOffset, c, seed) => {
          const p = randomPlanes(w, h, seed, w + yPad, ((w + 1) >> 1) + uvPad);
          const buf = new Uint8ClampedArray(w * h * 4 + outOffset);
          const out = buf.subarray(outOffset);
          simd(p, c, out);
          return differing(out, yuv420ToRgba(p, c)) === 0;
        },
      ),
      { numRuns: 400 },
    );
  });

  it('extreme planes (all 0, all 255, alternating) in every colour', () => {
    const w = 37;
    const h = 6;
    for (const c of COLOURS) {
      for (const f of [() => 0, () => 255, (i: number) => (i & 1 ? 255 : 0), (i: number) => (i % 3 ? 0 : 255)]) {
        const p = randomPlanes(w, h, 1);
        for (const P of [p.y, p.u, p.v]) P.forEach((_, i) => (P[i] = f(i)));
        expect(differing(simd(p, c), yuv420ToRgba(p, c))).toBe(0);
      }
    }
  });

  it.skipIf(!hasFfmpeg)('real planes: the bundled sample at 480×270 and scaled to 1920×1080 (Debian ffmpeg decodes)', () => {
    for (const vf of [[], ['-vf', 'scale=1920:1080:flags=lanczos']]) {
      const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', 'public/samples/sample.mp4', '-frames:v', '3', ...vf, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'], { maxBuffer: 1 << 28 }).stdout;
      const [w, h] = vf.length ? [1920, 1080] : [480, 270];
      const frame = w * h * 3 / 2;
      expect(raw.length).toBe(3 * frame);
      for (let k = 0; k < 3; k++) {
        const p = packedPlanes(new Uint8Array(raw.buffer, raw.byteOffset + k * frame, frame), w, h);
        for (const c of [COLOURS[0], COLOURS[3]]) expect(differing(simd(p, c), yuv420ToRgba(p, c))).toBe(0);
      }
    }
  });

  it('pixelConverter (the fallback) gives every pixel’s word of yuv420ToRgba', () => {
    for (const c of COLOURS) {
      const p = randomPlanes(13, 7, 5);
      const ref = new Uint32Array(yuv420ToRgba(p, c).buffer);
      const word = pixelConverter(p, c);
      for (let y = 0; y < 7; y++) for (let x = 0; x < 13; x++) expect(word(x, y) >>> 0).toBe(ref[y * 13 + x]);
    }
  });

  it('yuv420ToRgbaFast gives the reference bytes, and bad input the reference errors', () => {
    const p = randomPlanes(50, 11, 3);
    expect(differing(yuv420ToRgbaFast(p), yuv420ToRgba(p))).toBe(0);
    expect(() => simd({ ...p, width: 0 }, COLOURS[0])).toThrow(/bad size/);
    expect(() => simd({ ...p, y: p.y.subarray(0, 10) }, COLOURS[0])).toThrow(/planes too small/);
    expect(() => simd(p, COLOURS[0], new Uint8ClampedArray(10))).toThrow(/output too small/);
  });
});
