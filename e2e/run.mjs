#!/usr/bin/env node
// The e2e stage of `npm test`: browser tests of every kernel and worker
// (e2e/gpu-run.mjs), then the app end-to-end suites (e2e/*.e2e.mjs) against the
// production build. Each runs in its own process so one crash cannot hide another.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const suites = [['e2e/gpu-run.mjs'], ...readdirSync('e2e').filter((f) => f.endsWith('.e2e.mjs')).sort().map((f) => [`e2e/${f}`])];
const only = process.argv[2];
let failed = 0;
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
