/**
 * The browser's model source. In the spirit of transformers.js: every byte comes from our own
 * origin (public/models, or the narrow test set under e2e/fixtures/models), is checked against the
 * manifest's sha256, and is kept in Cache Storage so a second visit starts at once and offline.
 * Works on the page and in workers (fetch, caches, crypto.subtle).
 */
import { ModelFileError, type LoadProgress, type ManifestFile } from './manifest.ts';
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

/** Model files under `base` (a URL path ending in '/'), e.g. '/models/'. */
export function webModelSource(base: string): ModelSource {
  return {
    where: `${base}manifest.json`,

    async readManifest() {
      const res = await fetch(`${base}manifest.json`, { cache: 'no-cache' });
      if (!res.ok) throw new ModelFileError(`model manifest ${base}manifest.json: HTTP ${res.status}`);
      return (await res.json()) as unknown;
    },

    /**
     * From Cache Storage when its hash-keyed entry is whole and still hashes to the manifest's sha256
     * (checked on every load: a damaged copy is dropped and downloaded again), else downloaded with
     * progress and checked. The service worker fills the same cache for offline use (src/app/offline/).
     */
    async readFile(entry: ManifestFile, onProgress?: LoadProgress) {
      const url = `${base}${entry.file}`;
      const cacheKey = `${url}?sha256=${entry.sha256}`;
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
