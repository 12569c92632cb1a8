/**
 * Which of the build's files the service worker stores on this machine. Pure, so it is unit-tested
 * without a browser (precache-select.test.ts).
 *
 * Every file is stored but onnxruntime-web's WebGPU build's wasm (PrecacheEntry.webgpu, ~27 MB):
 * the engine loads it only to bring WebGPU up, which needs a WebGPU adapter (gpu/device.ts); every
 * CPU session runs on the plain wasm build (engine/ort-wasm.ts), which is always stored. So a
 * browser without an adapter never downloads it, and a browser with one (a software adapter such
 * as SwiftShader included: the engine still brings WebGPU up there to measure it) stores it, so
 * WebGPU works offline too. Who says whether there is an adapter:
 * - the page, in its prepare-offline message (offline-client.ts asks navigator.gpu itself — the
 *   engine runs in a worker of that page, so its answer is the one that counts);
 * - at install (no page has spoken for this version yet): the worker's own navigator.gpu where it
 *   has one, else whether an earlier version already stored such a file here (an update keeps what
 *   this machine wanted), else not — the page's prepare pass right after adds it if wanted.
 */
import { WEBGPU_ONLY_FILE, type PrecacheEntry } from './protocol.ts';

/** The entries to store: every one, less the WebGPU-only ones unless `webgpu`. */
export function entriesToStore(entries: readonly PrecacheEntry[], webgpu: boolean): PrecacheEntry[] {
  return entries.filter((e) => webgpu || !e.webgpu);
}

/**
 * Whether an install stores the WebGPU-only files: the worker's own adapter answer where it has one
 * (`workerAdapter`: undefined where the worker has no navigator.gpu), else whether the app cache
 * (`cachedUrls`: its keys) holds such a file of an earlier version — any name the pattern knows,
 * as an ORT update renames it.
 */
export function installWantsWebgpu(workerAdapter: boolean | undefined, cachedUrls: readonly string[]): boolean {
  return workerAdapter ?? cachedUrls.some((u) => WEBGPU_ONLY_FILE.test(new URL(u).pathname));
}
