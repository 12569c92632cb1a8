#!/usr/bin/env node
// The e2e stage of `npm test`: browser tests of every kernel and worker
// (e2e/gpu-run.mjs), then the app end-to-end suites (e2e/*.e2e.mjs) against the
// test build in dist/ (`npm run build:test`: the production build plus the test switches,
// src/test-build.d.ts). Each runs in its own process so one crash cannot hide another.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { testSwitchesIn } from './lib/bundle-switches.mjs';

const suites = [['e2e/gpu-run.mjs'], ...readdirSync('e2e').filter((f) => f.endsWith('.e2e.mjs')).sort().map((f) => [`e2e/${f}`])];
const only = process.argv[2];
let failed = 0;
const needsDist = suites.some(([file]) => file.endsWith('.e2e.mjs') && (!only || file.includes(only)));
if (needsDist && !(existsSync('dist') && testSwitchesIn('dist').__vqdsrTest)) {
  console.error('e2e: dist/ is missing or a production build without the test switches: run `npm run build:test` first.');
  process.exit(1);
}
for (const [file, ...args] of suites) {
  if (only && !file.includes(only)) continue;
  const t0 = Date.now();
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
  const ok = r.status === 0;
  console.log(`=== ${file}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (!ok) failed++;
}
process.exit(failed ? 1 : 0);
