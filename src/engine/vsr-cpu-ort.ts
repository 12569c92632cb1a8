/**
 * The ORT the VSR net's CPU path runs on: sessions of a step graph with a cubic image base
 * (vsr-split.ts) run as two halves, the base of the next frame computed ahead on a second thread
 * (the VSR base worker) while the net runs the current one. Everything else about the session is
 * the wrapped ORT's: vsr-cpu.ts runs it unchanged (same feeds, same outputs, bit for bit).
 *
 * How "ahead" works without the runner's help: in a recurrent step, the `next` frame of step t is
 * the `cur` frame of step t+1 (the same tile of the next frame). So each run asks for the base of
 * its `next` and keeps the pending result, keyed by the tensor's contents; the next run whose `cur`
 * has exactly those contents takes it, and any other computes its own (a miss costs nothing but
 * the overlap; a run hinted `again`, a primed sequence's first step, also keeps its own `cur`'s
 * base for the run that repeats it). At most MAX_AHEAD results wait, none older than STALE_RUNS runs (tiles of a
 * multi-tile plan each hit their own), so memory stays bounded whatever the clip. A run whose caller
 * says it is its sequence's last (the `last` hint, gpu/ort.ts's RunHint, which vsr-cpu.ts passes on
 * from the step) asks for nothing: a base made for a step that never comes costs a core's worth of
 * work for nothing.
 *
 * Generic over the ORT module and the base runner, so the Node tests run it on onnxruntime-node.
 */
import type { Ort, OrtFeeds, OrtRunOptions, OrtSessionOptions, OrtTensor } from '../gpu/ort';
import { splitCubicBase, type SplitStep } from './vsr-split';

/** Computes bases on another thread (the VSR base worker in the browser). */
export interface BaseRunner {
  run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }>;
  /** End it (its pending results are dropped). */
  release(): void;
}

/** Results computed ahead that may wait at once (one per tile of a small tile plan). */
export const MAX_AHEAD = 2;
/** Runs after which an untaken result is dropped. */
export const STALE_RUNS = 16;

type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

interface Ahead {
  key: Float32Array;
  dims: readonly number[];
  result: Promise<{ data: Float32Array; dims: readonly number[] }>;
  run: number;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function sameData(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  // Compare the bits: a NaN frame must still match itself.
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A session of the two halves with the whole graph's names. */
class SplitSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private ahead: Ahead[] = [];
  private runs = 0;
  /** The base on this thread, once the base runner has failed (a crashed worker): slower, same values. */
  private local: Promise<Session> | null = null;

  constructor(
    private readonly ort: Ort,
    private readonly net: Session,
    private readonly split: SplitStep,
    private readonly base: BaseRunner,
    private readonly nextName: string,
    private readonly options: OrtSessionOptions,
  ) {
    this.inputNames = net.inputNames.filter((n) => n !== split.baseName);
    this.outputNames = net.outputNames;
  }

  private compute(t: OrtTensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const data = t.data as Float32Array;
    const p = this.local ? this.runLocal(data, t.dims) : this.base.run(data, t.dims).catch((e: unknown) => {
      console.warn(`VSR base worker failed (${e instanceof Error ? e.message : String(e)}); making the base on the engine's thread from now on`);
      this.base.release();
      return this.runLocal(data, t.dims);
    });
    // A result nobody takes must not become an unhandled rejection; a taker still sees the error.
    p.catch(() => undefined);
    return p;
  }

  private async runLocal(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    this.local ??= this.ort.InferenceSession.create(this.split.base, this.options);
    const r = await (await this.local).run({ [this.split.input]: new this.ort.Tensor('float32', data, dims) });
    const t = r[this.split.baseName];
    return { data: t.data as Float32Array, dims: t.dims };
  }

  private take(t: OrtTensor): Promise<{ data: Float32Array; dims: readonly number[] }> | null {
    const i = this.ahead.findIndex((a) => sameDims(a.dims, t.dims) && sameData(a.key, t.data as Float32Array));
    if (i < 0) return null;
    const [a] = this.ahead.splice(i, 1);
    return a.result;
  }

  async run(feeds: OrtFeeds, options?: OrtRunOptions): Promise<Record<string, OrtTensor>> {
    const n = ++this.runs;
    const cur = feeds[this.split.input];
    if (!cur || cur.type !== 'float32') throw new TypeError(`the step needs a float32 '${this.split.input}'`);
    this.ahead = this.ahead.filter((x) => n - x.run <= STALE_RUNS);
    const base = this.take(cur) ?? this.compute(cur);
    if (options?.hint?.again && this.ahead.length < MAX_AHEAD) this.ahead.push({ key: (cur.data as Float32Array).slice(), dims: [...cur.dims], result: base, run: n });
    const next = feeds[this.nextName];
    // Ask for the next frame's base now, so it is made while the net runs this one.
    if (next && next.type === 'float32' && !options?.hint?.last && sameDims(next.dims, cur.dims) && !sameData(next.data as Float32Array, cur.data as Float32Array)) {
      const known = this.ahead.some((a) => sameData(a.key, next.data as Float32Array));
      if (!known && this.ahead.length < MAX_AHEAD) {
        this.ahead.push({ key: (next.data as Float32Array).slice(), dims: [...next.dims], result: this.compute(next), run: n });
      }
    }
    const b = await base;
    return this.net.run({ ...feeds, [this.split.baseName]: new this.ort.Tensor('float32', b.data, b.dims) });
  }

  async release(): Promise<void> {
    this.ahead = [];
    this.base.release();
    await this.net.release();
    await (await this.local?.catch(() => null))?.release();
  }
}

export interface SplitOptions {
  /** The input that holds the next frame (default 'next', the step contract's). */
  nextName?: string;
}

/**
 * `ort` whose InferenceSession.create splits a step graph with a cubic base of `cur` (a graph
 * without one opens as it is). `startBase(split)` starts the base runner of one session.
 */
export function splitBaseOrt(ort: Ort, startBase: (split: SplitStep) => Promise<BaseRunner>, opts: SplitOptions = {}): Ort {
  const nextName = opts.nextName ?? 'next';
  const create = async (model: Uint8Array, options?: OrtSessionOptions): Promise<Session> => {
    const split = model instanceof Uint8Array ? splitCubicBase(model) : null;
    if (!split) return ort.InferenceSession.create(model, options ?? {});
    const net = await ort.InferenceSession.create(split.net, options ?? {});
    if (!net.inputNames.includes(nextName)) {
      // Not a recurrent step (nothing to run ahead of): the whole graph as it is.
      await net.release();
      return ort.InferenceSession.create(model, options ?? {});
    }
    let base: BaseRunner;
    try {
      base = await startBase(split);
    } catch (e) {
      await net.release();
      throw e;
    }
    return new SplitSession(ort, net, split, base, nextName, options ?? {}) as unknown as Session;
  };
  return { Tensor: ort.Tensor, InferenceSession: { create } as unknown as Ort['InferenceSession'] };
}
