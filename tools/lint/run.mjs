#!/usr/bin/env node
// `npm run lint`: installs this folder's pinned linter from its lockfile when it is
// missing or out of date (see eslint.config.mjs for why it is a package of its own),
// then lints the TypeScript sources with type information. Extra arguments go to ESLint.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const lock = path.join(here, 'package-lock.json');
const stamp = path.join(here, 'node_modules', '.lockfile-sha256');
const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';

const run = (cmd, args, opts) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (have !== want) {
  console.log('lint: installing the pinned linter (tools/lint/package-lock.json)…');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here });
  writeFileSync(stamp, `${want}\n`);
}
run(process.execPath, [path.join(here, 'node_modules', 'eslint', 'bin', 'eslint.js'), '-c', path.join(here, 'eslint.config.mjs'), '--max-warnings=0', ...(process.argv.length > 2 ? process.argv.slice(2) : ['src', 'e2e/gpu', 'bench/quality', 'training/fit_router.ts', 'vite.config.ts'])], { cwd: root });
