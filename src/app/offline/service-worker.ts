/**
 * The service worker (built by build-plugin.ts into dist/sw.js, one self-contained script with the
 * build's file list and version baked in): the app works with the network off after one visit.
 *
 * - install: every file of the build (app shell, workers, the onnxruntime-web and ffmpeg.wasm
 *   binaries, the sample, icons; onnxruntime-web's WebGPU build's wasm only where there is a WebGPU
 *   adapter, see precache-select.ts) is fetched, checked against the sha256 the build recorded, and
 *   stored with the cross-origin isolation headers (COOP same-origin, COEP require-corp, CORP
 *   same-origin) — a page or worker served from here is crossOriginIsolated like one from the
 *   server, which the wasm threads need. Files an earlier version already stored (same revision)
 *   are not fetched again, so an update downloads what changed.
 * - A page asks `prepare-offline` with its models base (/models/, or the tests' narrow set) and
 *   whether it has a WebGPU adapter: the app's files that page needs and that are not stored yet
 *   are fetched as at install; the models of that manifest go through source-web.ts's readFile —
 *   the same Cache Storage entries, keyed and checked by sha256, that the engine reads — and the
 *   manifest is stored beside them.
 * - A new version waits until the page's "Reload" (skip-waiting), then drops the old files.
 * What is answered from where: routes.ts.
 */
import { pruneModelCache, webModelSource } from '../../models/source-web.ts';
import { parseManifest, type ManifestFile } from '../../models/manifest.ts';
import { APP_CACHE, MODEL_MANIFESTS_CACHE, isModelsBase, type FromWorker, type PrecacheEntry, type ToWorker } from './protocol.ts';
import { cacheKeyOf, route, routeTable } from './routes.ts';
import { probeAdapter } from './adapter-probe.ts';
import { entriesToStore, installWantsWebgpu } from './precache-select.ts';

declare const __VQDSR_PRECACHE__: PrecacheEntry[];
declare const __VQDSR_SW_VERSION__: string;

// The few service-worker types used here (the project compiles against the DOM lib, which lacks them).
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface WorkerClient {
  postMessage(message: unknown): void;
}
interface ServiceWorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly clients: {
    matchAll(o?: { includeUncontrolled?: boolean; type?: 'window' | 'worker' | 'all' }): Promise<WorkerClient[]>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (e: ExtendableMessageEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const VERSION = __VQDSR_SW_VERSION__;
const PRECACHE = __VQDSR_PRECACHE__;
const scope = new URL(sw.registration.scope);
const table = routeTable(PRECACHE, scope);
const PARALLEL = 4;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A stored copy of `res` with `body`, carrying the isolation headers whatever the server sent. */
function isolated(res: Response, body: Uint8Array | string): Response {
  const headers = new Headers(res.headers);
  // The body is stored decoded: its encoding and length are no longer the wire's.
  headers.delete('Content-Encoding');
  headers.delete('Content-Length');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(body as BodyInit, { status: 200, statusText: 'OK', headers });
}

async function broadcast(message: FromWorker): Promise<void> {
  for (const c of await sw.clients.matchAll({ includeUncontrolled: true, type: 'window' })) c.postMessage(message);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The worker's own answer to "is there a WebGPU adapter?"; undefined where it has no navigator.gpu or no answer in time. */
function workerAdapter(): Promise<boolean | undefined> {
  return probeAdapter((self.navigator as Navigator & { gpu?: GPU }).gpu);
}

/** Stores each of `entries` that is not stored yet (by revision); reports bytes done of theirs. */
async function ensureAppShell(entries: readonly PrecacheEntry[], report: (done: number, total: number) => void): Promise<void> {
  const cache = await caches.open(APP_CACHE);
  const missing: PrecacheEntry[] = [];
  const total = entries.reduce((s, e) => s + e.bytes, 0);
  let done = 0;
  for (const e of entries) {
    if (await cache.match(cacheKeyOf(e, scope))) done += e.bytes;
    else missing.push(e);
  }
  report(done, total);
  const queue = [...missing];
  const fetchOne = async (e: PrecacheEntry) => {
    const res = await fetch(new URL(e.url, scope), { cache: 'no-cache' });
    if (!res.ok) throw new Error(`${e.url}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if ((await sha256Hex(bytes)).slice(0, e.revision.length) !== e.revision) {
      throw new Error(`${e.url} on the server is not this version's (a newer build was deployed meanwhile?)`);
    }
    await cache.put(cacheKeyOf(e, scope), isolated(res, bytes));
    done += e.bytes;
    report(done, total);
  };
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) await fetchOne(e);
    }),
  );
}

/**
 * Stores every model file of `base`'s manifest (through source-web.ts: sha256-checked, hash-keyed)
 * and then the manifest. Offline, the stored manifest is used and its files are checked again.
 */
async function ensureModels(base: string, report: (done: number, total: number) => void): Promise<{ files: number; bytes: number }> {
  const manifestUrl = new URL(`${base}manifest.json`, scope).href;
  const stored = await caches.open(MODEL_MANIFESTS_CACHE);
  let fresh: Response | null = null;
  try {
    fresh = await fetch(manifestUrl, { cache: 'no-cache' });
  } catch {
    fresh = null; // offline: the stored copy below
  }
  if (fresh && !fresh.ok) throw new Error(`model manifest ${base}manifest.json: HTTP ${fresh.status}`);
  const res = fresh ?? (await stored.match(manifestUrl));
  if (!res) throw new Error(`model manifest ${base}manifest.json: offline and never stored`);
  const text = await res.text();
  const manifest = parseManifest(JSON.parse(text), `${base}manifest.json`);
  const files = new Map<string, ManifestFile>();
  for (const m of Object.values(manifest.models)) for (const f of m.files) files.set(f.file, f);
  const total = [...files.values()].reduce((s, f) => s + f.bytes, 0);
  const source = webModelSource(base);
  let done = 0;
  report(0, total);
  for (const f of files.values()) {
    await source.readFile(f, (p) => report(done + p.loaded, total));
    done += f.bytes;
  }
  // Stored last: an offline copy of a manifest only ever names files that are stored and whole.
  if (fresh) await stored.put(manifestUrl, isolated(fresh, text));
  // Every file of this manifest is stored and whole: the copies of files it replaced can go.
  await pruneModelCache(base, manifest);
  return { files: files.size, bytes: total };
}

/** One pass per models base (and WebGPU answer) at a time; every page that asks hears its progress and its end. */
const passes = new Map<string, { listeners: Set<(m: FromWorker) => void>; end: Promise<FromWorker> }>();

function prepare(base: string, webgpu: boolean, listener: (m: FromWorker) => void): Promise<void> {
  // A page without an adapter does not join a pass that stores the WebGPU build for another.
  const key = `${webgpu ? 'webgpu' : 'cpu'} ${base}`;
  let pass = passes.get(key);
  if (!pass) {
    const listeners = new Set<(m: FromWorker) => void>();
    const tell = (m: FromWorker) => listeners.forEach((l) => l(m));
    const end = (async (): Promise<FromWorker> => {
      try {
        if (!isModelsBase(base)) throw new Error(`not a models folder of this site: ${JSON.stringify(base)}`);
        const app = entriesToStore(PRECACHE, webgpu);
        await ensureAppShell(app, (done, total) => tell({ type: 'progress', version: VERSION, phase: 'app', done, total }));
        const models = await ensureModels(base, (done, total) => tell({ type: 'progress', version: VERSION, phase: 'models', done, total }));
        const appBytes = app.reduce((s, e) => s + e.bytes, 0);
        return { type: 'ready', version: VERSION, appFiles: app.length, appBytes, webgpu, modelFiles: models.files, modelBytes: models.bytes, modelsBase: base };
      } catch (e) {
        return { type: 'failed', version: VERSION, message: message(e) };
      } finally {
        passes.delete(key);
      }
    })();
    pass = { listeners, end };
    passes.set(key, pass);
  }
  pass.listeners.add(listener);
  return pass.end.then(listener);
}

sw.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const cached = (await (await caches.open(APP_CACHE)).keys()).map((r) => r.url);
      const webgpu = installWantsWebgpu(await workerAdapter(), cached);
      await ensureAppShell(entriesToStore(PRECACHE, webgpu), (done, total) => void broadcast({ type: 'progress', version: VERSION, phase: 'app', done, total }));
    })().catch(async (err: unknown) => {
      await broadcast({ type: 'failed', version: VERSION, message: `could not store the app for offline use: ${message(err)}` });
      throw err;
    }),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      // This version's files stay; an older version's go (its pages were reloaded onto this one).
      const keep = new Set(PRECACHE.map((p) => cacheKeyOf(p, scope)));
      const cache = await caches.open(APP_CACHE);
      for (const req of await cache.keys()) if (!keep.has(req.url)) await cache.delete(req);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  const r = route({ method: req.method, url: req.url, mode: req.mode, range: req.headers.has('range') }, table);
  if (r.kind === 'app') {
    e.respondWith(
      caches
        .open(APP_CACHE)
        .then((c) => c.match(r.key))
        .then((hit) => hit ?? fetch(req)),
    );
  } else if (r.kind === 'model-manifest') {
    e.respondWith(
      fetch(req).catch(async (err: unknown) => {
        const hit = await (await caches.open(MODEL_MANIFESTS_CACHE)).match(req.url, { ignoreSearch: true });
        if (hit) return hit;
        throw err;
      }),
    );
  }
});

sw.addEventListener('message', (e) => {
  const msg = e.data as ToWorker | null;
  if (msg?.type === 'skip-waiting') {
    e.waitUntil(sw.skipWaiting());
  } else if (msg?.type === 'prepare-offline') {
    const port = e.ports[0];
    // A page of an older version says nothing about WebGPU: store everything, as that version did.
    e.waitUntil(prepare(String(msg.modelsBase), msg.webgpu !== false, (m) => port?.postMessage(m)));
  }
});
