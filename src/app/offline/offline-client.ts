/**
 * The page's side of offline use: registers the service worker (production builds only), asks it to
 * store the app and this page's models, and follows what it says — progress, "works offline", a
 * failure — and whether a new version is waiting. The "Reload" of the update banner hands over to
 * the new version and reloads.
 */
import { create } from 'zustand';
import { modelsBase } from '../../models/source-web';
import { pageModelsBase } from '../models-base';
import { probeAdapter } from './adapter-probe';
import type { FromWorker, ToWorker } from './protocol';

export interface OfflineState {
  /** off: no service worker here (dev server, unsupported browser); ready: works with the network off. */
  state: 'off' | 'caching' | 'ready' | 'failed';
  phase?: 'app' | 'models';
  done: number;
  total: number;
  /** The running worker's build version. */
  version?: string;
  detail?: string;
  /** A new version is installed and waiting for "Reload". */
  updateReady: boolean;
  reloadToUpdate: () => void;
}

let waiting: ServiceWorker | null = null;
let reloading = false;

function reloadOnce(): void {
  if (reloading) return;
  reloading = true;
  location.reload();
}

export const useOffline = create<OfflineState>(() => ({
  state: 'off',
  done: 0,
  total: 0,
  updateReady: false,
  reloadToUpdate: () => {
    // Already taken over (another tab's Reload) or replaced by a newer build: a reload is all it takes.
    if (!waiting || waiting.state !== 'installed') return reloadOnce();
    navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
    waiting.postMessage({ type: 'skip-waiting' } satisfies ToWorker);
  },
}));

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function onWorkerMessage(m: FromWorker): void {
  const set = useOffline.setState;
  if (m.type === 'progress') set({ state: 'caching', phase: m.phase, done: m.done, total: m.total });
  else if (m.type === 'ready') {
    const left = m.webgpu === false ? '; onnxruntime\'s WebGPU build left out: this browser has no WebGPU adapter' : '';
    set({
      state: 'ready',
      version: m.version,
      detail: `Stored in this browser: the app (${m.appFiles} files, ${mib(m.appBytes)}${left}) and the models of ${m.modelsBase} (${m.modelFiles} files, ${mib(m.modelBytes)}, sha256-checked).`,
    });
  } else if (m.type === 'failed') set({ state: 'failed', version: m.version, detail: m.message });
}

/**
 * Whether this browser gives a WebGPU adapter: the engine loads onnxruntime-web's WebGPU build only
 * then (gpu/device.ts; every CPU session runs on the plain wasm build), so only then does the offline
 * copy need it. The adapter, not the backend setting: a user who picked the CPU can switch back offline.
 */
async function hasWebgpuAdapter(): Promise<boolean> {
  if (!navigator.gpu) return false;
  // No answer in time: store the WebGPU build too (the worker's default for a page that says nothing).
  return (await probeAdapter(navigator.gpu)) ?? true;
}

/** Sends prepare-offline to the active worker and follows its answers on a private channel. */
async function prepare(worker: ServiceWorker, base: string): Promise<void> {
  const webgpu = await hasWebgpuAdapter();
  const channel = new MessageChannel();
  channel.port1.onmessage = (e: MessageEvent<FromWorker>) => onWorkerMessage(e.data);
  worker.postMessage({ type: 'prepare-offline', modelsBase: base, webgpu } satisfies ToWorker, [channel.port2]);
}

/** A worker that reaches 'installed' while another one controls this page is an update. */
function watchForUpdate(worker: ServiceWorker | null): void {
  if (!worker) return;
  const check = () => {
    if (worker.state === 'installed' && navigator.serviceWorker.controller) {
      waiting = worker;
      useOffline.setState({ updateReady: true });
    }
  };
  check();
  worker.addEventListener('statechange', check);
}

const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** The least time between two checks the page asks for itself (load, tab shown again). */
const UPDATE_RECHECK_MS = 10 * 60 * 1000;

/** Registers the worker once the page has loaded (it then downloads the app's ~46 MiB, ~71 where WebGPU is, and the models: not before the app starts). */
export function startOfflineSupport(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const base = pageModelsBase() ?? modelsBase();
  const go = async () => {
    const sw = navigator.serviceWorker;
    // Install progress and failures come to every window; only the first install's matter here:
    // an update installs quietly behind the banner, and if it fails the running version still works.
    sw.addEventListener('message', (e: MessageEvent<FromWorker>) => {
      if (!sw.controller) onWorkerMessage(e.data);
    });
    sw.startMessages();
    useOffline.setState({ state: 'caching', done: 0, total: 0 });
    try {
      const reg = await sw.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL, updateViaCache: 'none' });
      watchForUpdate(reg.waiting);
      watchForUpdate(reg.installing);
      reg.addEventListener('updatefound', () => watchForUpdate(reg.installing));
      // The browser checks sw.js on navigations; the app asks too, at load and when the tab comes back
      // into view (rate-limited), so a long-open tab and a slow or missed navigation check both still
      // learn of a new build. A failed check (offline) changes nothing.
      let lastCheck = 0;
      const checkForUpdate = () => {
        if (!sw.controller || Date.now() - lastCheck < UPDATE_RECHECK_MS) return;
        lastCheck = Date.now();
        void reg.update().catch(() => undefined);
      };
      checkForUpdate();
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') checkForUpdate();
      });
      setInterval(() => void reg.update().catch(() => undefined), UPDATE_CHECK_MS);
      const ready = await sw.ready;
      if (ready.active) await prepare(ready.active, base);
    } catch (e) {
      useOffline.setState({ state: 'failed', detail: `service worker: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
  if (document.readyState === 'complete') void go();
  else window.addEventListener('load', () => void go(), { once: true });
}
