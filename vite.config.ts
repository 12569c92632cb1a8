import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { serviceWorker } from './src/app/offline/build-plugin.ts';

// COOP/COEP make the page crossOriginIsolated, which onnxruntime-web's wasm
// backend needs for SharedArrayBuffer threads. Everything is same-origin (no CDN),
// so require-corp costs nothing.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.mp4': 'video/mp4',
};

/**
 * `vite preview` also serves e2e/fixtures/ (never part of dist/): the end-to-end
 * tests run the production build with the narrow test models (?testmodels),
 * because SwiftShader needs minutes per frame at the shipped widths.
 */
function previewTestFixtures(): Plugin {
  const root = resolve('e2e/fixtures');
  return {
    name: 'preview-test-fixtures',
    configurePreviewServer(server) {
      server.middlewares.use('/e2e/fixtures', (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
        const file = join(root, rel);
        if (!file.startsWith(root)) return next();
        try {
          if (!statSync(file).isFile()) return next();
        } catch {
          return next();
        }
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
  };
}

// Test switches (?testhooks, ?testvariants, ?testmodels) are compiled in only for the e2e
// tests' build (`npm run build:test`), the dev server (the browser test runner uses it) and
// vitest; `npm run build` / `npm start` leave them out. See src/test-build.d.ts.
const testBuild = (command: 'build' | 'serve') => command === 'serve' || process.env.VQDSR_TEST_BUILD === '1' || process.env.VITEST !== undefined;

export default defineConfig(({ command }) => ({
  define: { __VQDSR_TEST_BUILD__: JSON.stringify(testBuild(command)) },
  // serviceWorker(): dist/sw.js with the build's file list (offline use; src/app/offline/).
  plugins: [react(), previewTestFixtures(), serviceWorker()],
  server: { headers: isolation, fs: { allow: ['.'] } },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@ffmpeg/ffmpeg', '@ffmpeg/util'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
}));
