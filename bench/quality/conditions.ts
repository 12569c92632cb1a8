/**
 * The benchmark's three input conditions (LR clips, ×1/4 of the HR clips):
 *
 * - clean: Pillow's antialiased bicubic ×1/4, made with the set (training/make_eval_set.py);
 * - web:   the clean clip through the app's own FFmpeg stage (src/media/ffmpeg-node.ts with
 *          Debian's native ffmpeg): libx264 crf 28, yuv420p, profile high, preset medium, 25 fps,
 *          -threads 1 and cpu-independent=1 (bit-exact), encoded from RGB by swscale (bicubic+accurate_rnd+bitexact),
 *          decoded back to raw yuv420p and converted by src/media/yuv.ts (exact YUV → RGB, as every decode path does);
 * - paper: `node bin/vqdsr.mjs degrade --batch` with `--random` and per clip `seed` = the clip's
 *          seed: the paper's whole pipeline (blur, noise, ×1/4, VQD, x264) drawn from its training
 *          distribution. A batch writes exactly what separate `degrade <hr> <lr> --random --seed S`
 *          runs write (docs/cli.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageF32 } from '../../src/core/image.ts';
import { writePng } from '../../src/cli/png.ts';
import { getFfmpeg, type CodecOptions } from '../../src/media/ffmpeg-node.ts';
import { frameFiles } from './evalset.ts';

export type ConditionId = 'clean' | 'web' | 'paper';
export const CONDITIONS: readonly ConditionId[] = ['clean', 'web', 'paper'];

export const WEB_CODEC: CodecOptions = { codec: 'libx264', crf: 28, qscale: 4, profile: 'high', fps: 25 };

export const CONDITION_TEXT: Record<ConditionId, string> = {
  clean: 'HR ×1/4 with Pillow Image.resize(BICUBIC): antialiased bicubic, a = −0.5 (made by training/make_eval_set.py)',
  web:
    'clean LR → the app’s FFmpeg stage with Debian’s native ffmpeg: libx264 crf 28, yuv420p, profile high, ' +
    'preset medium, 25 fps, -threads 1, cpu-independent=1; RGB → yuv420p by swscale bicubic+accurate_rnd+bitexact; decoded back to yuv420p and converted to RGB by src/media/yuv.ts (exact, rounded half up)',
  paper: 'HR → node bin/vqdsr.mjs degrade --batch --random, seed = the clip’s seed (blur, noise, ×1/4, VQD, x264 from the paper’s distribution)',
};

/** The web condition of one clip: its clean LR frames through libx264 crf 28 and back (native ffmpeg). */
export async function webCondition(clean: readonly ImageF32[]): Promise<ImageF32[]> {
  const ff = await getFfmpeg('native');
  const rt = ff.roundTrip(clean, WEB_CODEC);
  const out: ImageF32[] = [];
  for await (const f of rt.frames) out.push(f);
  await rt.stats;
  if (out.length !== clean.length) throw new Error(`web condition: ${clean.length} frames in, ${out.length} out`);
  return out;
}

/** Writes frames as 00000.png, 00001.png, … (replacing any NNNNN.png already there). */
export function writeFrames(dir: string, frames: readonly ImageF32[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^\d{5,}\.png$/.test(f)) rmSync(path.join(dir, f));
  frames.forEach((f, i) => writePng(path.join(dir, `${String(i).padStart(5, '0')}.png`), f));
}

export interface PaperJob {
  name: string;
  hrDir: string;
  outDir: string;
  seed: number;
  frames: number;
}

/**
 * The fields of a params.json (written by `vqdsr degrade`) that the summary names. Read from
 * disk, so every field is optional and a number may come as a string: the summary prints
 * what is there and '?' for what is not.
 */
export interface DrawnParams {
  blur?: { kind?: string; sigmaX?: number | string; sigmaY?: number | string };
  noise?: { kind?: string; gray?: boolean; sigma?: number | string };
  down?: { method?: string; factor?: number };
  vqd?: { enabled?: boolean; kTop?: number; kMid?: number; kBot?: number };
  compress?: { codec?: string; crf?: number; profile?: string; qscale?: number };
  seed?: number;
}

/** What was drawn for a clip (from the params.json the CLI wrote), in a few words. */
export function describeParams(p: DrawnParams): string {
  const b = p.blur ?? {};
  const blur = b.kind === 'none' ? 'no blur' : b.kind === 'iso' ? `iso blur σ ${(+(b.sigmaX ?? NaN)).toFixed(2)}` : `${b.kind ?? '?'} blur σ ${(+(b.sigmaX ?? NaN)).toFixed(2)}/${(+(b.sigmaY ?? NaN)).toFixed(2)}`;
  const n = p.noise ?? {};
  const noise = n.kind === 'none' ? 'no noise' : n.kind === 'gaussian' ? `${n.gray ? 'grey' : 'colour'} noise σ ${(+(n.sigma ?? NaN)).toFixed(1)}` : `${n.kind ?? '?'} noise`;
  const v = p.vqd ?? {};
  const vqd = v.enabled ? `VQD k ${v.kTop ?? '?'}/${v.kMid ?? '?'}/${v.kBot ?? '?'}` : 'no VQD';
  const c = p.compress ?? {};
  const codec = c.codec === 'libx264' ? `x264 crf ${c.crf ?? '?'} ${c.profile ?? '?'}` : c.codec === 'none' ? 'no codec' : `${c.codec ?? '?'} q ${c.qscale ?? '?'}`;
  return `${blur}, ${noise}, ${p.down?.method ?? '?'} ×1/${p.down?.factor ?? '?'}, ${vqd}, ${codec}`;
}

/**
 * sha256 over what decides the paper condition's pixels: the clips and seeds, the degrade code
 * (src/ without tests and benches, bin/vqdsr.mjs), the VQGAN's files and the package lock. When it matches
 * the key stored beside the frames of a previous run, those frames are reused.
 */
export function paperKey(root: string, jobs: readonly PaperJob[], setSha: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ setSha, jobs: jobs.map((j) => [j.name, j.seed, j.frames]) }));
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.(test|gputest|browsertest|bench)\.ts$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, 'src'));
  files.push(path.join(root, 'bin', 'vqdsr.mjs'), path.join(root, 'package-lock.json'));
  // The degrade CLI uses the VQGAN's files, not the VSR steps, the manifest's other entries or the card:
  // shipping a VSR model must not force the paper condition to be made again.
  const models = path.join(root, 'public', 'models');
  for (const f of readdirSync(models).sort()) {
    if (/\.step\.onnx$|^manifest\.json$|\.md$/.test(f) || !statSync(path.join(models, f)).isFile()) continue;
    files.push(path.join(models, f));
  }
  for (const f of files.sort()) h.update(path.relative(root, f)).update(readFileSync(f));
  return h.digest('hex');
}

/**
 * The paper condition for every clip: one `vqdsr degrade --batch` call (start-up paid once), or the
 * frames of a previous run whose key (paperKey) matches. Returns the params.json of each clip.
 */
export function paperCondition(root: string, workDir: string, jobs: readonly PaperJob[], setSha: string, log: (s: string) => void): { reused: boolean; params: Record<string, DrawnParams> } {
  const key = paperKey(root, jobs, setSha);
  const keyFile = path.join(workDir, 'paper.key');
  const complete = () => jobs.every((j) => existsSync(path.join(j.outDir, 'params.json')) && frameFiles(j.outDir).length === j.frames);
  const reused = existsSync(keyFile) && readFileSync(keyFile, 'utf8').trim() === key && complete();
  if (!reused) {
    rmSync(keyFile, { force: true });
    mkdirSync(workDir, { recursive: true });
    const list = path.join(workDir, 'paper-batch.json');
    writeFileSync(list, JSON.stringify(jobs.map((j) => ({ input: j.hrDir, output: j.outDir, seed: j.seed })), null, 1));
    log(`quality: paper condition: node bin/vqdsr.mjs degrade --batch ${path.relative(root, list)} --random --quiet (${jobs.length} clips) …`);
    const r = spawnSync(process.execPath, [path.join(root, 'bin', 'vqdsr.mjs'), 'degrade', '--batch', list, '--random', '--quiet'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`vqdsr degrade --batch failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
    if (!complete()) throw new Error('vqdsr degrade --batch did not write every clip');
    writeFileSync(keyFile, key);
  }
  const params: Record<string, DrawnParams> = {};
  for (const j of jobs) params[j.name] = JSON.parse(readFileSync(path.join(j.outDir, 'params.json'), 'utf8')) as DrawnParams;
  return { reused, params };
}
