/**
 * What the trainer's tests share: running Debian's python3 in the repository root (a non-zero exit fails
 * the test with python's stderr) and a tiny stand-in VSR pack.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PY = '/usr/bin/python3';

/** `python3 ...args` in ROOT; its stdout once it has exited 0. */
export function runPython(args: string[]): string {
  const r = spawnSync(PY, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** `python3 -c script ...args` whose stdout is one JSON value. */
export function pythonJson<T>(script: string, ...args: string[]): T {
  return JSON.parse(runPython(['-c', script, ...args])) as T;
}

/**
 * A tiny stand-in VSR pack for the trainer's tests (python source; argv[1] = the .npz to write), in
 * make_vsr_pairs.py's layout. Never for shipping: its meta says stand_in, so train_vsr.py needs
 * --allow-stand-in to take it. 6 clips (2 held out) of 3 frames, 64 px HR; LR is PIL bicubic x1/4, the
 * 'web' LR PIL bilinear x1/4 (as make_vsr_pairs.py packs a shard's web-quality LR).
 */
export const MAKE_STAND_IN_PACK = [
  'import io, json, sys',
  'import numpy as np',
  "sys.path.insert(0, 'training')",
  'from clipgen import procedural_clip',
  'blob, hr_off, lr_off, web_off = bytearray(), [], [], []',
  'def put(img):',
  '    b = io.BytesIO(); img.save(b, format="WEBP", lossless=True); o = len(blob); blob.extend(b.getvalue())',
  '    return (o, len(b.getvalue()))',
  'for c in range(6):',
  '    fr = procedural_clip(100 + c, 3, 64, ss=1)',
  '    hr_off.append([put(f) for f in fr]); lr_off.append([put(f.resize((16, 16), 3)) for f in fr])',
  '    web_off.append([put(f.resize((16, 16), 2)) for f in fr])',
  'meta = {"frames": 3, "hr_size": 64, "scale": 4, "stand_in": True, "degrade": "test"}',
  'np.savez(sys.argv[1], blob=np.frombuffer(bytes(blob), dtype=np.uint8), hr_off=np.array(hr_off, dtype=np.int64),',
  '         lr_off=np.array(lr_off, dtype=np.int64), web_off=np.array(web_off, dtype=np.int64),',
  '         web_desc=np.array(["bilinear"] * 6), heldout=np.array([c % 3 == 2 for c in range(6)]),',
  '         kind=np.array(["procedural"] * 6), params=np.array(["{}"] * 6), meta=np.array(json.dumps(meta)))',
].join('\n');
