/**
 * One step of a 'lite' recurrent VSR net (lite-graph.ts) on this project's wasm SIMD kernels
 * (conv-kernel.ts), in place of onnxruntime's wasm EP: the same inputs and outputs as the step
 * graph (prev, cur, next, state → out, state_out, NCHW), the same values up to float rounding
 * (lite-net.test.ts compares with onnxruntime-node on the shipped models and real frames).
 *
 * A step, for a w×h tile (multiples of 4):
 *   X0   = [prev | cur | next | state | 0 0 0]            44 ch (padded to a multiple of 4)
 *   f1   = leaky(head_s1(X0))   → CAT[0, C)               CAT: [f1 | up2 | up4], 3C ch
 *   f2   = leaky(head_s2(f1)), f4 = leaky(head_s4(f2))    stride 2, before the bodies change f1, f2
 *   f1, f2, f4 += conv2(relu(conv1(·))) per residual block, in place (conv2 adds the skip)
 *   CAT[C, 2C) = bilinear ×2 of f2, CAT[2C, 3C) = bilinear ×4 of f4   (half-pixel, edges clamped)
 *   O    = fuse2(leaky(fuse0(CAT)))                          C + 48 ch
 *   out  = clamp(pixelshuffle(O[0, 48)) + bicubic ×4 of cur, 0, 1), state_out = leaky(O[48, 48 + C))
 * The convolutions are the wasm kernels: every 3×3 stride-1 one by Winograd's F(2×2, 3×3)
 * (winograd-kernel.ts; 16 products per input and output channel for a 2×2 tile instead of 36),
 * its odd last column and row and the stride-2 heads direct (conv-kernel.ts). The rest (layout
 * changes, the two resizes, the shuffle) are plain loops (lite-loops.ts), a few percent of the
 * multiply-adds. With a helper thread both split their rows: the net's thread takes the upper half
 * of every job, the helper the lower.
 *
 * Memory: one wasm module holds the control block, the kernels' packed weights, each thread's
 * Winograd scratch, then the maps and planes of the current tile size (lite-loops.ts names them); a different size lays them out again
 * (borders are cleared on every step, so a map's padding is zero whatever was there before).
 */
import * as A from '../../../core/wasm-asm';
import type { ConvSpec } from './conv-kernel';
import { convPasses, packConvLayer, type ConvLayer } from './conv-layer';
import type { LiteConv, LiteGraph } from './lite-graph';
import { CTRL, CTRL_WORDS, JOB, type LiteHelperSpawn } from './lite-helper';
import { CTRL_BYTES, KernelThreads } from './kernel-threads';
import { encodeGeom, LOOP, runLoop, type FMap, type LoopGeom, type LoopId } from './lite-loops';
import { loopFunctions, loopKernelsOf, type LoopKernels } from './loops-simd';

const SCALE = 4;
const IMG = 48;
/** Most pages a shared memory may grow to (2 GiB: ~1.9 kB of maps and planes per LR pixel, so a 1080p-sized tile would need ~3.9 GB; the tile planner keeps tiles far smaller). */
const MAX_SHARED_PAGES = 32768;

export interface LiteStepOutput {
  out: Float32Array; // [3, 4h, 4w]
  state: Float32Array; // [C, h, w]
}

export class LiteNet {
  private readonly mem: WebAssembly.Memory;
  /** The module on one thread or two (kernel-threads.ts). */
  private readonly k: KernelThreads;
  private readonly layers = new Map<LiteConv, ConvLayer>();
  /** Where the maps start: after the control block, the weights and the scratch. */
  private readonly mapsStart: number;
  private maps: { w: number; h: number; X0: FMap; CAT: FMap; T1: FMap; F2: FMap; T2: FMap; F4: FMap; T4: FMap; G: FMap; O: FMap; geom: LoopGeom } | null = null;
  /** Relaxed SIMD's fused multiply-add in the kernels (Chromium), else mul + add. */
  readonly fused: boolean;
  /** 3×3 stride-1 convolutions by Winograd (the default), else all direct. */
  readonly winograd: boolean;
  /** The output-side loops as wasm SIMD (loops-simd.ts, the default; the same bits as the JS loops). */
  private readonly loopKernels: LoopKernels | undefined;
  /** Each thread's Winograd scratch (the net's own, the helper's). */
  private readonly scratch: [number, number];
  readonly width: number;
  private readonly x0ch: number;
  /** Threads the convolutions run on: 1, or 2 with a helper. */
  get threads(): number {
    return this.k.threads;
  }
  /** After release(): the helper is gone and the net refuses to step. */
  private released = false;
  /** Where the last step's time went (ms): the convolutions, and the loop jobs around them (copies in and out included). */
  lastTimings = { inputs: 0, convs: 0, upsample: 0, outputs: 0 };

  constructor(
    readonly graph: LiteGraph,
    opts: { fused?: boolean; winograd?: boolean; simdLoops?: boolean; helper?: LiteHelperSpawn } = {},
  ) {
    const C = graph.width;
    this.width = C;
    this.x0ch = Math.ceil((9 + C) / 4) * 4;
    this.fused = opts.fused ?? A.relaxedSimd();
    this.winograd = opts.winograd ?? true;
    const specs: [LiteConv, Omit<ConvSpec, 'k' | 'stride' | 'ci' | 'co'>][] = [
      [graph.headS1, { inPix: this.x0ch, outPix: 3 * C, act: 'leaky', residual: false }],
      [graph.headS2, { inPix: 3 * C, outPix: C, act: 'leaky', residual: false }],
      [graph.headS4, { inPix: C, outPix: C, act: 'leaky', residual: false }],
      ...graph.body.flatMap((scale, s) =>
        scale.flatMap(([c1, c2]) => [
          [c1, { inPix: s === 0 ? 3 * C : C, outPix: C, act: 'relu', residual: false }],
          [c2, { inPix: C, outPix: s === 0 ? 3 * C : C, act: 'none', residual: true }],
        ] as [LiteConv, Omit<ConvSpec, 'k' | 'stride' | 'ci' | 'co'>][]),
      ),
      [graph.fuse0, { inPix: 3 * C, outPix: 2 * C, act: 'leaky', residual: false }],
      [graph.fuse2, { inPix: 2 * C, outPix: C + IMG, act: 'none', residual: false }],
    ];
    const funcs = new Map<string, A.WasmFunc>();
    const packed: { ptr: number; data: Float32Array }[] = [];
    let at = CTRL_BYTES;
    let scratchBytes = 0;
    for (const [conv, rest] of specs) {
      const spec: ConvSpec = { ...rest, k: conv.k, stride: conv.stride, ci: conv === graph.headS1 ? this.x0ch : conv.ci, co: conv.co, alpha: graph.alpha };
      const r = packConvLayer({ funcs, packed }, spec, conv.weight, conv.bias, conv.ci, at, { fused: this.fused, winograd: this.winograd });
      this.layers.set(conv, r.layer);
      at = r.end;
      scratchBytes = Math.max(scratchBytes, r.scratchBytes);
    }
    for (const f of loopFunctions()) funcs.set(f.name, f);
    at = Math.ceil(at / 64) * 64;
    this.scratch = [at, at + scratchBytes];
    at += 2 * scratchBytes;
    this.mapsStart = at;
    this.k = new KernelThreads([...funcs.values()], at, { helper: opts.helper, maxPages: MAX_SHARED_PAGES, label: 'lite net' });
    this.mem = this.k.mem;
    this.loopKernels = (opts.simdLoops ?? true) ? loopKernelsOf(this.k.exports) : undefined;
    this.k.write(packed);
  }

  /**
   * A net whose helper thread (opts.helper) is running: use this rather than the constructor when
   * there is a helper. A helper that fails to start leaves the net on one thread (and says why on
   * the console), the same outputs bit for bit.
   */
  static async create(graph: LiteGraph, opts: { fused?: boolean; winograd?: boolean; simdLoops?: boolean; helper?: LiteHelperSpawn } = {}): Promise<LiteNet> {
    const net = new LiteNet(graph, opts);
    await net.k.ready();
    return net;
  }

  /**
   * A few dozen steps on a 16×16 zero tile. V8 first runs wasm as baseline code and compiles the
   * optimised version in the background once a function has run enough (see blur-simd.ts's
   * warmUpBlur); a run's first real step should not pay for that. 16 rows: the full-scale
   * convolutions split between the threads, so the helper's instance warms up too.
   */
  warmUp(steps = 40): void {
    const s = 16;
    const z = (n: number) => new Float32Array(n);
    const img = z(3 * s * s);
    const state = z(this.width * s * s);
    for (let i = 0; i < steps; i++) this.step(img, img, img, state, s, s);
  }

  /** Lay the maps out for a w×h tile (growing the memory). */
  private layout(w: number, h: number) {
    if (this.maps && this.maps.w === w && this.maps.h === h) return this.maps;
    if (w % 4 || h % 4 || w < 4 || h < 4) throw new RangeError(`lite net: tile ${w}×${h}, sides must be multiples of 4`);
    const C = this.width;
    let at = Math.ceil(this.mapsStart / 64) * 64;
    const map = (mw: number, mh: number, pix: number): FMap => {
      const m = { ptr: at, w: mw, h: mh, pix, row: (mw + 2) * pix * 4 };
      at += Math.ceil(((mh + 2) * m.row) / 64) * 64;
      return m;
    };
    const X0 = map(w, h, this.x0ch);
    const CAT = map(w, h, 3 * C);
    const T1 = map(w, h, C);
    const F2 = map(w / 2, h / 2, C);
    const T2 = map(w / 2, h / 2, C);
    const F4 = map(w / 4, h / 4, C);
    const T4 = map(w / 4, h / 4, C);
    const G = map(w, h, 2 * C);
    const O = map(w, h, C + IMG);
    const n = w * h;
    const plane = (floats: number) => {
      const ptr = at;
      at += Math.ceil((floats * 4) / 64) * 64;
      return ptr;
    };
    const geom: LoopGeom = { w, h, C, alpha: this.graph.alpha, inPtr: plane((9 + C) * n), tmpPtr: plane(3 * SCALE * n), basePtr: plane(3 * SCALE * SCALE * n), stPtr: plane(C * n), X0, CAT, F2, F4, O };
    const maps = { w, h, X0, CAT, T1, F2, T2, F4, T4, G, O, geom };
    A.ensureMemory(this.mem, at);
    this.maps = maps;
    return maps;
  }

  /** Zero a map's one-pixel border (all its channels). */
  private clearBorder(f32: Float32Array, m: FMap) {
    const rowF = m.row / 4;
    const base = m.ptr / 4;
    f32.fill(0, base, base + rowF);
    f32.fill(0, base + (m.h + 1) * rowF, base + (m.h + 2) * rowF);
    for (let y = 1; y <= m.h; y++) {
      f32.fill(0, base + y * rowF, base + y * rowF + m.pix);
      f32.fill(0, base + y * rowF + (m.w + 1) * m.pix, base + (y + 1) * rowF);
    }
  }

  private conv(layer: LiteConv, input: FMap, inCh: number, output: FMap, outCh: number, res?: FMap) {
    const l = this.layers.get(layer)!;
    const call = { inPtr: input.ptr + inCh * 4, inRow: input.row, wPtr: l.wPtr, outPtr: output.ptr + outCh * 4, outRow: output.row, resPtr: res ? res.ptr + outCh * 4 : 0, resRow: res ? res.row : 0 };
    for (const p of convPasses(l, this.fused, output.w, output.h)) this.k.convRows(p.main, p.tail, call, p.xMain, output.w, p.y0, p.y1, this.scratch);
  }

  /** Loop job `id` over the tile's LR rows, split between the threads as a convolution is. */
  private loop(f32: Float32Array, id: LoopId, geom: LoopGeom) {
    this.k.splitRows(0, geom.h, false, (from, to) => runLoop(f32, id, geom, from, to, this.loopKernels), (ctrl, from, to) => {
      ctrl[CTRL.KIND] = JOB.LOOP;
      ctrl[CTRL.LOOP_ID] = id;
      ctrl[CTRL.LOOP_SIMD] = this.loopKernels ? 1 : 0;
      ctrl[CTRL.LOOP_Y0] = from;
      ctrl[CTRL.LOOP_Y1] = to;
      encodeGeom(geom, ctrl.subarray(CTRL.GEOM, CTRL_WORDS));
    });
  }

  /** End the helper thread (two-thread mode); the net cannot step afterwards. */
  release(): void {
    this.k.release();
    this.released = true;
  }

  /** One step: frames [3, h, w] in 0…1 and the state [C, h, w] (NCHW, as the ONNX graph takes them). */
  step(prev: Float32Array, cur: Float32Array, next: Float32Array, state: Float32Array, w: number, h: number): LiteStepOutput {
    const C = this.width;
    const n = w * h;
    for (const [name, a, len] of [['prev', prev, 3 * n], ['cur', cur, 3 * n], ['next', next, 3 * n], ['state', state, C * n]] as const) {
      if (a.length !== len) throw new RangeError(`lite net: ${name} has ${a.length} values, ${len} expected for ${w}×${h}`);
    }
    if (this.released) throw new Error('lite net: released');
    const t0 = performance.now();
    const m = this.layout(w, h);
    const f32 = new Float32Array(this.mem.buffer);
    for (const map of [m.X0, m.CAT, m.T1, m.F2, m.T2, m.F4, m.T4, m.G, m.O]) this.clearBorder(f32, map);
    const g = m.geom;
    const inF = g.inPtr / 4;
    f32.set(prev, inF);
    f32.set(cur, inF + 3 * n);
    f32.set(next, inF + 6 * n);
    f32.set(state, inF + 9 * n);
    this.loop(f32, LOOP.INPUTS, g);
    const t1 = performance.now();
    const net = this.graph;
    this.conv(net.headS1, m.X0, 0, m.CAT, 0);
    this.conv(net.headS2, m.CAT, 0, m.F2, 0);
    this.conv(net.headS4, m.F2, 0, m.F4, 0);
    const scales: [FMap, FMap][] = [[m.CAT, m.T1], [m.F2, m.T2], [m.F4, m.T4]];
    net.body.forEach((blocks, s) => {
      const [f, t] = scales[s];
      for (const [c1, c2] of blocks) {
        this.conv(c1, f, 0, t, 0);
        this.conv(c2, t, 0, f, 0, f);
      }
    });
    const t2 = performance.now();
    this.loop(f32, LOOP.UPSAMPLE, g);
    const t3 = performance.now();
    this.conv(net.fuse0, m.CAT, 0, m.G, 0);
    this.conv(net.fuse2, m.G, 0, m.O, 0);
    const t4 = performance.now();
    this.loop(f32, LOOP.OUTPUTS, g);
    const out = f32.slice(g.basePtr / 4, g.basePtr / 4 + 3 * SCALE * SCALE * n);
    const st = f32.slice(g.stPtr / 4, g.stPtr / 4 + C * n);
    const t5 = performance.now();
    this.lastTimings = { inputs: t1 - t0, convs: t2 - t1 + (t4 - t3), upsample: t3 - t2, outputs: t5 - t4 };
    return { out, state: st };
  }
}
