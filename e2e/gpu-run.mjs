#!/usr/bin/env node
// Runs every src/**/*.gputest.ts and *.browsertest.ts in a module worker in headless
// Debian Chromium (WebGPU on SwiftShader here), prints one line per test and exits
// non-zero if any failed or none matched.   Usage: node e2e/gpu-run.mjs [filter]
import { mkdirSync, writeFileSync } from 'node:fs';
import { launchBrowser, pipeConsole, startDevServer } from './lib/browser.mjs';

const filter = process.argv[2] ?? '';
const server = await startDevServer();
const browser = await launchBrowser();
let failed = 0;
let outcomes = [];
try {
  const page = await browser.newPage();
  pipeConsole(page, 'harness');
  page.setDefaultTimeout(0);
  await page.goto(`${server.url}/e2e/gpu/index.html`);
  await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
  outcomes = await page.evaluate((f) => window.harness.run('test', f), filter);
  for (const o of outcomes) {
    console.log(`${o.pass ? 'PASS' : 'FAIL'}  ${o.name}  (${o.ms} ms)\n      ${o.detail.split('\n')[0]}`);
    if (!o.pass) {
      failed++;
      if (o.detail.includes('\n')) console.log(o.detail);
    }
  }
  if (outcomes.length === 0) {
    console.log(`no browser tests matched '${filter}'`);
    failed++;
  }
} finally {
  await browser.close();
  await server.close();
}
mkdirSync('test-results', { recursive: true });
writeFileSync(`test-results/browser-tests${filter ? '-' + filter.replace(/[^\w-]/g, '_') : ''}.json`, JSON.stringify(outcomes, null, 2));
console.log(`${outcomes.length - failed >= 0 ? outcomes.filter((o) => o.pass).length : 0} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
