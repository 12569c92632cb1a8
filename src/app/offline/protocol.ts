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
}

/** page → worker */
export type ToWorker =
  /** Make sure the app and the models under `modelsBase` are stored; the answer comes on the port. */
  | { type: 'prepare-offline'; modelsBase: string }
  /** The user asked for the new version: stop waiting and take over (the page then reloads). */
  | { type: 'skip-waiting' };

/** worker → page (on a prepare-offline port, or to every window while installing) */
export type FromWorker =
  | { type: 'progress'; version: string; phase: 'app' | 'models'; done: number; total: number }
  | { type: 'ready'; version: string; appFiles: number; appBytes: number; modelFiles: number; modelBytes: number; modelsBase: string }
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
