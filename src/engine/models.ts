/**
 * Model files: manifest, download with progress, integrity check, caching,
 * session creation. In the spirit of transformers.js: every byte comes from our
 * own origin (public/models), is checked against the manifest's sha256, and is
 * kept in Cache Storage so a second visit starts at once and offline.
 */
import type * as ortTypes from 'onnxruntime-web';

export interface ManifestIo {
  name: string;
  type: string;
  shape: (number | string)[];
}
export interface ManifestFile {
  file: string;
  bytes: number;
  sha256: string;
  inputs?: ManifestIo[];
  outputs?: ManifestIo[];
}
export interface ManifestModel {
  kind: string;
  trained: boolean;
  config: Record<string, unknown>;
  files: ManifestFile[];
  [k: string]: unknown;
}
export interface Manifest {
  version: number;
  models: Record<string, ManifestModel>;
}

export type LoadProgress = (p: { file: string; loaded: number; total: number }) => void;

const CACHE_NAME = 'vqdsr-models-v1';
let manifestPromise: Promise<Manifest> | undefined;

let baseOverride: string | undefined;

export function modelsBase(): string {
  // Workers get their own import.meta.env; BASE_URL is '/' unless the app is served under a path.
  return baseOverride ?? `${import.meta.env.BASE_URL ?? '/'}models/`;
}

/** Point the loader at another model set (tests use the narrow set in e2e/fixtures/models/). */
export function setModelsBase(base: string): void {
  if (base === modelsBase()) return;
  baseOverride = base;
  manifestPromise = undefined;
  sessions.clear();
}

export function loadManifest(): Promise<Manifest> {
  manifestPromise ??= (async () => {
    const res = await fetch(`${modelsBase()}manifest.json`, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`model manifest: HTTP ${res.status}`);
    const m = (await res.json()) as Manifest;
    if (m.version !== 1 || typeof m.models !== 'object') throw new Error('model manifest: unsupported version');
    return m;
  })();
  manifestPromise.catch(() => (manifestPromise = undefined));
  return manifestPromise;
}

export function fileEntry(m: Manifest, model: string, file: string): ManifestFile {
  const entry = m.models[model]?.files.find((f) => f.file === file);
  if (!entry) throw new Error(`model file ${model}/${file} is not in the manifest`);
  return entry;
}

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

/** Bytes of one model file, from Cache Storage when its hash matches, else downloaded with progress. */
export async function fetchModelFile(entry: ManifestFile, onProgress?: LoadProgress): Promise<Uint8Array> {
  const url = `${modelsBase()}${entry.file}`;
  const cacheKey = `${url}?sha256=${entry.sha256}`;
  const cache = await openCache();
  const cached = await cache?.match(cacheKey);
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    if (bytes.length === entry.bytes) {
      onProgress?.({ file: entry.file, loaded: bytes.length, total: entry.bytes });
      return bytes;
    }
  }
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`model file ${entry.file}: HTTP ${res.status}`);
  const total = entry.bytes;
  const out = new Uint8Array(total);
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > total) throw new Error(`model file ${entry.file} is larger than the manifest says`);
    out.set(value, loaded);
    loaded += value.length;
    onProgress?.({ file: entry.file, loaded, total });
  }
  if (loaded !== total) throw new Error(`model file ${entry.file}: got ${loaded} of ${total} bytes`);
  const hash = await sha256Hex(out);
  if (hash !== entry.sha256) throw new Error(`model file ${entry.file} failed its integrity check (sha256 mismatch)`);
  await cache?.put(cacheKey, new Response(out as BodyInit)).catch(() => undefined);
  return out;
}

export interface SessionOptions {
  ort: typeof ortTypes;
  backend: 'webgpu' | 'wasm';
  /** Keep outputs on the GPU (webgpu only), so they feed our kernels without a copy. */
  gpuOutputs?: boolean;
  onProgress?: LoadProgress;
}

const sessions = new Map<string, Promise<ortTypes.InferenceSession>>();
// ORT-web refuses to create two webgpu sessions at once; creations queue here.
let creating: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = creating.then(fn, fn);
  creating = run.catch(() => undefined);
  return run;
}

/** One ORT session per (file, backend, output location), created once. */
export function modelSession(model: string, file: string, opts: SessionOptions): Promise<ortTypes.InferenceSession> {
  const key = `${model}/${file}/${opts.backend}/${opts.gpuOutputs ? 'gpu' : 'cpu'}`;
  let s = sessions.get(key);
  if (!s) {
    s = (async () => {
      const m = await loadManifest();
      const bytes = await fetchModelFile(fileEntry(m, model, file), opts.onProgress);
      return serialized(() => opts.ort.InferenceSession.create(bytes, {
        executionProviders: [opts.backend],
        graphOptimizationLevel: 'all',
        ...(opts.backend === 'webgpu' && opts.gpuOutputs ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      }));
    })();
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

export async function loadFloat32File(model: string, file: string, onProgress?: LoadProgress): Promise<Float32Array> {
  const m = await loadManifest();
  const bytes = await fetchModelFile(fileEntry(m, model, file), onProgress);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
