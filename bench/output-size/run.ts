/**
 * `npm run bench output-size` (issue 14.2, 14.3): which way to make ×2 / ×3 outputs, and whether
 * "enhance" (restore at 1×) helps, measured on the quality benchmark's held-out clips
 * (.cache/quality-set, bench/quality/evalset.ts; read only, the set is not changed here).
 *
 * ×2 and ×3 (the LR input of each clip in two conditions: clean = the set's Pillow bicubic ×1/4,
 * web = that through libx264 crf 28 as bench/quality/conditions.ts makes it). Reference: the HR
 * frames shrunk to N/4 of their size with antialiased bicubic (a = −0.5, PIL's, the filter the set
 * used for its LR). Methods:
 *   bicubic ×N, lanczos3 ×N          interpolation of the LR
 *   net×4 → <filter> ÷(4/N)           the net at the input size, its ×4 shrunk (lanczos3, bicubic-aa, area)
 *   lanczos3 pre-shrink → net×4       the input shrunk to N/4 first, the net's ×4 is the output
 * Enhance (restore at 1×): the HR frames themselves through libx264 crf 28 at their own size (as
 * the web condition does to the LR), then <filter> ×1/4 → net ×4 back to the HR size; scored
 * against the clean HR, next to the degraded frames themselves (the dB gain is what enhance buys)
 * and to the same round trip with bicubic instead of the net; also after a harsher crf 38, and on
 * the clean HR (what the round trip costs on a clip that needs no repair).
 *
 * Scores: PSNR-Y and SSIM-Y (src/metrics, 4 px border dropped, outputs quantised to 8 bits as a
 * written file would be), mean over frames, then over clips.
 *
 * Environment: OUTSIZE_CLIPS (comma list of name parts; default one clip of each kind),
 * OUTSIZE_FRAMES (frames per clip, default 4), OUTSIZE_MODELS (default vsr,vsr-restore),
 * OUTSIZE_THREADS (ORT threads, default 1: the machine is shared), OUTSIZE_MD (markdown path,
 * default bench/results/output-size-latest.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageF32 } from '../../src/core/image.ts';
import { quantizeImage } from '../../src/core/pixels.ts';
import { psnrY } from '../../src/metrics/psnr.ts';
import { ssimY } from '../../src/metrics/ssim.ts';
import { resizeCpu } from '../../src/pipeline/resize/resize-cpu.ts';
import type { ResampleFilter, ResizeOptions } from '../../src/pipeline/resize/options.ts';
import { upscaleClipCpu } from '../../src/pipeline/vsr/vsr-cpu.ts';
import { createVsrNode, type VsrNode } from '../../src/pipeline/vsr/vsr-node.ts';
import { getFfmpeg } from '../../src/media/ffmpeg-node.ts';
import { WEB_CODEC, webCondition } from '../quality/conditions.ts';
import { ensureEvalSet, loadEvalSet, readFrames, type EvalClip } from '../quality/evalset.ts';

const BORDER = 4;
const DEFAULT_CLIPS = ['01-svg', '04-soft', '06-clipart', '09-cel', '11-text'];

type Filter = { name: string; method: ResampleFilter; opts: ResizeOptions };
const LANCZOS: Filter = { name: 'lanczos3', method: 'lanczos3', opts: {} };
const BICUBIC_AA: Filter = { name: 'bicubic-aa', method: 'bicubic', opts: { antialias: true } };
const AREA: Filter = { name: 'area', method: 'area', opts: {} };
const SHRINK_FILTERS = [LANCZOS, BICUBIC_AA, AREA];

export interface OutputSizeOptions {
  root: string;
  clips?: string[];
  frames?: number;
  models?: string[];
  threads?: number;
  mdPath?: string;
  log?: (s: string) => void;
}

export function optionsFromEnv(root: string): OutputSizeOptions {
  const list = (v?: string) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  return {
    root,
    clips: list(process.env.OUTSIZE_CLIPS),
    frames: process.env.OUTSIZE_FRAMES ? Number(process.env.OUTSIZE_FRAMES) : undefined,
    models: list(process.env.OUTSIZE_MODELS),
    threads: process.env.OUTSIZE_THREADS ? Number(process.env.OUTSIZE_THREADS) : undefined,
    mdPath: process.env.OUTSIZE_MD,
  };
}

interface Score {
  psnr_y: number;
  ssim_y: number;
}

function score(out: readonly ImageF32[], ref: readonly ImageF32[]): Score {
  if (out.length !== ref.length) throw new Error(`${out.length} frames scored against ${ref.length}`);
  const o = { cropBorder: BORDER };
  let p = 0;
  let s = 0;
  out.forEach((f, i) => {
    if (f.width !== ref[i].width || f.height !== ref[i].height) throw new Error(`frame ${f.width}×${f.height} scored against ${ref[i].width}×${ref[i].height}`);
    const q = quantizeImage(f);
    p += psnrY(q, ref[i], o);
    s += ssimY(q, ref[i], o);
  });
  return { psnr_y: p / out.length, ssim_y: s / out.length };
}

const resize = (frames: readonly ImageF32[], w: number, h: number, f: Filter) => frames.map((x) => resizeCpu(x, w, h, f.method, f.opts));

/** Frames through libx264 at `crf` and back (native ffmpeg; the web condition's settings otherwise). */
async function x264(frames: readonly ImageF32[], crf: number): Promise<ImageF32[]> {
  const rt = (await getFfmpeg('native')).roundTrip(frames, { ...WEB_CODEC, crf });
  const out: ImageF32[] = [];
  for await (const f of rt.frames) out.push(f);
  await rt.stats;
  if (out.length !== frames.length) throw new Error(`x264 crf ${crf}: ${frames.length} frames in, ${out.length} out`);
  return out;
}

async function net(vsr: VsrNode, frames: readonly ImageF32[]): Promise<ImageF32[]> {
  const out: ImageF32[] = [];
  for await (const f of upscaleClipCpu(vsr.sequence(frames[0].width, frames[0].height), frames)) out.push(f);
  return out;
}

/** rows[table][method][clip] = score */
type Table = Record<string, Record<string, Score>>;

export async function runOutputSize(o: OutputSizeOptions) {
  const log = o.log ?? ((s: string) => console.log(s));
  const setDir = path.join(o.root, '.cache', 'quality-set');
  ensureEvalSet(setDir, o.root, log);
  const set = loadEvalSet(setDir);
  const want = o.clips ?? DEFAULT_CLIPS;
  const clips: EvalClip[] = set.clips.filter((c) => want.some((w) => c.name.includes(w)));
  if (!clips.length) throw new Error(`no clip of ${setDir} matches ${want.join(', ')}`);
  const nFrames = o.frames ?? 4;
  const modelIds = o.models ?? ['vsr', 'vsr-restore'];
  const vsrs = new Map<string, VsrNode>();
  for (const id of modelIds) vsrs.set(id, await createVsrNode({ modelId: id, threads: o.threads ?? 1 }));

  const tables: Record<string, Table> = {};
  const put = (table: string, method: string, clip: string, s: Score) => {
    ((tables[table] ??= {})[method] ??= {})[clip] = s;
  };
  const t0 = performance.now();

  for (const clip of clips) {
    const hr = readFrames(clip.hrDir).slice(0, nFrames);
    const clean = readFrames(clip.cleanDir).slice(0, nFrames);
    const web = await webCondition(clean);
    const { width: lw, height: lh } = clean[0];
    log(`output-size: ${clip.name} (LR ${lw}×${lh}, ${hr.length} frames)`);

    // ×2 and ×3 from the LR, both conditions.
    for (const [cond, lr] of [['clean', clean], ['web', web]] as const) {
      const x4: Record<string, ImageF32[]> = {};
      for (const [id, vsr] of vsrs) x4[id] = await net(vsr, lr);
      for (const n of [2, 3]) {
        const W = n * lw;
        const H = n * lh;
        const ref = resize(hr, W, H, BICUBIC_AA);
        const table = `x${n} ${cond}`;
        put(table, 'bicubic ×N', clip.name, score(resize(lr, W, H, { name: 'bicubic', method: 'bicubic', opts: {} }), ref));
        put(table, 'lanczos3 ×N', clip.name, score(resize(lr, W, H, LANCZOS), ref));
        for (const [id, vsr] of vsrs) {
          for (const f of SHRINK_FILTERS) put(table, `${id} ×4 → ${f.name}`, clip.name, score(resize(x4[id], W, H, f), ref));
          // Pre-shrink: the input to round(N/4 · size), the net's ×4, resampled to W×H where that is off by the rounding.
          const pw = Math.round((n * lw) / 4);
          const ph = Math.round((n * lh) / 4);
          const up = await net(vsr, resize(lr, pw, ph, LANCZOS));
          const fixed = up[0].width === W && up[0].height === H ? up : resize(up, W, H, LANCZOS);
          put(table, `lanczos3 pre-shrink → ${id} ×4`, clip.name, score(fixed, ref));
        }
      }
    }

    // Enhance at 1×: the HR at its own size through x264 crf 28 (the web condition's codec), a
    // harsher crf 38, and clean (nothing to repair: what the round trip costs).
    const { width: hw, height: hh } = hr[0];
    const enhanceInputs: [string, ImageF32[]][] = [
      ['web (x264 crf 28 at HR size)', await webCondition(hr)],
      ['x264 crf 38 at HR size', await x264(hr, 38)],
      ['clean HR', hr],
    ];
    for (const [cond, input] of enhanceInputs) {
      const table = `enhance ${cond}`;
      if (input !== hr) put(table, 'input as it is', clip.name, score(input, hr));
      for (const f of SHRINK_FILTERS) {
        const small = resize(input, Math.round(hw / 4), Math.round(hh / 4), f);
        put(table, `${f.name} ÷4 → bicubic ×4`, clip.name, score(resize(small, hw, hh, { name: 'bicubic', method: 'bicubic', opts: {} }), hr));
        for (const [id, vsr] of vsrs) put(table, `${f.name} ÷4 → ${id} ×4`, clip.name, score(await net(vsr, small), hr));
      }
    }
  }

  // Means over clips, and the gain of each method over the table's first row.
  const summary: Record<string, { method: string; psnr_y: number; ssim_y: number; gain_db: number; worst_gain_db: number }[]> = {};
  for (const [table, methods] of Object.entries(tables)) {
    const base = Object.values(methods)[0];
    summary[table] = Object.entries(methods).map(([method, byClip]) => {
      const names = Object.keys(byClip);
      const gains = names.map((c) => byClip[c].psnr_y - base[c].psnr_y);
      return {
        method,
        psnr_y: mean(names.map((c) => byClip[c].psnr_y)),
        ssim_y: mean(names.map((c) => byClip[c].ssim_y)),
        gain_db: mean(gains),
        worst_gain_db: Math.min(...gains),
      };
    });
  }
  const result = {
    clips: clips.map((c) => c.name),
    framesPerClip: nFrames,
    models: modelIds,
    seconds: (performance.now() - t0) / 1000,
    reference: 'x2/x3: HR shrunk to N/4 with antialiased bicubic (PIL); enhance: the clean HR',
    summary,
    perClip: tables,
  };
  const md = markdown(result);
  const mdPath = o.mdPath ?? path.join(o.root, 'bench', 'results', 'output-size-latest.md');
  mkdirSync(path.dirname(mdPath), { recursive: true });
  writeFileSync(mdPath, md);
  log(md);
  return result;
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function markdown(r: { clips: string[]; framesPerClip: number; seconds: number; summary: Record<string, { method: string; psnr_y: number; ssim_y: number; gain_db: number; worst_gain_db: number }[]> }): string {
  const lines = [
    '# Output sizes and enhance at 1× (bench/output-size, issue 14)',
    '',
    `${r.clips.length} held-out clips (${r.clips.join(', ')}), ${r.framesPerClip} frames each; ${r.seconds.toFixed(0)} s. ` +
      'PSNR-Y / SSIM-Y, 4 px border dropped; gain = mean over clips of the PSNR-Y difference to the first row; worst = the lowest such difference of a clip.',
    '',
  ];
  for (const [table, rows] of Object.entries(r.summary)) {
    lines.push(`## ${table}`, '', '| method | PSNR-Y | SSIM-Y | gain dB | worst clip dB |', '|---|---:|---:|---:|---:|');
    for (const x of rows) lines.push(`| ${x.method} | ${x.psnr_y.toFixed(2)} | ${x.ssim_y.toFixed(4)} | ${x.gain_db >= 0 ? '+' : ''}${x.gain_db.toFixed(2)} | ${x.worst_gain_db >= 0 ? '+' : ''}${x.worst_gain_db.toFixed(2)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
