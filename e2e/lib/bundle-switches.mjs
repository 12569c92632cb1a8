// Which test switches a built app carries (src/test-build.d.ts): the markers are strings that
// exist only inside code guarded by __VQDSR_TEST_BUILD__, so a production build has none.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const TEST_MARKERS = ['__vqdsrTest', 'testvariants', 'testmodels', 'testhooks'];

function jsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (/\.(m?js)$/.test(name)) out.push(p);
  }
  return out;
}

/** Marker → the files (relative to `dir`) holding it. */
export function testSwitchesIn(dir) {
  const found = {};
  for (const f of jsFiles(dir)) {
    const text = readFileSync(f, 'utf8');
    for (const m of TEST_MARKERS) if (text.includes(m)) (found[m] ??= []).push(path.relative(dir, f));
  }
  return found;
}
