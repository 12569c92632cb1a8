/**
 * The second thread of a two-thread lite net (lite-net.ts): its own instance of the net's wasm
 * module on the same shared memory, running the lower rows of each convolution and of each loop
 * job (lite-loops.ts) while the net's own thread runs the upper ones. Environment-free: the
 * engine's worker (browser) and the tests' Node worker call liteHelperLoop with the init message.
 *
 * Protocol (Int32 words at `ctrl` in the shared memory; the net writes, then bumps SEQ and
 * notifies; the helper runs the job, writes DONE = SEQ and notifies):
 *   SEQ, DONE, QUIT, ERROR, KIND (a convolution or a loop job), then
 *   for a convolution: MAIN_FN, TAIL_FN, ARGS (11 kernel arguments, ConvCall order), X_MAIN, WIDTH,
 *   SCRATCH (the helper's scratch for a Winograd kernel, passed as a twelfth argument, which the
 *   direct kernels ignore);
 *   for a loop job: LOOP_ID, LOOP_Y0, LOOP_Y1, LOOP_SIMD (1: the module's wasm forms of the output
 *   loops, loops-simd.ts, as the net's thread runs them) and the step's layout at GEOM (lite-loops.ts encodeGeom).
 * A job that throws sets ERROR (the net throws), and DONE is still written, so the net never
 * waits on a helper that failed.
 */
import { decodeGeom, GEOM_WORDS, runLoop, type LoopId } from './lite-loops';
import { loopKernelsOf } from './loops-simd';

export const JOB = { CONV: 0, LOOP: 1 } as const;
export const CTRL = { SEQ: 0, DONE: 1, QUIT: 2, ERROR: 3, KIND: 4, MAIN_FN: 5, TAIL_FN: 6, ARGS: 7, X_MAIN: 18, WIDTH: 19, SCRATCH: 20, LOOP_ID: 21, LOOP_Y0: 22, LOOP_Y1: 23, LOOP_SIMD: 24, GEOM: 25 } as const;
/** Int32 words of the control block. */
export const CTRL_WORDS = CTRL.GEOM + GEOM_WORDS;

export interface LiteHelperInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of the control block. */
  ctrl: number;
  /** Kernel export names; MAIN_FN and TAIL_FN index this list. */
  names: string[];
}

/** A started helper thread. */
export interface LiteHelper {
  /**
   * Settles once the thread has its instance and waits for jobs. The net must not block on it
   * before then: a browser worker whose parent thread is blocked (Atomics.wait) may never start.
   */
  ready: Promise<void>;
  terminate(): void;
  /** Why the thread ended, once it has (it failed to start, or crashed): the net stops waiting for it. */
  failed(): Error | null;
}

/** Starts a thread that calls liteHelperLoop(init) (a worker of the environment's kind). */
export type LiteHelperSpawn = (init: LiteHelperInit) => LiteHelper;

/**
 * The helper thread's whole life: serve jobs until QUIT. Blocks its thread (Atomics.wait).
 * `ready` is called once the instance exists, before the first wait (the thread posts it to the net).
 */
export function liteHelperLoop(init: LiteHelperInit, ready: () => void): void {
  const inst = new WebAssembly.Instance(init.module, { env: { mem: init.memory } });
  const fns = init.names.map((n) => inst.exports[n] as (...a: number[]) => void);
  const kernels = loopKernelsOf(inst.exports);
  const ctrl = new Int32Array(init.memory.buffer, init.ctrl, CTRL_WORDS);
  // SEQ starts at 0 and only the net bumps it: a job posted before this thread got here is still run.
  let seen = 0;
  ready();
  for (;;) {
    Atomics.wait(ctrl, CTRL.SEQ, seen);
    const seq = Atomics.load(ctrl, CTRL.SEQ);
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(ctrl, CTRL.QUIT)) return;
    try {
      if (ctrl[CTRL.KIND] === JOB.LOOP) {
        // The memory may have grown since the last job (a new tile size): view its current buffer.
        const f32 = new Float32Array(init.memory.buffer);
        runLoop(f32, ctrl[CTRL.LOOP_ID] as LoopId, decodeGeom(ctrl.subarray(CTRL.GEOM, CTRL.GEOM + GEOM_WORDS)), ctrl[CTRL.LOOP_Y0], ctrl[CTRL.LOOP_Y1], ctrl[CTRL.LOOP_SIMD] ? kernels : undefined);
      } else {
        const args = Array.from(ctrl.subarray(CTRL.ARGS, CTRL.ARGS + 11));
        const xMain = ctrl[CTRL.X_MAIN];
        const width = ctrl[CTRL.WIDTH];
        const scratch = ctrl[CTRL.SCRATCH];
        // args[9], args[10]: x0, xn
        if (xMain > 0) fns[ctrl[CTRL.MAIN_FN]](...args.slice(0, 9), 0, xMain, scratch);
        if (xMain < width) fns[ctrl[CTRL.TAIL_FN]](...args.slice(0, 9), xMain, width - xMain, scratch);
      }
    } catch {
      Atomics.store(ctrl, CTRL.ERROR, 1);
    }
    Atomics.store(ctrl, CTRL.DONE, seq);
    Atomics.notify(ctrl, CTRL.DONE);
  }
}
