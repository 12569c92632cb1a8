/**
 * The VQGAN part of `npm run bench quality` (issue 11: "k = 1 RGB PSNR ≥ 35 dB against its input on
 * held-out line art; PSNR falls monotonically in k").
 *
 * Input: the clean LR frames of every held-out clip (evalset.ts: Pillow bicubic ×1/4 of art never
 * trained on), which is what the degrader sees in the pipeline (it runs after Down).
 *
 * Degraders: every VQGAN in the manifest, and candidates (QUALITY_VQGAN_CANDIDATES="name=dir,…",
 * dir = a folder written by training/train_vqgan.py --export-dir, i.e. export_onnx.export_vqgan's
 * vqgan.encoder.onnx, vqgan.decoder.onnx, vqgan.codebook.bin, plus vqgan_summary.json when there).
 * A candidate's three files are copied into a models folder of its own under the work folder, with
 * a manifest.json of their sha256s (as training/build_manifest.py writes one), so the Node registry
 * checks them exactly as it checks shipped files, and a training run that rewrites its export
 * folder cannot swap the weights halfway through a measurement.
 *
 * Each frame runs through `createVqdNode` (the CLI's degrader: onnxruntime-node, the screened exact
 * k-th-nearest search, the default tile plan) and is rounded to 8 bits, as a user gets it. Every
 * degrader is scored twice: its own output (the VQGAN alone), and that output through the colour
 * anchor at the VQD stage's default σ (anchor-cpu.ts), which is what the pipeline's VQD stage gives. Scores
 * against the input frame, over the whole frame (no border dropped: the degrader keeps the frame
 * size and its tile plan pads the edges, so the edges are part of what it must reproduce):
 *   - k = 1 on every branch: RGB PSNR (one MSE over R, G, B; peak 255), PSNR-Y (BT.601), and the
 *     colour shift mean(out) − mean(in) per channel in 8-bit levels;
 *   - bottom-branch k ∈ VQGAN_K_SWEEP (top and middle k = 1): PSNR-Y, and whether it falls strictly
 *     at every step.
 * Per clip the frame scores are averaged; per model the clip scores are averaged.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { quantizeImage, type ImageF32 } from '../../src/core/image.ts';
import { colorShift } from '../../src/metrics/fidelity.ts';
import { psnrRgb, psnrY } from '../../src/metrics/psnr.ts';
import { listModels } from '../../src/models/kinds.ts';
import { parseManifest } from '../../src/models/manifest.ts';
import { createVqdNode } from '../../src/pipeline/vqd/vqd-node.ts';
import { anchorCpu } from '../../src/pipeline/vqd/anchor-cpu.ts';
import { VQD_ANCHOR_DEFAULT_SIGMA } from '../../src/pipeline/vqd/options.ts';
import type { EvalClip } from './evalset.ts';
import { mean } from './score.ts';

/** Bottom-branch k's of the sweep (as train_vqgan.py's K_SWEEP and the model card). */
export const VQGAN_K_SWEEP = [1, 10, 30, 50, 70] as const;
/** Issue 11's bar for the k = 1 reconstruction, RGB PSNR against the input. */
export const VQGAN_TARGET_DB = 35;
/** The files export_onnx.export_vqgan writes (and kinds.ts's VQGAN kind needs, by suffix). */
export const VQGAN_FILES = { encoder: 'vqgan.encoder.onnx', decoder: 'vqgan.decoder.onnx', codebook: 'vqgan.codebook.bin' } as const;
const CHANNELS = ['R', 'G', 'B'] as const;

export type Rgb = [number, number, number];

export interface VqganClipScore {
  frames: number;
  psnr_rgb_k1: number;
  psnr_y_k1: number;
  /** mean(out) − mean(in) per channel at k = 1, 8-bit levels, averaged over frames. */
  shift_rgb_k1: Rgb;
  /** PSNR-Y against the input per bottom k (top, mid 1), keyed by k. */
  psnr_y_vs_k: Record<string, number>;
  monotone: boolean;
}

export interface VqganSummary {
  clips: number;
  psnr_rgb_k1: number;
  psnr_y_k1: number;
  shift_rgb_k1: Rgb;
  max_abs_shift: { levels: number; clip: string; channel: 'R' | 'G' | 'B' };
  /** The clip with the lowest k = 1 RGB PSNR. */
  worst: { clip: string; psnr_rgb_k1: number };
  /** Mean over clips per bottom k. */
  psnr_y_vs_k: Record<string, number>;
  /** The mean curve falls strictly at every step. */
  monotone: boolean;
  clips_monotone: number;
  clips_below_target: number;
  /** Mean k = 1 RGB PSNR ≥ VQGAN_TARGET_DB. */
  pass_k1: boolean;
  /** pass_k1 and the mean curve monotone: issue 11's two conditions. */
  pass: boolean;
}

/** True when every value is strictly below the one before it (a flat step is not a fall). */
export function strictlyFalling(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || x < xs[i - 1]);
}

/**
 * Scores one clip: `inputs` its frames, `outsByK` the degrader's outputs per bottom k (k = 1 with
 * every branch at 1), each rounded to 8 bits here so callers cannot forget it.
 */
export function scoreVqganClip(inputs: readonly ImageF32[], outsByK: ReadonlyMap<number, readonly ImageF32[]>, ks: readonly number[] = VQGAN_K_SWEEP): VqganClipScore {
  if (ks[0] !== 1) throw new RangeError('the sweep must start at k = 1 (the fidelity measurement)');
  const outs = (k: number) => {
    const o = outsByK.get(k);
    if (!o || o.length !== inputs.length) throw new RangeError(`k = ${k}: ${o?.length ?? 0} output frames for ${inputs.length} inputs`);
    return o.map(quantizeImage);
  };
  const k1 = outs(1);
  const shift: Rgb = [0, 0, 0];
  k1.forEach((f, i) => colorShift(f, inputs[i]).forEach((v, c) => (shift[c] += v / k1.length)));
  const psnr_y_vs_k: Record<string, number> = {};
  for (const k of ks) psnr_y_vs_k[k] = mean((k === 1 ? k1 : outs(k)).map((f, i) => psnrY(f, inputs[i])));
  return {
    frames: inputs.length,
    psnr_rgb_k1: mean(k1.map((f, i) => psnrRgb(f, inputs[i]))),
    psnr_y_k1: psnr_y_vs_k[1],
    shift_rgb_k1: shift,
    psnr_y_vs_k,
    monotone: strictlyFalling(ks.map((k) => psnr_y_vs_k[k])),
  };
}

/** The largest |shift| of any clip and channel, signed as measured. */
export function largestShift(byClip: Record<string, { shift_rgb_k1: Rgb }>): VqganSummary['max_abs_shift'] {
  let best: VqganSummary['max_abs_shift'] = { levels: 0, clip: Object.keys(byClip)[0] ?? '', channel: 'R' };
  for (const [clip, s] of Object.entries(byClip)) {
    s.shift_rgb_k1.forEach((v, c) => {
      if (Math.abs(v) > Math.abs(best.levels)) best = { levels: v, clip, channel: CHANNELS[c] };
    });
  }
  return best;
}

export function summariseVqgan(byClip: Record<string, VqganClipScore>, ks: readonly number[] = VQGAN_K_SWEEP, targetDb = VQGAN_TARGET_DB): VqganSummary {
  const clips = Object.keys(byClip);
  if (!clips.length) throw new RangeError('no clip scores to summarise');
  const col = (f: (s: VqganClipScore) => number) => mean(clips.map((c) => f(byClip[c])));
  const worst = clips.reduce((a, c) => (byClip[c].psnr_rgb_k1 < byClip[a].psnr_rgb_k1 ? c : a));
  const curve = Object.fromEntries(ks.map((k) => [String(k), col((s) => s.psnr_y_vs_k[k])]));
  const monotone = strictlyFalling(ks.map((k) => curve[k]));
  const psnrRgbK1 = col((s) => s.psnr_rgb_k1);
  return {
    clips: clips.length,
    psnr_rgb_k1: psnrRgbK1,
    psnr_y_k1: col((s) => s.psnr_y_k1),
    shift_rgb_k1: [0, 1, 2].map((c) => col((s) => s.shift_rgb_k1[c])) as Rgb,
    max_abs_shift: largestShift(byClip),
    worst: { clip: worst, psnr_rgb_k1: byClip[worst].psnr_rgb_k1 },
    psnr_y_vs_k: curve,
    monotone,
    clips_monotone: clips.filter((c) => byClip[c].monotone).length,
    clips_below_target: clips.filter((c) => byClip[c].psnr_rgb_k1 < targetDb).length,
    pass_k1: psnrRgbK1 >= targetDb,
    pass: psnrRgbK1 >= targetDb && monotone,
  };
}

// --- the degraders ------------------------------------------------------------------------------

export interface VqganEntry {
  /** Column id: the manifest id (shipped) or the candidate's name. */
  id: string;
  kind: 'shipped' | 'candidate';
  /** Where createVqdNode reads it: a folder with manifest.json, and the id in it. */
  modelsDir: string;
  modelId: string;
  /** Where it came from, for the report. */
  source: string;
  sha256: { encoder: string; decoder: string; codebook: string };
  trained?: boolean;
  params?: number;
}

/** The manifest's VQGAN degraders (kinds.ts decides what is one), in manifest order. */
export function shippedVqganModels(modelsDir: string): VqganEntry[] {
  const where = path.join(modelsDir, 'manifest.json');
  const manifest = parseManifest(JSON.parse(readFileSync(where, 'utf8')), where);
  return listModels(manifest, 'vqgan').map((m) => ({
    id: m.id,
    kind: 'shipped',
    modelsDir,
    modelId: m.id,
    source: `${path.basename(modelsDir)}/${m.encoder.file}, ${m.decoder.file}, ${m.codebook.file}`,
    sha256: { encoder: m.encoder.sha256, decoder: m.decoder.sha256, codebook: m.codebook.sha256 },
    trained: m.trained,
    params: m.params,
  }));
}

export interface VqganCandidateSpec {
  name: string;
  dir: string;
}

/** Parses QUALITY_VQGAN_CANDIDATES: `name=dir` items separated by commas. */
export function parseVqganCandidates(text: string | undefined, reserved: readonly string[]): VqganCandidateSpec[] {
  if (!text?.trim()) return [];
  const seen = new Set<string>();
  return text.split(',').map((item) => {
    const m = /^\s*([A-Za-z0-9_.-]+)=(.+?)\s*$/.exec(item);
    if (!m) throw new Error(`QUALITY_VQGAN_CANDIDATES: '${item}' is not name=path/to/export-dir`);
    const [, name, dir] = m;
    if (reserved.includes(name) || seen.has(name)) throw new Error(`QUALITY_VQGAN_CANDIDATES: name '${name}' is taken (use another)`);
    seen.add(name);
    return { name, dir };
  });
}

/** Latent channels n_z of a VQGAN encoder: the second dimension of its first output (z_top). */
async function latentChannelsOf(file: string): Promise<number> {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(file);
  try {
    const z = s.outputMetadata[0];
    const nz = z?.isTensor ? z.shape[1] : undefined;
    if (typeof nz !== 'number' || !(nz > 0)) throw new Error(`${file}: its first output has no fixed channel count`);
    return nz;
  } finally {
    await s.release();
  }
}

function readSummary(dir: string): { trained?: boolean; params?: number; config?: Record<string, unknown> } {
  const p = path.join(dir, 'vqgan_summary.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ReturnType<typeof readSummary>) : {};
}

/**
 * A models folder for one export folder: its three files copied to `workDir/vqgan-candidates/<name>`
 * with a manifest.json (sha256 of the copies; codebook rows × cols from the encoder's n_z, so it does
 * not depend on the summary being there). The export folder itself is only read.
 */
export async function prepareVqganCandidate(spec: VqganCandidateSpec, workDir: string): Promise<VqganEntry> {
  const missing = Object.values(VQGAN_FILES).filter((f) => !existsSync(path.join(spec.dir, f)));
  if (missing.length) throw new Error(`${spec.dir} has no ${missing.join(', ')} (an export folder of training/train_vqgan.py --export-dir)`);
  const dir = path.join(workDir, 'vqgan-candidates', spec.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const entry = (file: string) => {
    copyFileSync(path.join(spec.dir, file), path.join(dir, file));
    const bytes = readFileSync(path.join(dir, file)); // hash the copy: what the registry will check
    return { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const [enc, dec, cb] = [entry(VQGAN_FILES.encoder), entry(VQGAN_FILES.decoder), entry(VQGAN_FILES.codebook)];
  const nz = await latentChannelsOf(path.join(dir, VQGAN_FILES.encoder));
  if (cb.bytes % (4 * nz)) throw new Error(`${spec.dir}/${cb.file}: ${cb.bytes} bytes is not a whole number of ${nz}-float codes`);
  const nCodes = cb.bytes / (4 * nz);
  const summary = readSummary(spec.dir);
  const manifest = {
    version: 1,
    models: {
      [spec.name]: {
        kind: `candidate VQGAN (${spec.dir})`,
        trained: summary.trained ?? true,
        config: { ...summary.config, n_codes: nCodes, n_z: nz },
        ...(summary.params === undefined ? {} : { params: summary.params }),
        files: [enc, { ...cb, layout: { rows: nCodes, cols: nz, dtype: 'float32', endianness: 'little', order: 'row-major, one code per row' } }, dec],
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return {
    id: spec.name,
    kind: 'candidate',
    modelsDir: dir,
    modelId: spec.name,
    source: spec.dir,
    sha256: { encoder: enc.sha256, decoder: dec.sha256, codebook: cb.sha256 },
    trained: summary.trained,
    params: summary.params,
  };
}

// --- the run ------------------------------------------------------------------------------------

export interface VqganModelResult {
  id: string;
  /** The colour anchor's σ applied after the VQGAN (the VQD stage's default); absent: the VQGAN alone. */
  anchor_sigma?: number;
  kind: 'shipped' | 'candidate';
  source: string;
  sha256?: VqganEntry['sha256'];
  trained?: boolean;
  params?: number;
  /** Degrader runs (frames × k's). */
  runs: number;
  seconds: number;
  error?: string;
  summary?: VqganSummary;
  per_clip?: Record<string, VqganClipScore>;
}

export interface VqganResult {
  target_db: number;
  k_sweep: number[];
  definitions: Record<string, string>;
  models: VqganModelResult[];
}

/** The k's of one sweep point: bottom branch at k, the others at 1. */
const bottomK = (k: number) => ({ kTop: 1, kMid: 1, kBot: k });

/** Scores per clip of the VQGAN alone (`raw`) and of the VQD stage's output (`anchored`: + the colour anchor). */
async function measure(entry: VqganEntry, clips: readonly { name: string; frames: readonly ImageF32[] }[], log: (s: string) => void): Promise<{ raw: Record<string, VqganClipScore>; anchored: Record<string, VqganClipScore>; runs: number }> {
  const vqd = await createVqdNode({ modelsDir: entry.modelsDir, modelId: entry.modelId, threads: 2 });
  const raw: Record<string, VqganClipScore> = {};
  const anchored: Record<string, VqganClipScore> = {};
  let runs = 0;
  for (const c of clips) {
    log(`quality: vqgan ${entry.id} ${c.name} …`);
    const rawByK = new Map<number, ImageF32[]>();
    const anchoredByK = new Map<number, ImageF32[]>();
    for (const k of VQGAN_K_SWEEP) {
      const outs: ImageF32[] = [];
      for (const f of c.frames) outs.push(await vqd.run(f, bottomK(k)));
      rawByK.set(k, outs);
      anchoredByK.set(k, outs.map((o, i) => anchorCpu(c.frames[i], o, VQD_ANCHOR_DEFAULT_SIGMA)));
      runs += outs.length;
    }
    raw[c.name] = scoreVqganClip(c.frames, rawByK);
    anchored[c.name] = scoreVqganClip(c.frames, anchoredByK);
  }
  return { raw, anchored, runs };
}

export interface VqganRunOptions {
  modelsDir: string;
  workDir: string;
  clips: readonly EvalClip[];
  /** The clean LR frames per clip name (loaded once by the caller). */
  frames: ReadonlyMap<string, readonly ImageF32[]>;
  candidates?: string;
  log: (s: string) => void;
}

/** Every shipped VQGAN and candidate on every clip; a model that fails is reported, not fatal. */
export async function runVqgan(opts: VqganRunOptions): Promise<VqganResult> {
  const entries: VqganEntry[] = shippedVqganModels(opts.modelsDir);
  const results: VqganModelResult[] = [];
  for (const spec of parseVqganCandidates(opts.candidates, entries.map((e) => e.id))) {
    try {
      entries.push(await prepareVqganCandidate(spec, opts.workDir));
    } catch (e) {
      results.push({ id: spec.name, kind: 'candidate', source: spec.dir, runs: 0, seconds: 0, error: (e as Error).message });
    }
  }
  const clips = opts.clips.map((c) => ({ name: c.name, frames: opts.frames.get(c.name) ?? [] }));
  for (const e of entries) {
    const r: VqganModelResult = { id: e.id, kind: e.kind, source: e.source, sha256: e.sha256, trained: e.trained, params: e.params, runs: 0, seconds: 0 };
    const a: VqganModelResult = { ...r, id: `${e.id} + anchor σ ${VQD_ANCHOR_DEFAULT_SIGMA}`, anchor_sigma: VQD_ANCHOR_DEFAULT_SIGMA };
    const t = performance.now();
    try {
      const { raw, anchored, runs } = await measure(e, clips, opts.log);
      Object.assign(r, { runs, summary: summariseVqgan(raw), per_clip: raw });
      Object.assign(a, { runs, summary: summariseVqgan(anchored), per_clip: anchored });
    } catch (err) {
      r.error = a.error = (err as Error).message;
    }
    r.seconds = a.seconds = (performance.now() - t) / 1000;
    results.push(r, a);
  }
  return {
    target_db: VQGAN_TARGET_DB,
    k_sweep: [...VQGAN_K_SWEEP],
    definitions: {
      input: 'each held-out clip’s clean LR frames (Pillow bicubic ×1/4 of art never trained on), as PNG, 8-bit',
      run: 'createVqdNode (onnxruntime-node CPU, screened exact k-th-nearest search, default tiles), output rounded to 8 bits',
      anchor_sigma: `rows “+ anchor σ ${VQD_ANCHOR_DEFAULT_SIGMA}”: the same outputs through the colour anchor (src/pipeline/vqd/anchor-cpu.ts) at the VQD stage's default σ before rounding: what the pipeline's VQD stage gives; the other rows: the VQGAN alone`,
      border: 'none: the whole frame is scored',
      psnr_rgb_k1: 'k = 1 on every branch; one MSE over R, G, B, peak 255; per frame, averaged over frames, then clips',
      psnr_y_k1: 'k = 1; BT.601 Y (MATLAB rgb2ycbcr), peak 255; averaged as above',
      shift_rgb_k1: 'k = 1; mean(output) − mean(input) per channel R, G, B, 8-bit levels, averaged over frames',
      psnr_y_vs_k: 'PSNR-Y against the input with the bottom branch at the k-th nearest code, top and middle at k = 1',
      monotone: 'PSNR-Y falls strictly at every step of the sweep (per clip; the summary’s on the mean curve)',
      worst: 'the clip with the lowest k = 1 RGB PSNR',
      pass: `mean k = 1 RGB PSNR ≥ ${VQGAN_TARGET_DB} dB and the mean curve monotone (issue 11)`,
    },
    models: results,
  };
}

// --- markdown -----------------------------------------------------------------------------------

const f2 = (x: number) => x.toFixed(2);
const sgn = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const curveText = (c: Record<string, number>) => VQGAN_K_SWEEP.map((k) => f2(c[k])).join(' / ');

function verdict(s: VqganSummary, targetDb: number): string {
  const k1 = `k = 1 ${f2(s.psnr_rgb_k1)} ${s.pass_k1 ? '≥' : '<'} ${targetDb} dB`;
  return `${s.pass ? '**PASS**' : '**FAIL**'}: ${k1}, ${s.monotone ? 'monotone' : 'NOT monotone'}`;
}

/** The section's markdown (a `##` heading, so it can stand alone or follow the ×4 tables). */
export function vqganMarkdown(r: VqganResult, clipNames: readonly string[]): string {
  const L: string[] = [
    `## VQGAN degrader: fidelity at k = 1 and the bottom-branch k sweep (target: k = 1 RGB PSNR ≥ ${r.target_db} dB, PSNR falling in k)`,
    '',
    `Input: ${r.definitions.input}. Run: ${r.definitions.run}. ${r.definitions.anchor_sigma ? `Anchor: ${r.definitions.anchor_sigma}. ` : ''}Scored against the input, no border dropped. ` +
      'RGB PSNR: one MSE over R, G, B; PSNR-Y: BT.601; both per frame, averaged over frames then clips. ' +
      'Colour shift: mean output − mean input per channel (8-bit levels). Sweep: PSNR-Y with the bottom branch at the k-th ' +
      `nearest code (top, middle k = 1), k = ${r.k_sweep.join(', ')}; monotone = falls strictly at every step (mean curve; clips in brackets). ` +
      'Worst clip: lowest k = 1 RGB PSNR.',
    '',
    `| degrader | k = 1 RGB PSNR dB | k = 1 PSNR-Y dB | colour shift R/G/B (mean) | max \\|shift\\| (clip) | worst clip (k = 1 RGB) | clips < ${r.target_db} dB | PSNR-Y at bottom k = ${r.k_sweep.join(' / ')} | monotone | verdict |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const m of r.models) {
    const label = `${m.id} (${m.kind})`;
    const s = m.summary;
    if (!s) {
      L.push(`| ${label} | n/a: ${m.error ?? 'not run'} | | | | | | | | |`);
      continue;
    }
    L.push(
      `| ${label} | ${f2(s.psnr_rgb_k1)} | ${f2(s.psnr_y_k1)} | ${s.shift_rgb_k1.map(sgn).join(' / ')} | ` +
        `${Math.abs(s.max_abs_shift.levels).toFixed(2)} ${s.max_abs_shift.channel} (${s.max_abs_shift.clip}) | ${s.worst.clip} (${f2(s.worst.psnr_rgb_k1)}) | ` +
        `${s.clips_below_target}/${s.clips} | ${curveText(s.psnr_y_vs_k)} | ${s.monotone ? 'yes' : 'NO'} (${s.clips_monotone}/${s.clips}) | ${verdict(s, r.target_db)} |`,
    );
  }
  L.push('', `### Per clip: k = 1 RGB PSNR dB · largest |colour shift| · PSNR-Y at bottom k = ${r.k_sweep.join(' / ')} (✓ monotone)`, '');
  const scored = r.models.filter((m) => m.per_clip);
  L.push(`| clip | ${scored.map((m) => m.id).join(' | ')} |`, `| --- | ${scored.map(() => '---').join(' | ')} |`);
  for (const c of clipNames) {
    const cells = scored.map((m) => {
      const s = m.per_clip![c];
      if (!s) return 'n/a';
      const sh = largestShift({ [c]: s });
      return `${f2(s.psnr_rgb_k1)} · ${Math.abs(sh.levels).toFixed(2)} ${sh.channel} · ${curveText(s.psnr_y_vs_k)} ${s.monotone ? '✓' : '✗'}`;
    });
    L.push(`| ${c} | ${cells.join(' | ')} |`);
  }
  L.push('');
  return L.join('\n');
}
