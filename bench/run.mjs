#!/usr/bin/env node
// `npm run bench [filter]`: runs every src/**/*.bench.ts in a module worker in headless
// Debian Chromium (the same harness as the GPU tests) and every bench/node/*.bench.mjs in
// Node, and writes one JSON file with the machine named: bench/results/<host>-<date>.json.
// Speeds are stated as ratios measured in one run on one machine; the machine description
// says whether WebGPU ran on a real GPU or on SwiftShader (a CPU rasteriser).
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { launchBrowser, pipeConsole, startDevServer } from '../e2e/lib/browser.mjs';

const filter = process.argv[2] ?? '';
const started = new Date();
const machine = {
  host: os.hostname(),
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
  memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
};

const results = { started: started.toISOString(), machine, browser: null, node: [] };

// The browser benches the filter selects, by the same test as the harness (file path contains it):
// without any, Chromium is not launched (e.g. `npm run bench quality`, a Node-only bench).
const browserBenches = (function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.bench.ts') ? [`/${dir}/${e.name}`] : []));
})('src').filter((f) => !filter || f.includes(filter));

if (browserBenches.length) {
  // Files a browser bench needs made first (e.g. with Debian's ffmpeg): a <name>.bench-setup.mjs
  // beside its <name>.bench.ts exports a default function that makes them.
  for (const f of browserBenches) {
    const setup = `.${f.replace(/\.bench\.ts$/, '.bench-setup.mjs')}`;
    if (existsSync(setup)) await (await import(pathToFileURL(setup).href)).default();
  }
  const server = await startDevServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    pipeConsole(page, 'bench');
    page.setDefaultTimeout(0);
    await page.goto(`${server.url}/e2e/gpu/index.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 120_000 });
    const adapter = await page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description, isFallbackAdapter: a.info.isFallbackAdapter ?? null } : null;
    });
    results.browser = { version: browser.version(), webgpuAdapter: adapter, benches: [] };
    page.on('console', (m) => m.text().startsWith('bench ') && console.log(m.text()));
    results.browser.benches = await page.evaluate((f) => window.harness.run('bench', f), filter);
  } finally {
    await browser.close();
    await server.close();
  }
} else {
  results.browser = { skipped: `no src/**/*.bench.ts matches '${filter}'`, benches: [] };
}

const nodeDir = 'bench/node';
if (existsSync(nodeDir)) {
  for (const f of readdirSync(nodeDir).filter((x) => x.endsWith('.bench.mjs')).sort()) {
    if (filter && !f.includes(filter)) continue;
    console.log(`bench node/${f} …`);
    const mod = await import(pathToFileURL(`${nodeDir}/${f}`).href);
    try {
      results.node.push({ file: f, ...(await mod.run()) });
    } catch (e) {
      results.node.push({ file: f, error: String(e?.message ?? e) });
    }
  }
}

mkdirSync('bench/results', { recursive: true });
const out = `bench/results/${machine.host.replace(/[^\w-]/g, '_')}-${started.toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`;
writeFileSync(out, JSON.stringify(results, null, 2));
writeFileSync('bench/results/latest.json', JSON.stringify(results, null, 2));
for (const b of results.browser.benches) console.log(JSON.stringify(b));
for (const b of results.node) console.log(JSON.stringify(b));
console.log(`wrote ${out}`);
