/**
 * conv-kernel.ts against a plain convolution (f64 sums, NCHW loops) on made-up data: every kernel
 * shape the lite net uses (3×3 stride 1 and 2, 1×1), each activation, the residual epilogue,
 * channel slices of wider maps (pixel stride > channels), block widths with a tail column, and
 * output channels of one, two and four vectors per block. Node 20 runs the mul + add kernels (no
 * relaxed SIMD); engine/lite-net.gputest.ts checks the fused ones in Chromium.
 *
 * Tolerance 2e-6 · (1 + Σ|w·x|): the kernel sums f32 products in f32, the reference in f64.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../../core/wasm-asm.ts';
import { callConv, convFunction, kernelName, packWeights, pixelsPerBlock, vectorsPerBlock, type Activation, type ConvSpec } from './conv-kernel.ts';

interface Case {
  k: 1 | 3;
  stride: 1 | 2;
  ci: number;
  co: number;
  extraIn: number; // pixel stride − ci
  act: Activation;
  residual: boolean;
  w: number; // output size
  h: number;
}

const CASES: Case[] = [
  { k: 3, stride: 1, ci: 44, co: 32, extraIn: 0, act: 'leaky', residual: false, w: 10, h: 6 },
  { k: 3, stride: 2, ci: 32, co: 32, extraIn: 64, act: 'leaky', residual: false, w: 5, h: 3 },
  { k: 3, stride: 1, ci: 32, co: 32, extraIn: 0, act: 'relu', residual: false, w: 7, h: 5 },
  { k: 3, stride: 1, ci: 32, co: 32, extraIn: 0, act: 'none', residual: true, w: 9, h: 4 },
  { k: 1, stride: 1, ci: 96, co: 64, extraIn: 0, act: 'leaky', residual: false, w: 8, h: 3 },
  { k: 3, stride: 1, ci: 64, co: 80, extraIn: 0, act: 'none', residual: false, w: 6, h: 4 },
  { k: 3, stride: 1, ci: 12, co: 8, extraIn: 4, act: 'relu', residual: true, w: 11, h: 3 },
  { k: 3, stride: 2, ci: 8, co: 4, extraIn: 0, act: 'leaky', residual: false, w: 3, h: 2 },
];

const val = (i: number, seed: number) => ((((i + seed) * 2654435761) >>> 0) % 2001) / 1000 - 1;

describe('conv kernels vs a plain convolution', () => {
  for (const c of CASES) {
    it(`${c.k}×${c.k} stride ${c.stride}, ${c.ci} → ${c.co} (pixel stride ${c.ci + c.extraIn}), ${c.act}${c.residual ? ' + residual' : ''}, ${c.w}×${c.h}`, () => {
      const inW = c.w * c.stride;
      const inH = c.h * c.stride;
      const inPix = c.ci + c.extraIn;
      const spec: ConvSpec = { k: c.k, stride: c.stride, ci: c.ci, co: c.co, inPix, outPix: c.co, act: c.act, alpha: 0.1, residual: c.residual };
      const p = pixelsPerBlock(vectorsPerBlock(c.co));
      const inst = A.instantiate(A.assemble([convFunction(spec, p, false), convFunction(spec, 1, false)], 1))!;
      expect(inst).not.toBeNull();
      const mem = inst.exports.mem as WebAssembly.Memory;
      const weight = Float32Array.from({ length: c.co * c.ci * c.k * c.k }, (_, i) => val(i, 1) / 4);
      const bias = Float32Array.from({ length: c.co }, (_, i) => val(i, 2));
      const x = (ch: number, y: number, xx: number) => (y < 0 || xx < 0 || y >= inH || xx >= inW ? 0 : val((ch * inH + y) * inW + xx, 3));
      const packed = packWeights(weight, bias, c.co, c.ci, c.k);
      const inRow = (inW + 2) * inPix * 4;
      const outRow = (c.w + 2) * c.co * 4;
      const wPtr = 0;
      const inPtr = Math.ceil(packed.byteLength / 16) * 16;
      const outPtr = inPtr + (inH + 2) * inRow;
      A.ensureMemory(mem, outPtr + (c.h + 2) * outRow);
      const f = new Float32Array(mem.buffer);
      f.set(packed, wPtr / 4);
      // Input: the ci channels at the start of each (wider) pixel; the rest of the pixel is noise the kernel must not read.
      for (let y = -1; y <= inH; y++) for (let xx = -1; xx <= inW; xx++) for (let ch = 0; ch < inPix; ch++) f[(inPtr + (y + 1) * inRow) / 4 + (xx + 1) * inPix + ch] = ch < c.ci ? x(ch, y, xx) : 1e3;
      const res = (o: number, y: number, xx: number) => val((o * c.h + y) * c.w + xx, 4);
      for (let y = 0; y < c.h; y++) for (let xx = 0; xx < c.w; xx++) for (let o = 0; o < c.co; o++) f[(outPtr + (y + 1) * outRow) / 4 + (xx + 1) * c.co + o] = c.residual ? res(o, y, xx) : NaN;
      const xMain = c.w - (c.w % p);
      const call = { inPtr, inRow, wPtr, outPtr, outRow, resPtr: outPtr, resRow: outRow, y0: 0, y1: c.h };
      const fn = (pp: number) => inst.exports[kernelName(spec, pp, false)] as (...a: number[]) => void;
      if (xMain) callConv(fn(p), { ...call, x0: 0, xn: xMain });
      if (xMain < c.w) callConv(fn(1), { ...call, x0: xMain, xn: c.w - xMain });
      const out = new Float32Array(mem.buffer);
      const pad = c.k === 3 ? 1 : 0;
      let worst = 0;
      for (let o = 0; o < c.co; o++) {
        for (let y = 0; y < c.h; y++) {
          for (let xx = 0; xx < c.w; xx++) {
            let s = bias[o];
            let mag = 0;
            for (let i = 0; i < c.ci; i++) {
              for (let ky = 0; ky < c.k; ky++) {
                for (let kx = 0; kx < c.k; kx++) {
                  const t = weight[((o * c.ci + i) * c.k + ky) * c.k + kx] * x(i, y * c.stride + ky - pad, xx * c.stride + kx - pad);
                  s += t;
                  mag += Math.abs(t);
                }
              }
            }
            if (c.residual) s += res(o, y, xx);
            if (c.act === 'relu') s = Math.max(s, 0);
            else if (c.act === 'leaky') s = s < 0 ? 0.1 * s : s;
            const got = out[(outPtr + (y + 1) * outRow) / 4 + (xx + 1) * c.co + o];
            worst = Math.max(worst, Math.abs(got - s) / (1 + mag) || (Number.isNaN(got) ? Infinity : 0));
          }
        }
      }
      expect(worst).toBeLessThanOrEqual(2e-6);
      // The border stays as it was: the kernel writes the interior only (the next layer's zero padding).
      expect(out[outPtr / 4]).toBe(0);
    });
  }
});
