#!/usr/bin/env node
// The e2e stage of `npm test`: browser tests of every kernel and worker
// (e2e/gpu-run.mjs), then the app end-to-end suites (e2e/*.e2e.mjs) against the
// test build in dist/ (`npm run build:test`: the production build plus the test switches,
// src/test-build.d.ts). Each runs in its own process so one crash cannot hide another.
//
// Suites run in lanes (`--jobs N`, or E2E_JOBS; default 2 where there are 2 cores or more):
// a suite spends much of its time waiting (page loads, ffmpeg.wasm, timers, the GPU process),
// so on 2 cores the whole stage used ~half the CPU when run one suite at a time. Each suite has
// its own browser, profile and server on a free port, so lanes share nothing but the CPU. A
// lane's output is held and printed whole when its suite ends, so logs never interleave; a line
// says when each suite starts. Suites start longest first (gpu-run, then the app suites), so the
// other lane works through the app suites while gpu-run runs.
//
//   node e2e/run.mjs [name-filter] [--jobs N]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { testSwitchesIn } from './lib/bundle-switches.mjs';
import { parseJobs } from './lib/lanes.mjs';

const argv = process.argv.slice(2);
const jobsAt = argv.indexOf('--jobs');
let jobs;
try {
  jobs = parseJobs(jobsAt >= 0 ? argv[jobsAt + 1] : process.env.E2E_JOBS, availableParallelism());
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const only = argv.find((a, i) => !a.startsWith('--') && (jobsAt < 0 || i !== jobsAt + 1));

/**
 * Seconds each suite took alone on the 2-core VM (one lane, quiet, 2026-12-06): only the order
 * comes from it. Longest first, so the lanes end together rather than one lane running the
 * longest app suite alone at the end; a suite not listed counts 30 s.
 */
const SECONDS_ALONE = {
  'gpu-run.mjs': 388, 'upscale.e2e.mjs': 89, 'compare.e2e.mjs': 71, 'degrade.e2e.mjs': 70, 'backend.e2e.mjs': 68,
  'faults.e2e.mjs': 60, 'parity.e2e.mjs': 39, 'offline.e2e.mjs': 34, 'auto-model.e2e.mjs': 25, 'pwa.e2e.mjs': 24,
  'app.e2e.mjs': 14, 'output-size.e2e.mjs': 12, 'byo-model.e2e.mjs': 12, 'explore-shipped.e2e.mjs': 11,
  'live.e2e.mjs': 10, 'prod-bundle.e2e.mjs': 3,
};
const weight = (file) => SECONDS_ALONE[file] ?? 30;
const suites = ['gpu-run.mjs', ...readdirSync('e2e').filter((f) => f.endsWith('.e2e.mjs'))]
  .sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))
  .map((f) => `e2e/${f}`)
  .filter((file) => !only || file.includes(only));
if (suites.length === 0) {
  console.error(`e2e: no suite matches '${only}'`);
  process.exit(1);
}
if (suites.some((file) => file.endsWith('.e2e.mjs')) && !(existsSync('dist') && testSwitchesIn('dist').__vqdsrTest)) {
  console.error('e2e: dist/ is missing or a production build without the test switches: run `npm run build:test` first.');
  process.exit(1);
}

const lanes = Math.min(jobs, suites.length);
const live = lanes === 1; // one lane: the suite's output streams as it comes
const t00 = Date.now();
const results = [];
/**
 * A suite still running after this long is stopped and reported FAILED with its output so far:
 * a hang costs 30 min, not CI's whole allowance, and its log is not lost (E2E_SUITE_LIMIT_S; the
 * longest, gpu-run, took 8 min in a lane quiet and 18 min beside two trainers).
 */
const SUITE_LIMIT_S = Number(process.env.E2E_SUITE_LIMIT_S) || 1800;
/** Suites running now (file → held output and process), for a stop from outside. */
const running = new Map();

/** Runs one suite in its own Node process; resolves with its outcome (never rejects). */
function runSuite(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    if (!live) console.log(`--- ${file}: started (${((t0 - t00) / 1000).toFixed(0)} s into the e2e stage)`);
    const child = spawn(process.execPath, [file], { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    if (!live) {
      child.stdout.on('data', (b) => chunks.push(b));
      child.stderr.on('data', (b) => chunks.push(b));
    }
    if (live) console.log(`\n=== ${file}`);
    running.set(file, { chunks, child });
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, SUITE_LIMIT_S * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      running.delete(file);
      const ok = code === 0;
      const took = ((Date.now() - t0) / 1000).toFixed(1);
      if (!live) process.stdout.write(`\n=== ${file}\n${Buffer.concat(chunks).toString()}`);
      const why = timedOut ? `stopped after ${SUITE_LIMIT_S} s (E2E_SUITE_LIMIT_S)` : `exit ${code ?? signal}`;
      console.log(`=== ${file}: ${ok ? 'ok' : `FAILED (${why})`} in ${took} s`);
      resolve({ file, ok });
    });
    child.on('error', (err) => {
      clearTimeout(watchdog);
      running.delete(file);
      console.log(`=== ${file}: FAILED to start (${err.message})`);
      resolve({ file, ok: false });
    });
  });
}

// Stopped from outside (CI's time limit, Ctrl-C): print what the running suites said so far.
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const [file, { chunks, child }] of running) {
      if (!live) process.stdout.write(`\n=== ${file} (interrupted by ${sig})\n${Buffer.concat(chunks).toString()}`);
      child.kill('SIGTERM');
    }
    process.exit(1);
  });
}

async function lane() {
  for (let file = suites.shift(); file; file = suites.shift()) results.push(await runSuite(file));
}
await Promise.all(Array.from({ length: lanes }, lane));

const failed = results.filter((r) => !r.ok);
console.log(`\ne2e: ${results.length - failed.length} of ${results.length} suites ok in ${((Date.now() - t00) / 1000).toFixed(1)} s (${lanes} lane${lanes > 1 ? 's' : ''})`
  + (failed.length ? `; FAILED: ${failed.map((r) => r.file).join(', ')}` : ''));
process.exit(failed.length ? 1 : 0);
