/**
 * Page side of the browser test harness: starts the harness worker (where the
 * tests run, as the app's engine does) and exposes it to Playwright.
 */
import * as Comlink from 'comlink';
import type { HarnessApi } from './worker';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'harness' });
const api = Comlink.wrap<HarnessApi>(worker);
const log = document.getElementById('log')!;

declare global {
  interface Window {
    harness: {
      list: HarnessApi['list'];
      run: (kind: 'test' | 'bench', filter: string) => ReturnType<HarnessApi['run']>;
    };
    harnessReady: boolean;
  }
}

window.harness = {
  list: (kind) => api.list(kind),
  run: (kind, filter) =>
    api.run(
      kind,
      filter,
      Comlink.proxy((line: string) => {
        log.textContent += `\n${line}`;
        console.log(line);
      }),
    ),
};
window.harnessReady = true;
log.textContent = 'ready';
