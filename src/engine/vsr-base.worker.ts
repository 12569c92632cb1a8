/**
 * The VSR base worker: runs the state-free half of a split step graph (vsr-split.ts: the cubic ×4
 * of `cur`) on its own thread, so the base of frame t+1 is made while the engine runs the net on
 * frame t. Started by the engine worker (vsr-cpu-ort.ts) and ended with it. One thread of its own:
 * ORT's cubic Resize does not use more.
 */
import * as Comlink from 'comlink';
import { ortWasm } from './ort-wasm';
import type { Ort } from '../gpu/ort';

let session: Promise<Awaited<ReturnType<Ort['InferenceSession']['create']>>> | null = null;
let inputName = '';
let outputName = '';

const api = {
  /** Open the base graph (once per worker). */
  async open(model: Uint8Array, input: string, output: string): Promise<void> {
    inputName = input;
    outputName = output;
    session = (async () => {
      const ort = await ortWasm(1);
      return ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    })();
    await session;
  },
  /** The base of one input tensor [1, 3, h, w]: its data (transferred) and dims. */
  async run(data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    if (!session) throw new Error('the VSR base worker has no model open');
    const s = await session;
    const ort = await ortWasm(1);
    const r = await s.run({ [inputName]: new ort.Tensor('float32', data, dims) });
    const t = r[outputName];
    let out = t.data as Float32Array;
    // Transfer needs a buffer of its own (ORT copies outputs out of its heap; guard all the same).
    if (out.byteOffset !== 0 || out.byteLength !== out.buffer.byteLength || !(out.buffer instanceof ArrayBuffer)) out = out.slice();
    return Comlink.transfer({ data: out, dims: t.dims }, [out.buffer as ArrayBuffer]);
  },
};

export type VsrBaseWorkerApi = typeof api;
Comlink.expose(api);
