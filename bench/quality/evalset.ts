/**
 * The quality benchmark's held-out clips: made by training/make_eval_set.py (Python, Pillow) into
 * .cache/quality-set/, read here and checked against the sha256 sums of its set.json, so a
 * half-written or edited set never yields numbers.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ImageF32 } from '../../src/core/image.ts';
import { decodePng } from '../../src/cli/png.ts';

export interface SetClip {
  name: string;
  kind: string;
  seed: number;
  width: number;
  height: number;
  lr_width: number;
  lr_height: number;
  frames: number;
  crop_xy?: [number, number];
  hr_sha256: string[];
  clean_sha256: string[];
}

export interface SetMeta {
  version: number;
  maker: string;
  scale: number;
  frames_per_clip: number;
  split: string;
  clean: string;
  set_sha256: string;
  clips: SetClip[];
  [k: string]: unknown;
}

export interface EvalClip extends SetClip {
  hrDir: string;
  cleanDir: string;
}

export interface EvalSet {
  dir: string;
  meta: SetMeta;
  clips: EvalClip[];
}

/** Runs the set maker when set.json is missing (the maker fetches its art packages itself). */
export function ensureEvalSet(dir: string, root: string, log: (s: string) => void): void {
  if (existsSync(path.join(dir, 'set.json'))) return;
  const python = process.env.QUALITY_PYTHON || '/usr/bin/python3';
  log(`quality: making the evaluation set (${python} training/make_eval_set.py --out ${dir}) …`);
  const r = spawnSync(python, ['training/make_eval_set.py', '--out', dir], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`training/make_eval_set.py failed (exit ${r.status ?? r.signal}); see its output above`);
  if (!existsSync(path.join(dir, 'set.json'))) throw new Error(`training/make_eval_set.py wrote no ${dir}/set.json`);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Reads set.json and checks every frame's sha256 (throws naming the first file that differs). */
export function loadEvalSet(dir: string): EvalSet {
  const meta = JSON.parse(readFileSync(path.join(dir, 'set.json'), 'utf8')) as SetMeta;
  const clips = meta.clips.map((c) => {
    const clip: EvalClip = { ...c, hrDir: path.join(dir, c.name, 'hr'), cleanDir: path.join(dir, c.name, 'clean') };
    for (const [sub, sums] of [['hr', c.hr_sha256], ['clean', c.clean_sha256]] as const) {
      const files = frameFiles(path.join(dir, c.name, sub));
      if (files.length !== sums.length) throw new Error(`${c.name}/${sub}: ${files.length} frames, set.json lists ${sums.length} (rebuild: training/make_eval_set.py --force)`);
      files.forEach((f, i) => {
        if (sha256(readFileSync(f)) !== sums[i]) throw new Error(`${f} does not match set.json (rebuild: training/make_eval_set.py --force)`);
      });
    }
    return clip;
  });
  return { dir, meta, clips };
}

/** NNNNN.png frames of a folder, in order. */
export function frameFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d{5,}\.png$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function readFrames(dir: string): ImageF32[] {
  return frameFiles(dir).map((f) => decodePng(readFileSync(f)));
}
