/**
 * What the page and the service worker (service-worker.ts) say to each other, and the build's file
 * list the worker is made with (build-plugin.ts). Plain data only: this module is shared by the
 * page, the worker and the Node build.
 */

/** One file of the build that the worker keeps for offline use. */
export interface PrecacheEntry {
  /** Path relative to the app's base (scope), e.g. 'index.html', 'assets/index-Ab12.js'. */
  url: string;
  /** sha256 of the file's bytes (hex, first 16 digits): a changed file gets a new cache entry. */
  revision: string;
  bytes: number;
  /**
   * onnxruntime-web's WebGPU build's wasm: only a browser with a WebGPU adapter loads it, so only
   * there is it stored (precache-select.ts). Absent: every machine needs the file.
   */
  webgpu?: true;
}

/**
 * A file of onnxruntime-web's WebGPU build's wasm, as the build names it (`[name]-[hash].wasm`; the
 * asyncify build in ORT 1.30, jsep or jspi in other versions); not the plain build's
 * ort-wasm-simd-threaded-[hash].wasm, which every CPU session uses.
 */
export const WEBGPU_ONLY_FILE = /(^|\/)ort-wasm-simd-threaded\.(asyncify|jsep|jspi)-[^/]+\.wasm$/;

/** page → worker */
export type ToWorker =
  /**
   * Make sure the app and the models under `modelsBase` are stored; the answer comes on the port.
   * `webgpu`: whether this page has a WebGPU adapter (the WebGPU-only files are stored only then);
   * absent (a page of an older version), they are stored.
   */
  | { type: 'prepare-offline'; modelsBase: string; webgpu?: boolean }
  /** The user asked for the new version: stop waiting and take over (the page then reloads). */
  | { type: 'skip-waiting' };

/** worker → page (on a prepare-offline port, or to every window while installing) */
export type FromWorker =
  | { type: 'progress'; version: string; phase: 'app' | 'models'; done: number; total: number }
  | {
      type: 'ready';
      version: string;
      appFiles: number;
      appBytes: number;
      /** Whether the WebGPU-only files are among them (false: left out, this browser has no adapter). */
      webgpu: boolean;
      modelFiles: number;
      modelBytes: number;
      modelsBase: string;
    }
  | { type: 'failed'; version: string; message: string };

/** Cache Storage names the worker owns (models stay in source-web.ts's own cache). */
export const APP_CACHE = 'vqdsr-app';
export const MODEL_MANIFESTS_CACHE = 'vqdsr-model-manifests';

/** The query parameter that ties a cached app file to its revision. */
export const REVISION_PARAM = '__rev';

/**
 * A models base the worker accepts from a page: a same-origin absolute path ending in '/' (the rule
 * the engine worker applies to ?testmodels in engine.worker.ts), with no '//' (a protocol-relative
 * URL would leave the site) and no '..'.
 */
export function isModelsBase(base: string): boolean {
  return /^\/[\w/.-]*\/$/.test(base) && !base.includes('..') && !base.includes('//');
}
