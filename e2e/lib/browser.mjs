// Shared Playwright + server plumbing for the e2e, GPU and bench runners.
// Debian's Chromium only (never a downloaded browser); --enable-unsafe-webgpu is
// what makes navigator.gpu.requestAdapter() return SwiftShader on GPU-less machines.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

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
 * downloaded, as opposed to what a service worker answered from its cache.
 */
export async function startPreviewServer({ onRequest } = {}) {
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
  const server = await preview({ preview: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'warn', plugins: log ? [log] : [] });
  const addr = server.httpServer.address();
  return { url: `http://127.0.0.1:${addr.port}`, close: () => new Promise((r) => server.httpServer.close(r)) };
}

export function pipeConsole(page, prefix = 'page') {
  page.on('console', (m) => {
    if (process.env.VERBOSE || m.type() === 'error') console.log(`[${prefix}:${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`[${prefix}:pageerror] ${e.message}`));
}
