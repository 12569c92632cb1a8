/**
 * The VQGAN's encoder and decoder (vqgan-graph.ts's programs) on this project's wasm SIMD
 * convolution kernels (the VSR's CPU path's: pipeline/vsr/wasm-net/conv-kernel.ts, and Winograd's
 * F(2×2, 3×3) for every 3×3 stride-1 one, winograd-kernel.ts) in place of onnxruntime's wasm EP,
 * the same inputs and outputs as the ONNX graphs (NCHW) up to float rounding.
 *
 * Why: in the Degrade tab's preview on a machine without a usable GPU the encoder and the decoder
 * were ~120 of ~180–250 ms (bench/results …-app-quiet-all-cpu-changes.json); MLAS's wasm kernels
 * run these convolutions at a third or less of the rate the NHWC kernels reach (conv-kernel.ts's
 * header), and the VQGAN is nearly all 3×3 convolutions (1.16 G multiply-adds in the encoder on the
 * bundled sample's 136×88 tile; GroupNorm, SiLU, the H/8 attention and PixelShuffle are ~1 %).
 *
 * Layout: one wasm module holds the helper's control block, the kernels' packed weights, each
 * thread's Winograd scratch, GroupNorm's statistics, then one padded NHWC map per program buffer for
 * the current frame size (channels padded to 4; the border stays zero, the kernels and the loops
 * here write interiors only), then the attention's contiguous q, k, v, o. GroupNorm (per-channel
 * sums and squared deviations in f64, then x·a + b and SiLU), the attention (softmax(qᵀk·scale)·v,
 * per position) and PixelShuffle are loops over those maps (vqgan-loops.ts in wasm SIMD; the JS
 * forms below are their references). With a helper thread (kernel-threads.ts) the convolutions
 * split their rows between two threads; the loops, ~10 % of a run, stay on this one.
 */
import * as A from '../../../core/wasm-asm';
import type { ConvSpec } from '../../vsr/wasm-net/conv-kernel';
import { convPasses, packConvLayer, type ConvLayer } from '../../vsr/wasm-net/conv-layer';
import { CTRL_BYTES, KernelThreads } from '../../vsr/wasm-net/kernel-threads';
import type { LiteHelperSpawn } from '../../vsr/wasm-net/lite-helper';
import type { FMap } from '../../vsr/wasm-net/lite-loops';
import type { VqConv, VqOp, VqProgram } from './vqgan-graph';
import { vqLoopFunctions, vqLoopKernelsOf, type VqLoopKernels } from './vqgan-loops';

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

/** OIHW weights and bias with the output channels padded to `co4` (zeros). */
function padOutputs(c: VqConv, co4: number): { weight: Float32Array; bias: Float32Array } {
  if (co4 === c.co) return c;
  const per = c.ci * c.k * c.k;
  const weight = new Float32Array(co4 * per);
  weight.set(c.weight);
  const bias = new Float32Array(co4);
  bias.set(c.bias);
  return { weight, bias };
}

/** Most pages the two-thread module's shared memory may grow to (reserved up front): 1 GiB, far above a 256² tile's maps (~40 MB for the shipped width). */
const MAX_SHARED_PAGES = 16384;

export class VqganNet {
  private readonly mem: WebAssembly.Memory;
  /** The module on one thread or two (kernel-threads.ts): the convolutions split their rows; the loops stay on this thread. */
  private readonly k: KernelThreads;
  private readonly layers = new Map<VqOp, ConvLayer>();
  /** Each thread's Winograd scratch (this one's, the helper's). */
  private readonly scratch: [number, number];
  private readonly mapsStart: number;
  /** GroupNorm's per-channel f64 sums, means and squared deviations, then its f32 a and b (MAX_CH each). */
  private readonly statsPtr: number;
  private maps: { w: number; h: number; list: FMap[]; attn: number } | null = null;
  /** The norm and attention loops as wasm SIMD (vqgan-loops.ts, the default), else the JS references below. */
  private readonly loops: VqLoopKernels | null;
  /** Relaxed SIMD's fused multiply-add in the kernels (Chromium), else mul + add. */
  readonly fused: boolean;
  readonly winograd: boolean;
  /** Set to {} to have each run add its ms per op kind ('conv', 'norm', …) here: where a run's time goes. */
  opTimes: Record<string, number> | null = null;

  constructor(
    readonly program: VqProgram,
    opts: { fused?: boolean; winograd?: boolean; simdLoops?: boolean; helper?: LiteHelperSpawn } = {},
  ) {
    this.fused = opts.fused ?? A.relaxedSimd();
    this.winograd = opts.winograd ?? true;
    const bufs = program.buffers;
    const funcs = new Map<string, A.WasmFunc>();
    const packed: { ptr: number; data: Float32Array }[] = [];
    let at = CTRL_BYTES;
    let scratchBytes = 0;
    for (const op of program.ops) {
      if (op.kind !== 'conv') continue;
      const c = op.conv;
      const co4 = pad4(c.co);
      const spec: ConvSpec = { k: c.k, stride: c.stride, ci: pad4(c.ci), co: co4, inPix: pad4(bufs[op.src].ch), outPix: pad4(bufs[op.dst].ch), act: 'none', residual: op.res !== undefined };
      const { weight, bias } = padOutputs(c, co4);
      const r = packConvLayer({ funcs, packed }, spec, weight, bias, c.ci, at, { fused: this.fused, winograd: this.winograd });
      this.layers.set(op, r.layer);
      at = r.end;
      scratchBytes = Math.max(scratchBytes, r.scratchBytes);
    }
    for (const f of vqLoopFunctions()) funcs.set(f.name, f);
    const maxCh = Math.max(...bufs.map((b) => pad4(b.ch)));
    at = Math.ceil(at / 64) * 64;
    this.scratch = [at, at + scratchBytes];
    this.statsPtr = Math.ceil((at + 2 * scratchBytes) / 64) * 64;
    this.mapsStart = this.statsPtr + maxCh * (3 * 8 + 2 * 4);
    this.k = new KernelThreads([...funcs.values()], this.mapsStart, { helper: opts.helper, maxPages: MAX_SHARED_PAGES, label: 'VQGAN on wasm kernels' });
    this.mem = this.k.mem;
    this.loops = (opts.simdLoops ?? true) ? vqLoopKernelsOf(this.k.exports) : null;
    this.k.write(packed);
  }

  /** A net whose helper thread (opts.helper) runs, or one thread where it did not start (the same outputs bit for bit). */
  static async create(program: VqProgram, opts: { fused?: boolean; winograd?: boolean; simdLoops?: boolean; helper?: LiteHelperSpawn } = {}): Promise<VqganNet> {
    const net = new VqganNet(program, opts);
    await net.k.ready();
    return net;
  }

  /** Threads the convolutions run on: 1, or 2 with a helper. */
  get threads(): number {
    return this.k.threads;
  }

  /** End the helper thread; the net runs on one thread afterwards. */
  release(): void {
    this.k.release();
  }

  /**
   * Runs on a zero frame before the first real one. V8 first runs wasm as baseline code and compiles
   * the optimised version in the background once a function has run enough (see blur-simd.ts's
   * warmUpBlur), on each thread's instance: the first slider move should not pay for that. Measured
   * in Chromium on the 2-core VM, the sample's 136×88 encoder, two threads: after 8 runs at 16×16,
   * runs of 71, then 35–45, ~30 ms only after ten; after 12 at 64×64 (~10 ms each), 48–56 (the
   * first, which lays the maps out), then 31–37 ms.
   */
  warmUp(runs = 12, side = 64): void {
    const s = Math.ceil(side / this.program.multiple) * this.program.multiple;
    const inputs = this.program.inputs.map(({ buf }) => new Float32Array((this.program.buffers[buf].ch * s * s) / this.program.buffers[buf].div ** 2));
    for (let i = 0; i < runs; i++) this.run(inputs, s, s);
  }

  /** Lay the maps out for a w×h frame (growing the memory; every border zero). */
  private layout(w: number, h: number): FMap[] {
    if (this.maps && this.maps.w === w && this.maps.h === h) return this.maps.list;
    const m = this.program.multiple;
    if (w % m || h % m || w < m || h < m) throw new RangeError(`vqgan lite: frame ${w}×${h}, sides must be multiples of ${m}`);
    let at = this.mapsStart;
    const list = this.program.buffers.map((b) => {
      const pix = pad4(b.ch);
      const map = { ptr: at, w: w / b.div, h: h / b.div, pix, row: (w / b.div + 2) * pix * 4 };
      at += Math.ceil(((map.h + 2) * map.row) / 64) * 64;
      return map;
    });
    // The attention's q, k, v, o as contiguous [positions][channels], and its scores.
    const attn = at;
    for (const op of this.program.ops) {
      if (op.kind !== 'attn') continue;
      const n = list[op.q].w * list[op.q].h;
      at = Math.max(at, attn + 4 * n * pad4(this.program.buffers[op.q].ch) * 4 + Math.ceil(n / 4) * 16);
    }
    A.ensureMemory(this.mem, at);
    new Float32Array(this.mem.buffer, this.mapsStart, (at - this.mapsStart) / 4).fill(0);
    this.maps = { w, h, list, attn };
    return list;
  }

  /**
   * Run the program on a frame of w×h (the encoder's input size; the decoder's output size):
   * inputs NCHW in the program's input order, outputs NCHW in its output order.
   */
  run(inputs: readonly Float32Array[], w: number, h: number): Float32Array[] {
    const maps = this.layout(w, h);
    const f32 = new Float32Array(this.mem.buffer);
    this.program.inputs.forEach(({ buf }, i) => {
      const m = maps[buf];
      const ch = this.program.buffers[buf].ch;
      if (inputs[i].length !== ch * m.w * m.h) throw new RangeError(`vqgan lite: input ${i} has ${inputs[i].length} values, ${ch}×${m.h}×${m.w} expected`);
      toMap(f32, inputs[i], ch, m);
    });
    for (const op of this.program.ops) {
      const t0 = performance.now();
      this.exec(f32, op, maps);
      if (this.opTimes) this.opTimes[op.kind] = (this.opTimes[op.kind] ?? 0) + performance.now() - t0;
    }
    return this.program.outputs.map(({ buf }) => fromMap(f32, this.program.buffers[buf].ch, maps[buf]));
  }

  private exec(f32: Float32Array, op: VqOp, maps: FMap[]) {
    switch (op.kind) {
      case 'conv':
        return this.conv(op, maps[op.src], maps[op.dst], op.res === undefined ? undefined : maps[op.res]);
      case 'norm':
        if (this.loops) return this.normSimd(op, maps[op.src], maps[op.dst]);
        return groupNorm(f32, maps[op.src], maps[op.dst], this.program.buffers[op.src].ch, op.norm.gamma, op.norm.beta, op.norm.groups, op.norm.eps, op.silu);
      case 'attn':
        if (this.loops) return this.attentionSimd(op, maps);
        return attention(f32, maps[op.q], maps[op.k], maps[op.v], maps[op.dst], this.program.buffers[op.q].ch, op.scale);
      case 'shuffle':
        return pixelShuffle(f32, maps[op.src], maps[op.dst], this.program.buffers[op.dst].ch);
      case 'clamp':
        return clampMap(f32, maps[op.buf], this.program.buffers[op.buf].ch, op.lo, op.hi);
    }
  }

  /** groupNorm below with its three passes in wasm: per-channel sums, squared deviations, then x·a + b (+ SiLU). */
  private normSimd(op: Extract<VqOp, { kind: 'norm' }>, src: FMap, dst: FMap) {
    const k = this.loops!;
    const ch = this.program.buffers[op.src].ch;
    const nvec = src.pix / 4;
    const { groups, eps, gamma, beta } = op.norm;
    const per = ch / groups;
    const cap = (this.mapsStart - this.statsPtr) / (3 * 8 + 2 * 4);
    const [sums, means, sq] = [0, 1, 2].map((i) => this.statsPtr + i * 8 * cap);
    const [aPtr, bPtr] = [0, 1].map((i) => this.statsPtr + 3 * 8 * cap + i * 4 * cap);
    const f64 = new Float64Array(this.mem.buffer, this.statsPtr, 3 * cap);
    const f32 = new Float32Array(this.mem.buffer);
    const first = (m: FMap) => m.ptr + m.row + m.pix * 4;
    f64.fill(0);
    k.chanSums(first(src), src.pix * 4, src.row, src.w, src.h, nvec, sums);
    const count = per * src.w * src.h;
    const mean = new Float64Array(groups);
    for (let c = 0; c < ch; c++) mean[(c / per) | 0] += f64[c];
    for (let g = 0; g < groups; g++) mean[g] /= count;
    for (let c = 0; c < nvec * 4; c++) f64[cap + c] = c < ch ? mean[(c / per) | 0] : 0;
    k.chanSqdev(first(src), src.pix * 4, src.row, src.w, src.h, nvec, means, sq);
    const v = new Float64Array(groups);
    for (let c = 0; c < ch; c++) v[(c / per) | 0] += f64[2 * cap + c];
    for (let c = 0; c < nvec * 4; c++) {
      const g = (c / per) | 0;
      const inv = c < ch ? 1 / Math.sqrt(v[g] / count + eps) : 0;
      f32[aPtr / 4 + c] = c < ch ? inv * gamma[c] : 0;
      f32[bPtr / 4 + c] = c < ch ? beta[c] - mean[g] * inv * gamma[c] : 0;
    }
    k.normApply(first(src), src.pix * 4, src.row, first(dst), dst.pix * 4, dst.row, src.w, src.h, nvec, aPtr, bPtr, op.silu ? 1 : 0);
  }

  /** attention below in wasm: the maps gathered into contiguous rows, the kernel, the result scattered back. */
  private attentionSimd(op: Extract<VqOp, { kind: 'attn' }>, maps: FMap[]) {
    const [q, k, v, o] = [maps[op.q], maps[op.k], maps[op.v], maps[op.dst]];
    const n = q.w * q.h;
    const pix = q.pix;
    const f32 = new Float32Array(this.mem.buffer);
    const base = this.maps!.attn;
    const rows = [0, 1, 2, 3].map((i) => base + i * n * pix * 4);
    [q, k, v].forEach((m, i) => {
      for (let y = 0, at = rows[i] / 4; y < m.h; y++, at += m.w * pix) f32.copyWithin(at, (m.ptr + (y + 1) * m.row) / 4 + pix, (m.ptr + (y + 1) * m.row) / 4 + pix + m.w * pix);
    });
    this.loops!.attention(rows[0], rows[1], rows[2], rows[3], n, pix / 4, op.scale, base + 4 * n * pix * 4);
    for (let y = 0, at = rows[3] / 4; y < o.h; y++, at += o.w * pix) f32.copyWithin((o.ptr + (y + 1) * o.row) / 4 + pix, at, at + o.w * pix);
  }

  private conv(op: VqOp, input: FMap, output: FMap, res?: FMap) {
    const l = this.layers.get(op)!;
    const call = { inPtr: input.ptr, inRow: input.row, wPtr: l.wPtr, outPtr: output.ptr, outRow: output.row, resPtr: res ? res.ptr : 0, resRow: res ? res.row : 0 };
    for (const p of convPasses(l, this.fused, output.w, output.h)) this.k.convRows(p.main, p.tail, call, p.xMain, output.w, p.y0, p.y1, this.scratch);
  }
}

/** NCHW [ch, m.h, m.w] into the map's interior (its padding channels stay zero). */
function toMap(f32: Float32Array, src: Float32Array, ch: number, m: FMap) {
  const n = m.w * m.h;
  for (let y = 0; y < m.h; y++) {
    const rowBase = (m.ptr + (y + 1) * m.row) / 4 + m.pix;
    for (let x = 0; x < m.w; x++) {
      const o = rowBase + x * m.pix;
      const i = y * m.w + x;
      for (let c = 0; c < ch; c++) f32[o + c] = src[c * n + i];
    }
  }
}

function fromMap(f32: Float32Array, ch: number, m: FMap): Float32Array {
  const n = m.w * m.h;
  const out = new Float32Array(ch * n);
  for (let y = 0; y < m.h; y++) {
    const rowBase = (m.ptr + (y + 1) * m.row) / 4 + m.pix;
    for (let x = 0; x < m.w; x++) {
      const o = rowBase + x * m.pix;
      const i = y * m.w + x;
      for (let c = 0; c < ch; c++) out[c * n + i] = f32[o + c];
    }
  }
  return out;
}

/** Visit every interior pixel's float offset. */
function forPixels(m: FMap, fn: (o: number) => void) {
  for (let y = 0; y < m.h; y++) {
    const rowBase = (m.ptr + (y + 1) * m.row) / 4 + m.pix;
    for (let x = 0; x < m.w; x++) fn(rowBase + x * m.pix);
  }
}

/**
 * GroupNorm as torch's export computes it (InstanceNormalization over each group's values, biased
 * variance, then the per-channel affine), then SiLU x·σ(x) where asked. Statistics in f64, two
 * passes (mean, then the squared deviations: no cancellation).
 */
export function groupNorm(f32: Float32Array, src: FMap, dst: FMap, ch: number, gamma: Float32Array, beta: Float32Array, groups: number, eps: number, silu: boolean): void {
  const per = ch / groups;
  const { w, h, pix } = src;
  const sRow = src.row / 4;
  const dRow = dst.row / 4;
  const sum = new Float64Array(groups);
  const sq = new Float64Array(groups);
  for (let y = 0; y < h; y++) {
    let o = src.ptr / 4 + (y + 1) * sRow + pix;
    for (let x = 0; x < w; x++, o += pix) for (let c = 0; c < ch; c++) sum[(c / per) | 0] += f32[o + c];
  }
  const count = per * w * h;
  const mean = new Float64Array(groups);
  for (let g = 0; g < groups; g++) mean[g] = sum[g] / count;
  for (let y = 0; y < h; y++) {
    let o = src.ptr / 4 + (y + 1) * sRow + pix;
    for (let x = 0; x < w; x++, o += pix) {
      for (let c = 0; c < ch; c++) {
        const d = f32[o + c] - mean[(c / per) | 0];
        sq[(c / per) | 0] += d * d;
      }
    }
  }
  // y = (x − mean)·inv·γ + β  =  x·a + b per channel
  const a = new Float32Array(ch);
  const b = new Float32Array(ch);
  for (let c = 0; c < ch; c++) {
    const g = (c / per) | 0;
    const inv = 1 / Math.sqrt(sq[g] / count + eps);
    a[c] = inv * gamma[c];
    b[c] = beta[c] - mean[g] * inv * gamma[c];
  }
  for (let y = 0; y < h; y++) {
    let si = src.ptr / 4 + (y + 1) * sRow + pix;
    let di = dst.ptr / 4 + (y + 1) * dRow + dst.pix;
    for (let x = 0; x < w; x++, si += pix, di += dst.pix) {
      if (silu) {
        for (let c = 0; c < ch; c++) {
          const v = f32[si + c] * a[c] + b[c];
          f32[di + c] = v / (1 + Math.exp(-v));
        }
      } else {
        for (let c = 0; c < ch; c++) f32[di + c] = f32[si + c] * a[c] + b[c];
      }
    }
  }
}

/** A map's interior as [positions][ch] (row-major positions). */
function gather(f32: Float32Array, m: FMap, ch: number): Float32Array {
  const out = new Float32Array(m.w * m.h * ch);
  for (let y = 0, i = 0; y < m.h; y++) {
    const o = m.ptr / 4 + (y + 1) * (m.row / 4) + m.pix;
    for (let x = 0; x < m.w; x++, i += ch) out.set(f32.subarray(o + x * m.pix, o + x * m.pix + ch), i);
  }
  return out;
}

/** Single-head attention over the map's positions: o_i = Σ_j softmax_j(q_i·k_j·scale) v_j. */
export function attention(f32: Float32Array, q: FMap, k: FMap, v: FMap, o: FMap, ch: number, scale: number): void {
  const n = q.w * q.h;
  const Q = gather(f32, q, ch);
  const K = gather(f32, k, ch);
  const V = gather(f32, v, ch);
  const s = new Float64Array(n);
  const acc = new Float64Array(ch);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    const qi = i * ch;
    for (let j = 0, kj = 0; j < n; j++, kj += ch) {
      let d = 0;
      for (let c = 0; c < ch; c++) d += Q[qi + c] * K[kj + c];
      d *= scale;
      s[j] = d;
      if (d > max) max = d;
    }
    let total = 0;
    for (let j = 0; j < n; j++) total += s[j] = Math.exp(s[j] - max);
    acc.fill(0);
    for (let j = 0, vj = 0; j < n; j++, vj += ch) {
      const p = s[j] / total;
      for (let c = 0; c < ch; c++) acc[c] += p * V[vj + c];
    }
    const off = o.ptr / 4 + (((i / o.w) | 0) + 1) * (o.row / 4) + ((i % o.w) + 1) * o.pix;
    for (let c = 0; c < ch; c++) f32[off + c] = acc[c];
  }
}

/** DepthToSpace ×2, CRD: out[c, 2y + dy, 2x + dx] = in[4c + 2dy + dx, y, x]. */
function pixelShuffle(f32: Float32Array, src: FMap, dst: FMap, ch: number) {
  for (let y = 0; y < src.h; y++) {
    for (let x = 0; x < src.w; x++) {
      const si = (src.ptr + (y + 1) * src.row) / 4 + (x + 1) * src.pix;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const di = (dst.ptr + (2 * y + dy + 1) * dst.row) / 4 + (2 * x + dx + 1) * dst.pix;
          for (let c = 0; c < ch; c++) f32[di + c] = f32[si + 4 * c + 2 * dy + dx];
        }
      }
    }
  }
}

function clampMap(f32: Float32Array, m: FMap, ch: number, lo: number, hi: number) {
  forPixels(m, (o) => {
    for (let c = 0; c < ch; c++) f32[o + c] = Math.min(hi, Math.max(lo, f32[o + c]));
  });
}
