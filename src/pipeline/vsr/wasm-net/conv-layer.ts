/**
 * One convolution of a net on the wasm kernels (lite-net.ts, pipeline/vqd/lite/vqgan-net.ts): how
 * it is packed into the net's module (its kernel functions, its direct weights, and Winograd's
 * after them where it is a 3×3 stride-1 one), and the passes that compute its output rows.
 */
import type * as A from '../../../core/wasm-asm';
import { convFunction, kernelName, packWeights, pixelsPerBlock, vectorsPerBlock, type ConvSpec } from './conv-kernel';
import { winogradFits, winogradFunction, winogradName, winogradScratchBytes, winogradWeights } from './winograd-kernel';

export interface ConvLayer {
  spec: ConvSpec;
  /** The direct weights; a Winograd layer's follow them (winograd-kernel.ts). */
  wPtr: number;
  winograd: boolean;
}

/** The module being built: its functions by name, and the weights to copy in once it exists. */
export interface ConvModule {
  funcs: Map<string, A.WasmFunc>;
  packed: { ptr: number; data: Float32Array }[];
}

/**
 * Pack one convolution at byte `at`: `weight` OIHW [spec.co][ci][k][k] (ci the real input channels,
 * spec.ci those of the input map, the rest zero), `bias` [spec.co]. Returns the layer, the next free
 * byte, and the Winograd scratch one thread needs for it (0 when direct).
 */
export function packConvLayer(m: ConvModule, spec: ConvSpec, weight: Float32Array, bias: Float32Array, ci: number, at: number, opts: { fused: boolean; winograd: boolean }): { layer: ConvLayer; end: number; scratchBytes: number } {
  const p = pixelsPerBlock(vectorsPerBlock(spec.co));
  for (const pp of [p, 1]) {
    const name = kernelName(spec, pp, opts.fused);
    if (!m.funcs.has(name)) m.funcs.set(name, convFunction(spec, pp, opts.fused));
  }
  const direct = packWeights(weight, bias, spec.co, ci, spec.k, spec.ci);
  m.packed.push({ ptr: at, data: direct });
  const winograd = opts.winograd && winogradFits(spec);
  const layer = { spec, wPtr: at, winograd };
  at += direct.byteLength;
  if (!winograd) return { layer, end: at, scratchBytes: 0 };
  const name = winogradName(spec, opts.fused);
  if (!m.funcs.has(name)) m.funcs.set(name, winogradFunction(spec, opts.fused));
  const wino = winogradWeights(weight, spec.co, ci, spec.ci);
  m.packed.push({ ptr: at, data: wino });
  return { layer, end: at + wino.byteLength, scratchBytes: winogradScratchBytes(spec.ci, spec.co) };
}

/** Rows y0 … y1 − 1 of the output: columns 0 … xMain − 1 by kernel `main`, the rest by `tail` (P = 1). */
export interface ConvPass {
  main: string;
  tail: string;
  xMain: number;
  y0: number;
  y1: number;
}

/**
 * The passes of a layer's w×h output. Winograd takes 2×2 tiles: the even rows and columns; the odd
 * last column (in the same rows) and the odd last row run direct.
 */
export function convPasses(layer: ConvLayer, fused: boolean, w: number, h: number): ConvPass[] {
  const { spec } = layer;
  const p = pixelsPerBlock(vectorsPerBlock(spec.co));
  const direct = kernelName(spec, p, fused);
  const tail = kernelName(spec, 1, fused);
  if (!layer.winograd) return [{ main: direct, tail, xMain: w - (w % p), y0: 0, y1: h }];
  const hEven = h & ~1;
  const passes: ConvPass[] = [];
  if (hEven) passes.push({ main: winogradName(spec, fused), tail, xMain: w & ~1, y0: 0, y1: hEven });
  if (h > hEven) passes.push({ main: direct, tail, xMain: w - (w % p), y0: hEven, y1: h });
  return passes;
}
