/**
 * onnxruntime-web's plain wasm build (no WebGPU, no asyncify): every CPU (wasm EP) session of the
 * engine runs on it — the VSR net's CPU path (vsr-api.ts, vsr-base.worker.ts), the VQGAN of the
 * Degrade tab's CPU path (degrade-api.ts) and the inspection of a model the user brings (byo-api.ts).
 * The WebGPU build (gpu/device.ts's `ort`) runs the webgpu EP sessions only, and is loaded only to
 * bring WebGPU up: a browser without a WebGPU adapter, or told to use the CPU (?wasm), never
 * fetches or compiles its wasm (the backend e2e suite checks), and the offline copy leaves it out
 * there (app/offline/precache-select.ts).
 *
 * Why not the WebGPU build for the CPU sessions too: its wasm is asyncify-instrumented so that a
 * run can await the GPU, and its CPU kernels pay for that: measured in Chromium on this project's
 * 2-core VM, the shipped vsr step at 480×272 took 3.3–3.5 CPU-s there and 2.7–2.9 CPU-s on this
 * build, and ORT's (single-threaded) cubic Resize 1.6–1.8 against 0.9–1.1 CPU-s, for the same
 * outputs bit for bit (vsr-pipeline.browsertest.ts checks); the Degrade preview's VQGAN encoder and
 * decoder: see degrade-api.ts. And it is a second 27 MB binary to fetch and compile on a machine
 * that runs everything on the CPU. The two builds are separate wasm instances with separate heaps
 * and thread pools; sessions of this one are still opened through gpu/ort.ts's openSession (one
 * queue for every ORT call here).
 *
 * Threads: every core the browser reports (navigator.hardwareConcurrency), where the page is
 * cross-origin isolated (SharedArrayBuffer); one otherwise. SIMD: always (ORT ships only its
 * simd-threaded wasm). Loaded on first use only: a machine whose plan (remembered or set) runs
 * every stage on WebGPU never fetches it.
 */
import type { Ort } from '../gpu/ort';

type OrtWasm = Ort & { env: typeof import('onnxruntime-web').env };

let loading: Promise<OrtWasm> | null = null;

/** Intra-op threads for `cores` cores: all of them where threads are possible (ORT caps its pool at 16 … we too). */
export function wasmThreads(cores: number | undefined, isolated: boolean): number {
  if (!isolated) return 1;
  return Math.max(1, Math.min(16, Math.floor(cores ?? 1)));
}

/** The plain wasm build, configured once (threads fixed before its first session, as ORT requires). */
export function ortWasm(threads?: number): Promise<OrtWasm> {
  loading ??= (async () => {
    const mod = (await import('onnxruntime-web/wasm')) as unknown as OrtWasm;
    const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
    mod.env.wasm.numThreads = threads ?? wasmThreads((globalThis.navigator as Navigator | undefined)?.hardwareConcurrency, isolated);
    return mod;
  })();
  loading.catch(() => (loading = null));
  return loading;
}
