// Shared Playwright + server plumbing for the e2e, GPU and bench runners.
// Debian's Chromium only (never a downloaded browser); --enable-unsafe-webgpu is
// what makes navigator.gpu.requestAdapter() return SwiftShader on GPU-less machines.
import { chromium } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

export async function launchBrowser({ webgpu = true } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Vite dev server on a free port (serves src/ and e2e/ as modules, with COOP/COEP). */
export async function startDevServer() {
  const { createServer } = await import('vite');
  const server = await createServer({
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  const addr = server.httpServer.address();
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}

/**
 * `vite build` into dist/, for benches that must measure the code as it is (throws on failure):
 * a test build (src/test-build.d.ts), as the benches drive the app through ?testmodels/?testhooks.
 */
export async function buildApp() {
  process.env.VQDSR_TEST_BUILD = '1';
  const { build } = await import('vite');
  await build({ logLevel: 'warn' });
}

/**
 * Vite preview of the production build in dist/ (what users get). `onRequest(path)`: told of every
 * request that reaches the server (path and query), before it is answered — what the browser
 * downloaded, as opposed to what a service worker answered from its cache. `prepend`: test code put
 * before a built worker script's own ({ match: RegExp on the path, code }), served with the same
 * isolation headers (e.g. e2e/lib/webgpu-watch.mjs's count of the engine worker's WebGPU calls) —
 * only where the browser loads it to run as a worker (Sec-Fetch-Dest: worker): the service
 * worker's offline copy fetches the built file itself, which it checks against its sha256.
 */
export async function startPreviewServer({ onRequest, prepend = [] } = {}) {
  const { preview } = await import('vite');
  const log = onRequest && {
    name: 'e2e-request-log',
    configurePreviewServer(s) {
      s.middlewares.use((req, _res, next) => {
        onRequest(req.url ?? '');
        next();
      });
    },
  };
  const instrument = prepend.length > 0 && {
    name: 'e2e-prepend',
    configurePreviewServer(s) {
      s.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        const p = req.headers['sec-fetch-dest'] === 'worker' && prepend.find((x) => x.match.test(path));
        const file = p && join('dist', path);
        if (!file || !existsSync(file)) return next();
        res.setHeader('Content-Type', 'text/javascript');
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(`${p.code}\n${readFileSync(file, 'utf8')}`);
      });
    },
  };
  const plugins = [log, instrument].filter(Boolean);
  const server = await preview({ preview: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'warn', plugins });
  const addr = server.httpServer.address();
  return { url: `http://127.0.0.1:${addr.port}`, close: () => new Promise((r) => server.httpServer.close(r)) };
}

export function pipeConsole(page, prefix = 'page') {
  page.on('console', (m) => {
    if (process.env.VERBOSE || m.type() === 'error') console.log(`[${prefix}:${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[${prefix}:pageerror] ${e.message}`));
}
