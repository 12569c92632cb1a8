/**
 * Build-time (Node) side of the service worker, used by vite.config.ts.
 *
 * `vite build`: once the app is written to dist/, lists its files (sha256 per file), and builds
 * src/app/offline/service-worker.ts as its own self-contained entry into dist/sw.js — a stable URL —
 * with that list and a version hash of it baked in. Any change to any file of the build changes
 * sw.js's bytes, which is what makes the browser install the new version (and the app offer
 * "Reload"). The model files are not in the list: the worker stores those through the model
 * registry's own sha256-keyed cache (source-web.ts), from whichever manifest the page uses.
 * onnxruntime-web's WebGPU build's wasm is marked `webgpu`: stored only where there is a WebGPU
 * adapter (precache-select.ts).
 *
 * `vite` (dev server): /sw.js is a worker that removes itself — a worker left by `npm start` on the
 * same port would otherwise keep serving that build's cached pages instead of the dev server's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';
import { APP_CACHE, MODEL_MANIFESTS_CACHE, WEBGPU_ONLY_FILE, type PrecacheEntry } from './protocol.ts';

const SW_FILE = 'sw.js';
const SW_SOURCE = 'src/app/offline/service-worker.ts';

function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, r) : e.isFile() ? [r] : [];
  });
}

/**
 * What the worker stores, from a built dist/ folder: every file except sw.js itself, source maps,
 * dot files, and the model set (models/manifest.json and the files it names — the model cache's).
 */
export function precacheEntries(outDir: string): PrecacheEntry[] {
  const modelFiles = new Set<string>();
  const manifestPath = path.join(outDir, 'models', 'manifest.json');
  if (existsSync(manifestPath)) {
    modelFiles.add('models/manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models?: Record<string, { files?: { file: string }[] }> };
    for (const m of Object.values(manifest.models ?? {})) for (const f of m.files ?? []) modelFiles.add(`models/${f.file}`);
  }
  return filesUnder(outDir)
    .filter((f) => f !== SW_FILE && !f.endsWith('.map') && !f.split('/').some((p) => p.startsWith('.')) && !modelFiles.has(f))
    .sort()
    .map((url) => {
      const bytes = readFileSync(path.join(outDir, url));
      const entry: PrecacheEntry = { url, revision: createHash('sha256').update(bytes).digest('hex').slice(0, 16), bytes: bytes.length };
      if (WEBGPU_ONLY_FILE.test(url)) entry.webgpu = true;
      return entry;
    });
}

/** The version: a hash of every file's name and revision. */
export function buildVersion(entries: readonly PrecacheEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.url}\0${e.revision}\n`);
  return h.digest('hex').slice(0, 12);
}

/** The dev server's /sw.js: takes over, deletes the app's cache, unregisters, reloads its pages. */
const SELF_REMOVING_WORKER = `// dev server: removes a service worker left by a production build on this origin
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil((async () => {
  await caches.delete(${JSON.stringify(APP_CACHE)});
  await caches.delete(${JSON.stringify(MODEL_MANIFESTS_CACHE)});
  await self.registration.unregister();
  for (const c of await self.clients.matchAll({ type: 'window' })) c.navigate(c.url);
})()));
`;

export function serviceWorker(): Plugin[] {
  let config: ResolvedConfig;
  return [
    {
      name: 'vqdsr-service-worker',
      apply: 'build',
      configResolved(c) {
        config = c;
      },
      async closeBundle() {
        const outDir = path.resolve(config.root, config.build.outDir);
        if (!existsSync(path.join(outDir, 'index.html'))) return; // not the app's build (or it failed)
        const entries = precacheEntries(outDir);
        const version = buildVersion(entries);
        await build({
          configFile: false,
          root: config.root,
          base: config.base,
          mode: config.mode,
          logLevel: 'warn',
          define: {
            __VQDSR_PRECACHE__: JSON.stringify(entries),
            __VQDSR_SW_VERSION__: JSON.stringify(version),
          },
          build: {
            outDir,
            emptyOutDir: false,
            copyPublicDir: false,
            target: 'es2022',
            lib: { entry: path.resolve(config.root, SW_SOURCE), formats: ['iife'], name: 'vqdsrServiceWorker', fileName: () => SW_FILE },
          },
        });
        const mib = (list: PrecacheEntry[]) => (list.reduce((s, e) => s + e.bytes, 0) / 2 ** 20).toFixed(1);
        config.logger.info(
          `service worker: ${SW_FILE} version ${version}, ${entries.length} files (${mib(entries)} MiB) stored for offline use, ${mib(entries.filter((e) => e.webgpu))} MiB of them only where WebGPU is`,
        );
      },
    },
    {
      name: 'vqdsr-service-worker-dev',
      apply: 'serve',
      configureServer(server) {
        server.middlewares.use((req, res, next) => {
          if ((req.url ?? '').split('?')[0] !== `${server.config.base}${SW_FILE}`) return next();
          res.setHeader('Content-Type', 'text/javascript');
          res.setHeader('Cache-Control', 'no-store');
          res.end(SELF_REMOVING_WORKER);
        });
      },
    },
  ];
}
