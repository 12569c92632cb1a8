/**
 * make_vsr_pairs.py --reuse-degraded: which degraded clip folders it keeps. A folder the CLI
 * finished with today's pipeline is kept; one made before the colour anchor (params.json's vqd has
 * no anchorSigma), or left half-written, is made again — one pack never mixes the two pipelines.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'vsr-pairs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function clip(name: string, vqd: Record<string, unknown>, frames: number, runJson = true): string {
  const d = join(tmp, name);
  mkdirSync(d);
  writeFileSync(join(d, 'params.json'), JSON.stringify({ version: 1, vqd }));
  for (let i = 0; i < frames; i++) writeFileSync(join(d, `${String(i).padStart(5, '0')}.png`), '');
  if (runJson) writeFileSync(join(d, 'run.json'), '{}');
  return d;
}

describe('make_vsr_pairs.degraded_complete', () => {
  it('keeps finished clips of the anchored pipeline (or without VQD), redoes pre-anchor and half-written ones', () => {
    const cases: [string, boolean][] = [
      [clip('anchored', { enabled: true, kBot: 20, anchorSigma: 3 }, 5), true],
      [clip('anchor-off', { enabled: true, kBot: 20, anchorSigma: 0 }, 5), true],
      [clip('no-vqd', { enabled: false }, 5), true],
      [clip('pre-anchor', { enabled: true, kBot: 20 }, 5), false],
      [clip('missing-frame', { enabled: true, anchorSigma: 3 }, 4), false],
      [clip('no-run-json', { enabled: true, anchorSigma: 3 }, 5, false), false],
    ];
    const code = [
      'import json, sys',
      "sys.path.insert(0, 'training')",
      'from make_vsr_pairs import degraded_complete',
      'print(json.dumps([degraded_complete(d, 5) for d in sys.argv[1:]]))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', code, ...cases.map(([d]) => d)], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(cases.map(([, keep]) => keep));
  });
});
