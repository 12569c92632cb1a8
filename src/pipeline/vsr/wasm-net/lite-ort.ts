/**
 * An `Ort` whose sessions of a 'lite' VSR step graph run on the lite net (lite-net.ts, this
 * project's wasm kernels) instead of onnxruntime: the same feeds and outputs (prev, cur, next,
 * state → out, state_out), so vsr-cpu.ts's tile loop, states and cross-fade run unchanged on it.
 * The engine uses it for the CPU path of the nets it recognises (engine/vsr-api.ts cpuRunner); any
 * other graph goes to the wrapped ORT as it is.
 *
 * A tile the lite net cannot hold (its maps need more than its 2 GiB memory: a tile of ~1.1 M LR
 * pixels; or a side not a multiple of 4) runs on the wrapped ORT instead, from `fallbackModel` (the same net as ORT runs it best),
 * opened on first need; its state is the same tensor either way.
 */
import type { Ort, OrtRunOptions, OrtSessionOptions, OrtTensor } from '../../../gpu/ort';
import { readLiteGraph, type LiteGraph } from './lite-graph';
import { LiteNet } from './lite-net';
import type { LiteHelperSpawn } from './lite-helper';

type OrtSession = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

export interface LiteOrtOptions {
  /** Start a second thread for the convolutions (needs shared memory: a cross-origin isolated page, or Node). */
  helper?: LiteHelperSpawn;
  /** The model ORT runs for a tile too large for the lite net (default: the model itself). */
  fallbackModel?: (model: Uint8Array) => Uint8Array;
  /** Told once, when the lite net runs a graph (its thread count), for the status line. */
  onUse?: (info: { threads: number; fused: boolean }) => void;
}

class LiteSession {
  readonly inputNames = ['prev', 'cur', 'next', 'state'] as const;
  readonly outputNames = ['out', 'state_out'] as const;
  private fallback: Promise<OrtSession> | null = null;

  constructor(
    private readonly ort: Ort,
    private readonly net: LiteNet,
    private readonly model: Uint8Array,
    private readonly options: OrtSessionOptions | undefined,
    private readonly fallbackModel: (model: Uint8Array) => Uint8Array,
  ) {}

  async run(feeds: Record<string, OrtTensor>, options?: OrtRunOptions): Promise<Record<string, OrtTensor>> {
    const cur = feeds.cur;
    if (!cur || !feeds.prev || !feeds.next || !feeds.state) throw new Error('lite net: feeds prev, cur, next and state are needed');
    const [, , h, w] = cur.dims;
    let r;
    try {
      r = this.net.step(feeds.prev.data as Float32Array, cur.data as Float32Array, feeds.next.data as Float32Array, feeds.state.data as Float32Array, w, h);
    } catch (e) {
      // Memory the wasm module cannot have, or a tile side the lite net does not take (not a multiple
      // of 4; the planner pads to one): this tile on ORT. Anything else is a real error.
      if (!(e instanceof RangeError) || !/memory|grow|multiples of 4/i.test(e.message)) throw e;
      this.fallback ??= this.ort.InferenceSession.create(this.fallbackModel(this.model), this.options ?? {});
      const s = await this.fallback;
      return options ? s.run(feeds, options) : s.run(feeds);
    }
    return {
      out: new this.ort.Tensor('float32', r.out, [1, 3, 4 * h, 4 * w]),
      state_out: new this.ort.Tensor('float32', r.state, [1, this.net.width, h, w]),
    };
  }

  async release(): Promise<void> {
    this.net.release();
    const f = this.fallback;
    this.fallback = null;
    await f?.then((s) => s.release()).catch(() => undefined);
  }
}

/** readLiteGraph once per model buffer: the engine asks isLiteGraph, then opens the session, on the same bytes. */
const graphs = new WeakMap<Uint8Array, LiteGraph | null>();
function liteGraphOf(model: Uint8Array): LiteGraph | null {
  let g = graphs.get(model);
  if (g === undefined) graphs.set(model, (g = readLiteGraph(model)));
  return g;
}

/** True when `model` is a graph the lite net runs. */
export function isLiteGraph(model: Uint8Array): boolean {
  return liteGraphOf(model) !== null;
}

/** `ort` with its session factory taking lite graphs to the lite net (see the header). */
export function liteNetOrt(ort: Ort, opts: LiteOrtOptions = {}): Ort {
  const create = async (model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> => {
    const graph = liteGraphOf(model);
    if (!graph) return ort.InferenceSession.create(model, options ?? {});
    const net = await LiteNet.create(graph, { helper: opts.helper });
    net.warmUp();
    opts.onUse?.({ threads: net.threads, fused: net.fused });
    return new LiteSession(ort, net, model, options, opts.fallbackModel ?? ((m) => m)) as unknown as OrtSession;
  };
  return { Tensor: ort.Tensor, InferenceSession: { create } as unknown as Ort['InferenceSession'] };
}
