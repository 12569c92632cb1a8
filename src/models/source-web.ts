/**
 * The browser's model source. In the spirit of transformers.js: every byte comes from our own
 * origin (public/models, or the narrow test set under e2e/fixtures/models), is checked against the
 * manifest's sha256, and is kept in Cache Storage so a second visit starts at once and offline.
 * Works on the page and in workers (fetch, caches, crypto.subtle).
 */
import { ModelFileError, parseManifest, type LoadProgress, type Manifest, type ManifestFile } from './manifest.ts';
import { ModelRegistry, type ModelSource } from './registry.ts';

const CACHE_NAME = 'vqdsr-models-v1';

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches !== 'undefined' ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // opaque origins, private modes: just don't cache
  }
}

/** The Cache Storage key of a manifest file: its URL plus its hash, so a new version never meets an old copy. */
function cacheKeyOf(url: string, sha256: string): string {
  return `${url}?sha256=${sha256}`;
}

/**
 * Which of `cachedUrls` (absolute request URLs in the models cache) are copies of files under
 * `baseUrl` (absolute, ending in '/') that `manifest` no longer names at that hash: the weights of
 * a model version the site has replaced or dropped. Without this every update would leave its
 * predecessor's megabytes in the user's storage for good.
 * Only keys this module writes are candidates (a flat file name directly under the base, one
 * `sha256` query): another model set under a deeper folder, or anything else in the cache, stays.
 */
export function staleModelCacheUrls(cachedUrls: readonly string[], baseUrl: string, manifest: Manifest): string[] {
  const current = new Set<string>();
  for (const m of Object.values(manifest.models)) for (const f of m.files) current.add(new URL(cacheKeyOf(`${baseUrl}${f.file}`, f.sha256)).href);
  return cachedUrls.filter((raw) => {
    const url = new URL(raw);
    const href = `${url.origin}${url.pathname}`;
    if (!href.startsWith(baseUrl)) return false;
    const name = href.slice(baseUrl.length);
    if (name === '' || name.includes('/')) return false;
    const params = [...url.searchParams.keys()];
    if (params.length !== 1 || params[0] !== 'sha256') return false;
    return !current.has(url.href);
  });
}

/**
 * Drops the cached copies of files under `base` that `manifest` no longer names (see
 * staleModelCacheUrls); returns how many went. Never throws: a cache that cannot be read or
 * written only means nothing is pruned this time.
 */
export async function pruneModelCache(base: string, manifest: Manifest): Promise<number> {
  const cache = await openCache();
  if (!cache) return 0;
  try {
    const baseUrl = new URL(base, globalThis.location?.href).href;
    const stale = staleModelCacheUrls((await cache.keys()).map((r) => r.url), baseUrl, manifest);
    let dropped = 0;
    for (const url of stale) if (await cache.delete(url)) dropped++;
    return dropped;
  } catch {
    return 0;
  }
}

/** Model files under `base` (a URL path ending in '/'), e.g. '/models/'. */
export function webModelSource(base: string): ModelSource {
  return {
    where: `${base}manifest.json`,

    /**
     * Read fresh on every visit (no-cache). A manifest that parses also prunes the cache of the
     * files it replaced, in the background: a failed prune never fails the load.
     */
    async readManifest() {
      const res = await fetch(`${base}manifest.json`, { cache: 'no-cache' });
      if (!res.ok) throw new ModelFileError(`model manifest ${base}manifest.json: HTTP ${res.status}`);
      const raw = (await res.json()) as unknown;
      let manifest: Manifest | undefined;
      try {
        manifest = parseManifest(raw, `${base}manifest.json`);
      } catch {
        manifest = undefined; // the registry reports the bad manifest; nothing to prune against
      }
      if (manifest) void pruneModelCache(base, manifest);
      return raw;
    },

    /**
     * From Cache Storage when its hash-keyed entry is whole and still hashes to the manifest's sha256
     * (checked on every load: a damaged copy is dropped and downloaded again), else downloaded with
     * progress and checked. The service worker fills the same cache for offline use (src/app/offline/).
     */
    async readFile(entry: ManifestFile, onProgress?: LoadProgress) {
      const url = `${base}${entry.file}`;
      const cacheKey = cacheKeyOf(url, entry.sha256);
      const cache = await openCache();
      const cached = await cache?.match(cacheKey);
      if (cached) {
        const bytes = new Uint8Array(await cached.arrayBuffer());
        if (bytes.length === entry.bytes && (await sha256Hex(bytes)) === entry.sha256) {
          onProgress?.({ file: entry.file, loaded: bytes.length, total: entry.bytes });
          return bytes;
        }
        await cache?.delete(cacheKey).catch(() => false);
      }
      const res = await fetch(url);
      if (!res.ok || !res.body) throw new ModelFileError(`model file ${entry.file}: HTTP ${res.status}`);
      const total = entry.bytes;
      const out = new Uint8Array(total);
      let loaded = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (loaded + value.length > total) throw new ModelFileError(`model file ${entry.file} is larger than the manifest says`);
        out.set(value, loaded);
        loaded += value.length;
        onProgress?.({ file: entry.file, loaded, total });
      }
      if (loaded !== total) throw new ModelFileError(`model file ${entry.file}: got ${loaded} of ${total} bytes`);
      const hash = await sha256Hex(out);
      if (hash !== entry.sha256) throw new ModelFileError(`model file ${entry.file} failed its integrity check (sha256 mismatch)`);
      await cache?.put(cacheKey, new Response(out as BodyInit)).catch(() => undefined);
      return out;
    },
  };
}

let current: { base: string; registry: ModelRegistry } | undefined;

/** Where this realm's models live: BASE_URL/models/ unless setModelsBase chose another set. */
export function modelsBase(): string {
  // Workers get their own import.meta.env; BASE_URL is '/' unless the app is served under a path.
  return current?.base ?? `${import.meta.env.BASE_URL ?? '/'}models/`;
}

/** Point this realm at another model set (tests use the narrow set in e2e/fixtures/models/). */
export function setModelsBase(base: string): void {
  if (current?.base === base) return;
  current = { base, registry: new ModelRegistry(webModelSource(base)) };
}

/** The registry of this realm's model set (one manifest read, one cache). */
export function webModels(): ModelRegistry {
  if (!current) setModelsBase(modelsBase());
  return current!.registry;
}
