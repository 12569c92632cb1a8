/**
 * The wasm module of a net on this project's kernels (lite-net.ts, pipeline/vqd/lite/vqgan-net.ts),
 * on one thread or two: with a helper (lite-helper.ts) the module imports a shared memory that a
 * second thread instantiates too, and each convolution (and any other row job the net posts) is
 * split by rows — this thread the upper part, the helper the lower — on the control block at byte 0
 * (lite-helper.ts's protocol; the net keeps CTRL_BYTES free there). Each thread has its own
 * Winograd scratch.
 *
 * Failures leave the net on one thread with the same bits: a shared memory the address space
 * refuses, a helper that does not start, that crashes or that stops answering (said on the console).
 */
import * as A from '../../../core/wasm-asm';
import { callConv, type ConvCall } from './conv-kernel';
import { CTRL, CTRL_WORDS, JOB, type LiteHelper, type LiteHelperSpawn } from './lite-helper';

/** Bytes before a net's own data: the helper's control block (CTRL_WORDS words, rounded up). */
export const CTRL_BYTES = Math.ceil((CTRL_WORDS * 4) / 64) * 64;
/** Output rows below which a job is not worth splitting between threads. */
const MIN_SPLIT_ROWS = 8;
/** How long a net waits for its helper's part of one job before it gives up (ms). */
const HELPER_TIMEOUT_MS = 120_000;

export class KernelThreads {
  readonly mem: WebAssembly.Memory;
  readonly exports: WebAssembly.Exports;
  readonly fns: Record<string, (...a: number[]) => void>;
  private readonly fnIndex = new Map<string, number>();
  private helper: LiteHelper | null = null;
  private ctrl: Int32Array | null = null;
  /** Threads the jobs run on: 1, or 2 with a helper. */
  threads = 1;

  /**
   * `funcs`: the module's functions; `bytes`: what the net lays out before its per-size data (the
   * memory grows later with A.ensureMemory); `maxPages`: the shared memory's maximum, reserved up
   * front. `label` names the net in console messages.
   */
  constructor(funcs: A.WasmFunc[], bytes: number, opts: { helper?: LiteHelperSpawn; maxPages: number; label: string }) {
    const pages = Math.ceil(bytes / 65536) + 1;
    const names = funcs.map((f) => f.name);
    names.forEach((n, i) => this.fnIndex.set(n, i));
    let inst: WebAssembly.Instance | null = null;
    if (opts.helper && typeof SharedArrayBuffer !== 'undefined') {
      const wasm = A.assemble(funcs, pages, { maximum: opts.maxPages });
      if (WebAssembly.validate(wasm as BufferSource)) {
        try {
          // A shared memory reserves its maximum up front: a small address space may refuse it (one thread then).
          const memory = new WebAssembly.Memory({ initial: pages, maximum: opts.maxPages, shared: true });
          const module = new WebAssembly.Module(wasm as BufferSource);
          inst = new WebAssembly.Instance(module, { env: { mem: memory } });
          this.ctrl = new Int32Array(memory.buffer, 0, CTRL_WORDS);
          this.helper = opts.helper({ module, memory, ctrl: 0, names });
        } catch (e) {
          console.warn(`${opts.label}: no second thread (${e instanceof Error ? e.message : String(e)})`);
          inst = null;
          this.ctrl = null;
          this.helper = null;
        }
      }
    }
    inst ??= A.instantiate(A.assemble(funcs, pages));
    if (!inst) throw new Error('WebAssembly SIMD is not available');
    this.threads = this.helper ? 2 : 1;
    this.label = opts.label;
    this.exports = inst.exports;
    this.mem = inst.exports.mem as WebAssembly.Memory;
    this.fns = inst.exports as unknown as Record<string, (...a: number[]) => void>;
  }

  private readonly label: string;

  /** Copy packed data (weights) into the module's memory, each at its byte address. */
  write(packed: readonly { ptr: number; data: Float32Array }[]): void {
    const f32 = new Float32Array(this.mem.buffer);
    for (const { ptr, data } of packed) f32.set(data, ptr / 4);
  }

  /** Settles once the helper (if any) runs; one that fails to start leaves one thread. */
  async ready(): Promise<void> {
    if (!this.helper) return;
    try {
      await this.helper.ready;
    } catch (e) {
      console.warn(`${this.label}: helper thread did not start (${e instanceof Error ? e.message : String(e)}); running on one thread`);
      this.drop();
    }
  }

  private drop() {
    this.helper?.terminate();
    this.helper = null;
    this.ctrl = null;
    this.threads = 1;
  }

  /**
   * Output rows y0 … y1 − 1 of one convolution: columns 0 … xMain − 1 by kernel `main`, the rest by
   * `tail`. Two threads: the helper takes the lower rows (both write disjoint rows of the output;
   * the input and residual maps are only read, or read and written at the same pixel), split at an
   * even row so a Winograd kernel's row pairs stay whole. `scratch`: each thread's Winograd scratch.
   */
  convRows(main: string, tail: string, call: Omit<ConvCall, 'y0' | 'y1' | 'x0' | 'xn'>, xMain: number, width: number, y0: number, y1: number, scratch: readonly [number, number]): void {
    const run = (y: number, yEnd: number) => {
      if (xMain > 0) callConv(this.fns[main], { ...call, y0: y, y1: yEnd, x0: 0, xn: xMain }, scratch[0]);
      if (xMain < width) callConv(this.fns[tail], { ...call, y0: y, y1: yEnd, x0: xMain, xn: width - xMain });
    };
    this.splitRows(y0, y1, true, run, (ctrl, from, to) => {
      ctrl[CTRL.KIND] = JOB.CONV;
      ctrl.set([call.inPtr, call.inRow, call.wPtr, call.outPtr, call.outRow, call.resPtr, call.resRow, from, to, 0, 0], CTRL.ARGS);
      ctrl[CTRL.MAIN_FN] = this.fnIndex.get(main)!;
      ctrl[CTRL.TAIL_FN] = this.fnIndex.get(tail)!;
      ctrl[CTRL.X_MAIN] = xMain;
      ctrl[CTRL.WIDTH] = width;
      ctrl[CTRL.SCRATCH] = scratch[1];
    });
  }

  /**
   * One job over rows y0 … y1 − 1: with a helper, split (at an even row where `even`), `post` writes
   * the helper's job words for the lower rows, and `run` does the upper ones here; otherwise `run`
   * does all. A helper that is gone (crashed, or stopped answering): its rows here, and one thread
   * from now on.
   */
  splitRows(y0: number, y1: number, even: boolean, run: (from: number, to: number) => void, post: (ctrl: Int32Array, from: number, to: number) => void): void {
    const ctrl = this.ctrl;
    const half = (y1 - y0) >> 1;
    const split = ctrl && y1 - y0 >= MIN_SPLIT_ROWS ? y0 + (even ? half & ~1 : half) : y1;
    let seq = 0;
    if (ctrl && split < y1) {
      post(ctrl, split, y1);
      seq = Atomics.add(ctrl, CTRL.SEQ, 1) + 1;
      Atomics.notify(ctrl, CTRL.SEQ);
    }
    run(y0, split);
    if (seq && !this.awaitHelper(ctrl!, seq)) run(split, y1);
  }

  /**
   * Wait for the helper's job `seq`: true when it is done. False when the helper has failed or not
   * answered within HELPER_TIMEOUT_MS: then it is dropped (said on the console) and the caller does
   * its rows. A kernel that trapped on the helper throws: it would trap here too.
   */
  private awaitHelper(ctrl: Int32Array, seq: number): boolean {
    const start = performance.now();
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done === seq) break;
      const failed = this.helper?.failed();
      const late = performance.now() - start > HELPER_TIMEOUT_MS;
      if (failed || late) {
        console.warn(`${this.label}: ${failed ? `the helper thread failed (${failed.message})` : `the helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`}; one thread from now on`);
        this.drop();
        return false;
      }
      Atomics.wait(ctrl, CTRL.DONE, done, 100);
    }
    if (Atomics.exchange(ctrl, CTRL.ERROR, 0)) throw new Error(`${this.label}: a job failed on the helper thread`);
    return true;
  }

  /** End the helper thread (two-thread mode). */
  release(): void {
    const ctrl = this.ctrl;
    if (ctrl && this.helper) {
      Atomics.store(ctrl, CTRL.QUIT, 1);
      Atomics.add(ctrl, CTRL.SEQ, 1);
      Atomics.notify(ctrl, CTRL.SEQ);
      this.helper.terminate();
    }
    this.helper = null;
    this.ctrl = null;
    this.threads = 1;
  }
}
