/**
 * The quality benchmark's held-out clips: made by training/make_eval_set.py (Python, Pillow) into
 * .cache/quality-set/, read here and checked against the sha256 sums of its set.json, so a
 * half-written or edited set never yields numbers. The set's identity in results is its pixel
 * digest (sha256 over every frame's size and 8-bit RGB), computed here from the decoded frames: two
 * machines' PNG files may differ byte for byte (another zlib) while their pixels, and so their
 * numbers, agree.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { toRgb24, type ImageF32 } from '../../src/core/image.ts';
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
  /** Version 2 sets: pixelDigest of every frame (older sets have only the file sums). */
  hr_pixels_sha256?: string[];
  clean_pixels_sha256?: string[];
}

export interface SetMeta {
  version: number;
  maker: string;
  scale: number;
  frames_per_clip: number;
  split: string;
  clean: string;
  set_sha256: string;
  /** Version 2 sets: sha256 over the frames' pixel digests (clip by clip, hr then clean). */
  pixels_sha256?: string;
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
  /** sha256 over every frame's pixelDigest, clip by clip, hr then clean: what results quote. */
  pixelsSha256: string;
}

/**
 * Runs the set maker, which returns at once when set.json was made from its current clip list and
 * (re)builds the set otherwise — missing, or made before clips were added (the maker fetches its art
 * packages itself). Asking the maker rather than testing for set.json keeps the clip list in one place.
 */
export function ensureEvalSet(dir: string, root: string, log: (s: string) => void): void {
  const python = process.env.QUALITY_PYTHON || '/usr/bin/python3';
  log(`quality: checking the evaluation set (${python} training/make_eval_set.py --out ${dir}) …`);
  const r = spawnSync(python, ['training/make_eval_set.py', '--out', dir], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`training/make_eval_set.py failed (exit ${r.status ?? r.signal}); see its output above`);
  if (!existsSync(path.join(dir, 'set.json'))) throw new Error(`training/make_eval_set.py wrote no ${dir}/set.json`);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** sha256 over "WxH:" and the frame's 8-bit RGB pixels, row-major (make_eval_set.py's pixel_digest). */
export function pixelDigest(f: ImageF32): string {
  return createHash('sha256').update(`${f.width}x${f.height}:`).update(toRgb24(f)).digest('hex');
}

/**
 * Reads set.json, checks every frame file's sha256 and (version 2 sets) every frame's pixel digest,
 * throwing on the first that differs, and computes the set's pixel digest.
 */
export function loadEvalSet(dir: string): EvalSet {
  const meta = JSON.parse(readFileSync(path.join(dir, 'set.json'), 'utf8')) as SetMeta;
  const rebuild = '(rebuild: training/make_eval_set.py --force)';
  const pixels = createHash('sha256');
  const clips = meta.clips.map((c) => {
    const clip: EvalClip = { ...c, hrDir: path.join(dir, c.name, 'hr'), cleanDir: path.join(dir, c.name, 'clean') };
    const subs = [['hr', c.hr_sha256, c.hr_pixels_sha256], ['clean', c.clean_sha256, c.clean_pixels_sha256]] as const;
    for (const [sub, sums, pixelSums] of subs) {
      const files = frameFiles(path.join(dir, c.name, sub));
      if (files.length !== sums.length) throw new Error(`${c.name}/${sub}: ${files.length} frames, set.json lists ${sums.length} ${rebuild}`);
      files.forEach((f, i) => {
        const bytes = readFileSync(f);
        if (sha256(bytes) !== sums[i]) throw new Error(`${f} does not match set.json ${rebuild}`);
        const key = pixelDigest(decodePng(bytes));
        if (pixelSums && pixelSums[i] !== key) throw new Error(`${f}: its pixels do not match set.json ${rebuild}`);
        pixels.update(key);
      });
    }
    return clip;
  });
  const pixelsSha256 = pixels.digest('hex');
  if (meta.pixels_sha256 !== undefined && meta.pixels_sha256 !== pixelsSha256) {
    throw new Error(`${dir}: the frames' pixel digest ${pixelsSha256.slice(0, 16)}… is not set.json's ${meta.pixels_sha256.slice(0, 16)}… ${rebuild}`);
  }
  return { dir, meta, clips, pixelsSha256 };
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
