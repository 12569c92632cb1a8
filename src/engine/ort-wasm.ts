/**
 * onnxruntime-web's plain wasm build (no WebGPU, no asyncify) for the VSR net's CPU path.
 *
 * Why a second ORT in the engine worker: the engine's `ort` (gpu/device.ts) is the WebGPU build,
 * whose wasm is asyncify-instrumented so that a run can await the GPU. Its CPU kernels pay for
 * that: measured in Chromium on this project's 2-core VM, the shipped vsr step at 480×272 took
 * 3.3–3.5 CPU-s there and 2.7–2.9 CPU-s on this build, and ORT's (single-threaded) cubic Resize
 * 1.6–1.8 against 0.9–1.1 CPU-s, for the same outputs bit for bit (vsr-pipeline.browsertest.ts checks).
 * The two builds are separate wasm instances with separate heaps and thread pools; sessions of
 * this one are still opened through gpu/ort.ts's openSession (one queue for every ORT call here).
 *
 * Threads: every core the browser reports (navigator.hardwareConcurrency), where the page is
 * cross-origin isolated (SharedArrayBuffer); one otherwise. Loaded on first use only: a machine
 * whose plan runs VSR on WebGPU never fetches it.
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
