/**
 * make_vsr_pairs.py --reuse-degraded: which degraded clip folders it keeps. A folder the CLI
 * finished with today's pipeline is kept; one made before the colour anchor (params.json's vqd has
 * no anchorSigma), or left half-written, is made again — one pack never mixes the two pipelines.
 * And packed_frames' per-clip cache of encoded frames: used while it is newer than every frame,
 * encoded again once a frame is rewritten (a clip degraded again), the same bytes as encoding now.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'vsr-pairs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function clip(name: string, vqd: Record<string, unknown>, frames: number, runJson: boolean | Record<string, unknown> = true): string {
  const d = join(tmp, name);
  mkdirSync(d);
  writeFileSync(join(d, 'params.json'), JSON.stringify({ version: 1, vqd, modelId: 'vqgan' }));
  for (let i = 0; i < frames; i++) writeFileSync(join(d, `${String(i).padStart(5, '0')}.png`), '');
  if (runJson) writeFileSync(join(d, 'run.json'), JSON.stringify(runJson === true ? {} : runJson));
  return d;
}

/** Run `lines` as a Python program (training/ on its path) with `args`; fails the test on any stderr. */
function python(lines: string[], ...args: string[]): string {
  const code = ['import sys', "sys.path.insert(0, 'training')", ...lines].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** degraded_complete(dir, 5, weights) for each dir, in Python. */
function keptWith(dirs: string[], weights: Record<string, string[]> | null): boolean[] {
  return JSON.parse(python([
    'import json',
    'from make_vsr_pairs import degraded_complete',
    'w = json.loads(sys.argv[1])',
    'print(json.dumps([degraded_complete(d, 5, w) for d in sys.argv[2:]]))',
  ], JSON.stringify(weights), ...dirs)) as boolean[];
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
    const got = python([
      'import json',
      'from make_vsr_pairs import degraded_complete',
      'print(json.dumps([degraded_complete(d, 5) for d in sys.argv[1:]]))',
    ], ...cases.map(([d]) => d));
    expect(JSON.parse(got)).toEqual(cases.map(([, keep]) => keep));
  });
});

describe('make_vsr_pairs: reuse only what the VQGAN shipped now made', () => {
  const now = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  const before = ['d'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];   // an earlier encoder, same id

  it('keeps clips run.json says these weights made (and clips without VQD); redoes an earlier VQGAN\'s and unrecorded ones', () => {
    const anchored = { enabled: true, kBot: 20, anchorSigma: 3 };
    const cases: [string, boolean][] = [
      [clip('w-now', anchored, 5, { vqdModel: 'vqgan', vqdWeights: now }), true],
      [clip('w-before', anchored, 5, { vqdModel: 'vqgan', vqdWeights: before }), false],
      [clip('w-unrecorded', anchored, 5, { vqdModel: 'vqgan' }), false],
      [clip('w-no-vqd', { enabled: false }, 5, { vqdModel: null, vqdWeights: null }), true],
      [clip('w-pre-anchor', { enabled: true, kBot: 20 }, 5, { vqdModel: 'vqgan', vqdWeights: now }), false],
    ];
    expect(keptWith(cases.map(([d]) => d), { vqgan: now })).toEqual(cases.map(([, keep]) => keep));
    // without weights (no manifest to compare with) the older rule alone decides
    expect(keptWith(cases.map(([d]) => d), null)).toEqual([true, true, true, true, false]);
  });

  it('reads the weights from the models folder the CLI will load (its --models, else public/models)', () => {
    const models = join(tmp, 'models');
    mkdirSync(models);
    const file = (f: string, sha256: string) => ({ file: f, bytes: 1, sha256 });
    writeFileSync(join(models, 'manifest.json'), JSON.stringify({
      version: 1,
      models: {
        vqgan: { files: [file('vqgan.encoder.onnx', now[0]), file('vqgan.codebook.bin', now[2]), file('vqgan.decoder.onnx', now[1])] },
        vsr: { files: [file('vsr.step.onnx', 'e'.repeat(64))] },
      },
    }));
    const got = python([
      'import json',
      'from make_vsr_pairs import degrader_weights, models_dir',
      "print(json.dumps({'folder': models_dir(['--threads', '1', '--models', sys.argv[1]]),",
      "                  'default': models_dir(['--threads', '1']), 'weights': degrader_weights(sys.argv[1])}))",
    ], models);
    expect(JSON.parse(got)).toEqual({ folder: models, default: join(root, 'public', 'models'), weights: { vqgan: now } });
  });
});

describe('make_vsr_pairs.packed_frames', () => {
  it('encodes a clip once, reuses the cache, and encodes again after a frame changes', () => {
    const dir = join(tmp, 'packed');
    const got = python([
      'import json, os, time',
      'from PIL import Image',
      'from make_vsr_pairs import lossless_bytes, packed_frames',
      'd = sys.argv[1]',
      "cl = {'c': 0, 'hr': os.path.join(d, 'hr'), 'lr': os.path.join(d, 'lr')}",
      "os.makedirs(cl['hr']); os.makedirs(cl['lr'])",
      'def write(k, i, side, v):',
      "    Image.new('RGB', (side, side), (v, 2 * i, 255 - v)).save(os.path.join(cl[k], f'{i:05d}.png'))",
      'for i in range(3):',
      "    write('hr', i, 16, 10 * i); write('lr', i, 4, 20 * i)",
      'want = lambda k, side: [lossless_bytes(Image.open(os.path.join(cl[k], f\'{i:05d}.png\')).convert(\'RGB\')) for i in range(3)]',
      'a = packed_frames(cl, 3, 4)',
      "first = a == (want('hr', 16), want('lr', 4))",
      "cache = os.path.join(d, 'packed.npz')",
      't1 = os.path.getmtime(cache)',
      'b = packed_frames(cl, 3, 4)',
      'reused = os.path.getmtime(cache) == t1',
      'time.sleep(0.05)',
      "write('lr', 1, 4, 99)",
      'c = packed_frames(cl, 3, 4)',
      "print(json.dumps({'first': first, 'reused': reused and b == a,",
      "                  'redone': os.path.getmtime(cache) > t1 and c == (want('hr', 16), want('lr', 4)) and c != a}))",
    ], dir);
    expect(JSON.parse(got)).toEqual({ first: true, reused: true, redone: true });
  });
});

describe('make_vsr_pairs --jobs', () => {
  it('two CLI processes and two encoders make the same pack, byte for byte, as one; a held-out shard alone packs with --clips 0 (real degrade CLI)', () => {
    // a held-out and a training shard of 32 px HR clips (2 frames), as make_user_clips.py writes them
    const shards = join(tmp, 'jobs-shards');
    mkdirSync(shards);
    python([
      'import numpy as np',
      'd = sys.argv[1]',
      'rng = np.random.default_rng(7)',
      'def shard(name, n, seed0):',
      '    y, x = np.mgrid[0:32, 0:32]',
      '    hr = np.zeros((n, 2, 32, 32, 3), np.uint8)',
      '    for j in range(n):',
      '        for t in range(2):',
      '            hr[j, t] = (((x + 3 * t + 5 * j) // 6 + y // 6) % 2)[..., None] * rng.integers(40, 255, 3)',
      "    np.savez(f'{d}/{name}.npz', hr=hr, kind=np.array(['cel'] * n), seed=np.arange(seed0, seed0 + n))",
      "shard('heldout_000', 2, 3_000_000)",
      "shard('shard_0000', 3, 5_000_000)",
    ], shards);
    const packs: Record<string, string> = {};
    for (const jobs of [1, 2]) {
      const out = join(tmp, `jobs${jobs}.npz`);
      const r = spawnSync('/usr/bin/python3', ['training/make_vsr_pairs.py', '--from-shards', shards, '--clips', '3', '--size', '32',
        '--work', join(tmp, `jobs-work${jobs}`), '--out', out, '--jobs', String(jobs), '--degrade-args', '--threads 1'],
      { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/wrote .*: 5 clips x 2 frames \(2 held-out\)/);
      packs[jobs] = out;
    }
    const got = JSON.parse(python([
      'import json, numpy as np',
      'a, b = np.load(sys.argv[1]), np.load(sys.argv[2])',
      "keys = ('blob', 'hr_off', 'lr_off', 'heldout', 'kind', 'params')",
      "print(json.dumps({'same': all(np.array_equal(a[k], b[k]) for k in keys), 'bytes': int(a['blob'].size)}))",
    ], packs[1], packs[2])) as { same: boolean; bytes: number };
    expect(got.bytes).toBeGreaterThan(0);
    expect(got.same).toBe(true);
    // A held-out shard alone (the router's sets, training/fresh_data.sh) packs with --clips 0: its frame count
    // comes from the held-out shard, no training shard needed; the degraded clips of the run above are reused.
    const heldOnly = join(tmp, 'held-only');
    mkdirSync(heldOnly);
    symlinkSync(join(shards, 'heldout_000.npz'), join(heldOnly, 'heldout_000.npz'));
    const r = spawnSync('/usr/bin/python3', ['training/make_vsr_pairs.py', '--from-shards', heldOnly, '--clips', '0', '--size', '32',
      '--work', join(tmp, 'jobs-work1'), '--out', join(tmp, 'held.npz'), '--reuse-degraded', '--degrade-args', '--threads 1'],
    { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reusing 2 degraded clips/);
    expect(r.stdout).toMatch(/wrote .*: 2 clips x 2 frames \(2 held-out\)/);
  }, 120_000);
});
