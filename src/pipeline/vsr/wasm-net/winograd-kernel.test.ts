/**
 * winograd-kernel.ts against a plain 3×3 convolution (f64 sums, NCHW loops) on made-up data: the
 * channel counts the lite net uses (44 → 32 head, 32 → 32 body, 96 → 64 and 64 → 80 fuse) and small
 * ones, each activation, the residual epilogue, channel slices of wider maps, column ranges that start
 * past 0, rows that span several segments with a partial last one, and tile counts that are not a
 * multiple of the block. Node 20 runs the mul + add kernels (no relaxed SIMD); the lite net's tests
 * check the whole net against onnxruntime, and engine/lite-net.gputest.ts the fused form in Chromium.
 *
 * Tolerance 2e-6 · (1 + m), the direct kernel's bound (conv-kernel.test.ts) with m the magnitude of
 * the sums this algorithm forms: m = Σ_ξ |a_ξ| Σ_ci |V_ξ · U_ξ| (V the transformed input patch, U the
 * transformed weights, a_ξ the output transform's ±1 for that output pixel), computed here in f64 from
 * the textbook matrices. Winograd rounds terms of that size, not the products w·x of the direct form.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../../core/wasm-asm.ts';
import { callConv, packWeights, type Activation, type ConvSpec } from './conv-kernel.ts';
import { directWeightBytes, SEG, winogradFunction, winogradName, winogradScratchBytes, winogradWeights } from './winograd-kernel.ts';

interface Case {
  ci: number;
  co: number;
  extraIn: number; // pixel stride − ci
  act: Activation;
  residual: boolean;
  w: number; // output map size
  h: number;
  x0: number; // columns x0 … x0 + xn − 1 and rows y0 … y1 − 1 are computed (even starts and counts)
  xn: number;
  y0: number;
  y1: number;
}

const CASES: Case[] = [
  { ci: 44, co: 32, extraIn: 0, act: 'leaky', residual: false, w: 10, h: 6, x0: 0, xn: 10, y0: 0, y1: 6 },
  { ci: 32, co: 32, extraIn: 64, act: 'relu', residual: false, w: 8, h: 4, x0: 0, xn: 8, y0: 0, y1: 4 },
  { ci: 32, co: 32, extraIn: 0, act: 'none', residual: true, w: 9, h: 5, x0: 0, xn: 8, y0: 0, y1: 4 },
  // 2 · SEG + 3 tiles: two whole segments and a partial one of 3 tiles (not a multiple of the block's 2).
  { ci: 32, co: 32, extraIn: 0, act: 'relu', residual: true, w: 4 * SEG + 8, h: 4, x0: 2, xn: 4 * SEG + 6, y0: 2, y1: 4 },
  { ci: 96, co: 64, extraIn: 0, act: 'leaky', residual: false, w: 6, h: 4, x0: 0, xn: 6, y0: 0, y1: 4 },
  { ci: 64, co: 80, extraIn: 0, act: 'none', residual: false, w: 6, h: 2, x0: 0, xn: 6, y0: 0, y1: 2 },
  // 8 outputs: two vectors a block, four tiles; 4 outputs: one vector, eight tiles (more than the row has).
  { ci: 12, co: 8, extraIn: 4, act: 'relu', residual: true, w: 14, h: 4, x0: 0, xn: 14, y0: 0, y1: 4 },
  { ci: 8, co: 4, extraIn: 0, act: 'leaky', residual: false, w: 6, h: 6, x0: 2, xn: 4, y0: 0, y1: 6 },
];

const val = (i: number, seed: number) => ((((i + seed) * 2654435761) >>> 0) % 2001) / 1000 - 1;

// The textbook F(2×2, 3×3) matrices (Lavin & Gray), for the tolerance's magnitude.
const BT = [
  [1, 0, -1, 0],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, 1, 0, -1],
];
const GM = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];
const AT = [
  [1, 1, 1, 0],
  [0, 1, -1, -1],
];

describe('Winograd F(2×2, 3×3) kernels vs a plain convolution', () => {
  for (const c of CASES) {
    it(`${c.ci} → ${c.co} (pixel stride ${c.ci + c.extraIn}), ${c.act}${c.residual ? ' + residual' : ''}, ${c.w}×${c.h} map, columns ${c.x0}+${c.xn}, rows ${c.y0}…${c.y1 - 1}`, () => {
      const inPix = c.ci + c.extraIn;
      const spec: ConvSpec = { k: 3, stride: 1, ci: c.ci, co: c.co, inPix, outPix: c.co, act: c.act, alpha: 0.1, residual: c.residual };
      const inst = A.instantiate(A.assemble([winogradFunction(spec, false)], 1))!;
      expect(inst).not.toBeNull();
      const mem = inst.exports.mem as WebAssembly.Memory;
      const weight = Float32Array.from({ length: c.co * c.ci * 9 }, (_, i) => val(i, 1) / 4);
      const bias = Float32Array.from({ length: c.co }, (_, i) => val(i, 2));
      const x = (ch: number, y: number, xx: number) => (y < 0 || xx < 0 || y >= c.h || xx >= c.w ? 0 : val((ch * c.h + y) * c.w + xx, 3));
      const direct = packWeights(weight, bias, c.co, c.ci, 3);
      const wino = winogradWeights(weight, c.co, c.ci);
      expect(direct.byteLength).toBe(directWeightBytes(spec));
      const inRow = (c.w + 2) * inPix * 4;
      const outRow = (c.w + 2) * c.co * 4;
      const wPtr = 0;
      const scratch = Math.ceil((direct.byteLength + wino.byteLength) / 64) * 64;
      const inPtr = scratch + winogradScratchBytes(c.ci, c.co);
      const outPtr = inPtr + (c.h + 2) * inRow;
      A.ensureMemory(mem, outPtr + (c.h + 2) * outRow);
      const f = new Float32Array(mem.buffer);
      f.set(direct, wPtr / 4);
      f.set(wino, (wPtr + direct.byteLength) / 4);
      // Stale scratch, as a previous layer leaves it: the kernel must not depend on its contents.
      f.fill(7.5, scratch / 4, inPtr / 4);
      for (let y = -1; y <= c.h; y++) for (let xx = -1; xx <= c.w; xx++) for (let ch = 0; ch < inPix; ch++) f[(inPtr + (y + 1) * inRow) / 4 + (xx + 1) * inPix + ch] = ch < c.ci ? x(ch, y, xx) : 1e3;
      const res = (o: number, y: number, xx: number) => val((o * c.h + y) * c.w + xx, 4);
      const outAt = (o: number, y: number, xx: number) => (outPtr + (y + 1) * outRow) / 4 + (xx + 1) * c.co + o;
      for (let y = 0; y < c.h; y++) for (let xx = 0; xx < c.w; xx++) for (let o = 0; o < c.co; o++) f[outAt(o, y, xx)] = c.residual ? res(o, y, xx) : NaN;
      const fn = inst.exports[winogradName(spec, false)] as (...a: number[]) => void;
      callConv(fn, { inPtr, inRow, wPtr, outPtr, outRow, resPtr: outPtr, resRow: outRow, y0: c.y0, y1: c.y1, x0: c.x0, xn: c.xn }, scratch);
      const out = new Float32Array(mem.buffer);

      // Transformed weights in f64 for the magnitude: U[o][i][4][4] = G g Gᵀ.
      const U = (o: number, i: number) => {
        const g = (r: number, s: number) => weight[((o * c.ci + i) * 3 + r) * 3 + s];
        return [0, 1, 2, 3].map((a) => [0, 1, 2, 3].map((b) => {
          let sum = 0;
          for (let r = 0; r < 3; r++) for (let s = 0; s < 3; s++) sum += GM[a][r] * g(r, s) * GM[b][s];
          return sum;
        }));
      };
      const Us = Array.from({ length: c.co }, (_, o) => Array.from({ length: c.ci }, (_, i) => U(o, i)));
      let worst = 0;
      let computed = 0;
      for (let y = 0; y < c.h; y++) {
        for (let xx = 0; xx < c.w; xx++) {
          const inside = y >= c.y0 && y < c.y1 && xx >= c.x0 && xx < c.x0 + c.xn;
          const ty = y - ((y - c.y0) & 1);
          const tx = xx - ((xx - c.x0) & 1);
          // V[i][4][4] = Bᵀ d B for the tile's patch (rows ty − 1 …, columns tx − 1 …).
          const V = inside
            ? Array.from({ length: c.ci }, (_, i) => [0, 1, 2, 3].map((a) => [0, 1, 2, 3].map((b) => {
                let sum = 0;
                for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) sum += BT[a][r] * x(i, ty - 1 + r, tx - 1 + s) * BT[b][s];
                return sum;
              })))
            : [];
          for (let o = 0; o < c.co; o++) {
            const got = out[outAt(o, y, xx)];
            if (!inside) {
              // Outside the range: untouched.
              const before = c.residual ? res(o, y, xx) : NaN;
              if (!Object.is(got, Math.fround(before))) worst = Infinity;
              continue;
            }
            computed++;
            let s = bias[o];
            for (let i = 0; i < c.ci; i++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) s += weight[((o * c.ci + i) * 3 + ky) * 3 + kx] * x(i, y + ky - 1, xx + kx - 1);
            if (c.residual) s += res(o, y, xx);
            if (c.act === 'relu') s = Math.max(s, 0);
            else if (c.act === 'leaky') s = s < 0 ? 0.1 * s : s;
            const a = AT[y - ty];
            const b = AT[xx - tx];
            let mag = 0;
            for (let i = 0; i < c.ci; i++) for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) mag += Math.abs(a[p] * b[q] * V[i][p][q] * Us[o][i][p][q]);
            worst = Math.max(worst, Math.abs(got - s) / (1 + mag) || (Number.isNaN(got) ? Infinity : 0));
          }
        }
      }
      expect(computed).toBe(c.xn * (c.y1 - c.y0) * c.co);
      expect(worst).toBeLessThanOrEqual(2e-6);
      // The border stays as it was: the kernel writes the interior only (the next layer's zero padding).
      expect(out[outPtr / 4]).toBe(0);
    });
  }

  it('refuses layers it does not compute', () => {
    const base: ConvSpec = { k: 3, stride: 1, ci: 32, co: 32, inPix: 32, outPix: 32, act: 'none', residual: false };
    expect(() => winogradFunction({ ...base, stride: 2 }, false)).toThrow(/does not fit/);
    expect(() => winogradFunction({ ...base, k: 1 }, false)).toThrow(/does not fit/);
    expect(() => winogradFunction({ ...base, ci: 30 }, false)).toThrow(/does not fit/);
  });
});
