#!/usr/bin/env node
// Issue 12.6: the bundle users get carries no test switch. Builds the production app
// (`npm run build`'s config, into a temporary folder so dist/ stays the test build the other
// suites use) and checks that none of the markers of e2e/lib/bundle-switches.mjs is in any of
// its scripts, while the test build in dist/ has every one of them (so the scan can fail).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_MARKERS, testSwitchesIn } from './lib/bundle-switches.mjs';

const out = mkdtempSync(path.join(os.tmpdir(), 'vqdsr-prod-'));
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed++;
};
try {
  delete process.env.VQDSR_TEST_BUILD;
  const { build } = await import('vite');
  await build({ logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  const prod = testSwitchesIn(out);
  check(Object.keys(prod).length === 0, `production build: no test switch in its scripts${Object.keys(prod).length ? ` (found ${JSON.stringify(prod)})` : ''}`);
  const test = testSwitchesIn('dist');
  const missing = TEST_MARKERS.filter((m) => !test[m]);
  check(missing.length === 0, `test build (dist/): every marker present${missing.length ? ` (missing ${missing.join(', ')})` : ''}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
