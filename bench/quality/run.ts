/**
 * `npm run bench quality`: ×4 upscaling quality on the held-out clips of training/make_eval_set.py,
 * in three input conditions (conditions.ts), for bicubic, Lanczos, every shipped VSR model,
 * candidate ONNX files and the peer realesr-animevideov3 (methods.ts, peer.ts), scored by
 * score.ts; and the VQGAN degrader's fidelity on the same clips' clean LR frames (vqgan.ts: k = 1
 * RGB PSNR against the input, colour shift, the bottom-branch k sweep). Returns the result object
 * bench/run.mjs stores in bench/results/<host>-<date>.json (the VQGAN part under `vqgan`) and
 * writes the markdown tables to bench/results/quality-latest.md (×4 tables, then the VQGAN table)
 * and the VQGAN table alone to bench/results/quality-vqgan-latest.md.
 *
 * A run without the ×4 part (QUALITY_VSR=0) leaves quality-latest.md alone and returns no
 * `summary`, so the model card (training/write_model_card.py) keeps taking its ×4 table from the
 * last full run; it takes the VQGAN table from the newest run with a `vqgan` part. A candidate
 * degrader is measured in minutes with
 *   QUALITY_VSR=0 QUALITY_VQGAN_CANDIDATES=mix=training/runs/export_vqgan_mix npm run bench quality
 *
 * Environment:
 *   QUALITY_CANDIDATES="name=path/x.step.onnx[@C],…"  extra VSR columns (weights not yet shipped)
 *   QUALITY_PEER=port|ncnn|0                          the peer by its ONNX port (default, checked against the
 *                                                     binary), by realesrgan-ncnn-vulkan on every frame, or skipped
 *   QUALITY_CONDITIONS=clean,web                      a subset of clean, web, paper (set but empty: as QUALITY_VSR=0)
 *   QUALITY_VSR=0                                     skip the ×4 part (bicubic … peer): the VQGAN part alone
 *   QUALITY_VQGAN=0                                   skip the VQGAN part
 *   QUALITY_VQGAN_CANDIDATES="name=dir,…"             extra degraders: export folders of training/train_vqgan.py --export-dir
 *                                                     (vqgan.encoder.onnx, vqgan.decoder.onnx, vqgan.codebook.bin)
 *   QUALITY_CLIPS=soft,text                           clips whose name contains one of these (both parts)
 *   QUALITY_PYTHON, VQDSR_PEERS_CACHE                 interpreter for the set maker; peer cache folder
 *   QUALITY_MD                                        where the markdown goes (default bench/results/quality-latest.md)
 *   QUALITY_VQGAN_MD                                  where the VQGAN table goes (default bench/results/quality-vqgan-latest.md)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImageF32 } from '../../src/core/image.ts';
import { CONDITIONS, CONDITION_TEXT, describeParams, paperCondition, webCondition, writeFrames, type ConditionId } from './conditions.ts';
import { ensureEvalSet, loadEvalSet, pixelDigest, readFrames, type EvalClip, type EvalSet } from './evalset.ts';
import { isEnsembleSize } from '../../src/pipeline/vsr/self-ensemble.ts';
import { autoMethod, ensembleColumns, INTERP_TEXT, modelArg, parseCandidates, prepareCandidate, runUpscaleCli, shippedVsrModels, upscaleInterp, type VsrModel } from './methods.ts';
import { PEER_ID, PEER_TEXT, runPeer, type PeerMode, type PortCheck } from './peer.ts';
import { BELOW_BICUBIC_DB, BORDER, markdownReport, scoreClip, summarise, type ClipScore, type MethodSummary } from './score.ts';
import { runVqgan, vqganMarkdown, type VqganResult } from './vqgan.ts';

export interface QualityOptions {
  root: string;
  setDir?: string;
  workDir?: string;
  modelsDir?: string;
  candidates?: string;
  /** Self-ensemble sizes (2, 4, 8) to add as columns of every shipped VSR model: `<id>+e<n>` (auto's would follow from its picks). */
  ensembles?: number[];
  /** How to run the peer (peer.ts); false skips it. Default 'port'. */
  peer?: PeerMode | false;
  conditions?: ConditionId[];
  clips?: string[];
  mdPath?: string;
  /** The ×4 part (default on; also off when `conditions` is empty). */
  vsr?: boolean;
  /** The VQGAN part (default on). */
  vqgan?: boolean;
  vqganCandidates?: string;
  vqganMdPath?: string;
  log?: (s: string) => void;
}

interface MethodInfo {
  id: string;
  label: string;
  kind: 'interpolation' | 'shipped' | 'candidate' | 'auto' | 'peer';
  text: string;
  /** auto: the model it picked, per condition and clip. */
  picks?: Record<string, Record<string, string>>;
  sha256?: string;
  params?: number;
  trained?: boolean;
  /** A self-ensemble column: the size (`vqdsr upscale --ensemble n`) and the net it runs. */
  ensemble?: number;
  model?: string;
  frames: number;
  seconds: number;
  error?: string;
  port_check?: PortCheck;
}

/** auto's column in words: what it is and which model it picked how often per condition. */
function autoPickLines(methods: MethodInfo[]): string[] {
  const auto = methods.find((m) => m.kind === 'auto' && m.picks);
  if (!auto?.picks) return [];
  const per = Object.entries(auto.picks).map(([cond, clips]) => {
    const n: Record<string, number> = {};
    for (const id of Object.values(clips)) n[id] = (n[id] ?? 0) + 1;
    return `${cond} ${Object.entries(n).map(([id, k]) => `${id} ${k}`).join(', ')}`;
  });
  return ['', `auto — ${auto.text}; it picked: ${per.join('; ')} (per clip in the JSON, methods[].picks).`];
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? round(x) : x))) as T;
}

function peerModeFromEnv(v: string | undefined): PeerMode | false {
  if (v === undefined || v === '' || v === 'port') return 'port';
  if (v === 'ncnn') return 'ncnn';
  if (v === '0' || v === 'off') return false;
  throw new Error(`QUALITY_PEER must be port, ncnn or 0 (got '${v}')`);
}

/** QUALITY_ENSEMBLE="8" or "4,8": self-ensemble columns (src/pipeline/vsr/self-ensemble.ts). */
function ensemblesFromEnv(v: string | undefined): number[] {
  const sizes = (v ?? '').split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  for (const n of sizes) if (!isEnsembleSize(n) || n === 1) throw new Error(`QUALITY_ENSEMBLE: ${n} is not 2, 4 or 8`);
  return sizes;
}

/** A part's switch: unset, '' or '1' on, '0' off (anything else is a typo worth stopping for). */
function partFromEnv(name: string, v: string | undefined): boolean {
  if (v === undefined || v === '' || v === '1') return true;
  if (v === '0') return false;
  throw new Error(`${name} must be 0 or 1 (got '${v}')`);
}

export function optionsFromEnv(root: string): QualityOptions {
  const env = process.env;
  const conds = env.QUALITY_CONDITIONS?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of conds ?? []) if (!CONDITIONS.includes(c as ConditionId)) throw new Error(`QUALITY_CONDITIONS: unknown condition '${c}' (use ${CONDITIONS.join(', ')})`);
  const opts: QualityOptions = {
    root,
    candidates: env.QUALITY_CANDIDATES,
    ensembles: ensemblesFromEnv(env.QUALITY_ENSEMBLE),
    peer: peerModeFromEnv(env.QUALITY_PEER),
    conditions: conds as ConditionId[] | undefined,
    clips: env.QUALITY_CLIPS?.split(',').map((s) => s.trim()).filter(Boolean),
    mdPath: env.QUALITY_MD,
    vsr: partFromEnv('QUALITY_VSR', env.QUALITY_VSR) && conds?.length !== 0,
    vqgan: partFromEnv('QUALITY_VQGAN', env.QUALITY_VQGAN),
    vqganCandidates: env.QUALITY_VQGAN_CANDIDATES,
    vqganMdPath: env.QUALITY_VQGAN_MD,
  };
  if (!opts.vsr && !opts.vqgan) throw new Error('QUALITY_VSR=0 (or an empty QUALITY_CONDITIONS) and QUALITY_VQGAN=0 leave nothing to measure');
  return opts;
}

/** What both parts share: the set, the folders, the clock. */
interface RunContext {
  opts: QualityOptions;
  root: string;
  workDir: string;
  modelsDir: string;
  set: EvalSet;
  clips: EvalClip[];
  t0: number;
  loadStart: number[];
  lap: (k: string, since: number) => void;
  log: (s: string) => void;
}

const stamp = (since: number) => new Date(Date.now() - (performance.now() - since)).toISOString().slice(0, 16).replace('T', ' ');
const runTimeLine = (ctx: RunContext) =>
  `Run time ${Math.round((performance.now() - ctx.t0) / 1000)} s on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; load average at start ${ctx.loadStart.map((x) => x.toFixed(1)).join(' ')} (other jobs share the machine, so times are indicative).`;

function writeMarkdown(ctx: RunContext, file: string, md: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${md}\n`);
  console.log(md);
  ctx.log(`quality: wrote ${path.relative(ctx.root, file)}`);
}

export async function runQuality(opts: QualityOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const log = opts.log ?? ((s: string) => console.error(s)); // progress on stderr; the tables on stdout
  const root = opts.root;
  const setDir = opts.setDir ?? path.join(root, '.cache', 'quality-set');
  const seconds: Record<string, number> = {};
  const lap = (k: string, since: number) => (seconds[k] = round((performance.now() - since) / 1000, 1));
  const vsrOn = opts.vsr !== false && opts.conditions?.length !== 0;
  const vqganOn = opts.vqgan !== false;
  if (!vsrOn && !vqganOn) throw new Error('quality: both parts are off, nothing to measure');

  // --- the set --------------------------------------------------------------------------------
  const t = performance.now();
  ensureEvalSet(setDir, root, log);
  const set = loadEvalSet(setDir);
  const clips: EvalClip[] = set.clips.filter((c) => !opts.clips?.length || opts.clips.some((s) => c.name.includes(s)));
  if (!clips.length) throw new Error(`no clip of the set matches QUALITY_CLIPS=${opts.clips?.join(',')}`);
  lap('set', t);
  const ctx: RunContext = {
    opts,
    root,
    workDir: opts.workDir ?? path.join(root, '.cache', 'quality-run'),
    modelsDir: opts.modelsDir ?? path.join(root, 'public', 'models'),
    set,
    clips,
    t0,
    loadStart: os.loadavg(),
    lap,
    log,
  };
  log(`quality: ${clips.length} clips × ${set.meta.frames_per_clip} frames (set pixels ${set.pixelsSha256.slice(0, 12)}…); parts: ${[vsrOn && '×4', vqganOn && 'VQGAN'].filter(Boolean).join(', ')}`);

  // The VQGAN part first: minutes where the ×4 part takes an hour, so its numbers (and any
  // failure) show early; and the ×4 report's run time then covers the whole run.
  const vqgan = vqganOn ? await runVqganPart(ctx) : undefined;
  const vsr = vsrOn ? await runVsrPart(ctx) : undefined;
  seconds.total = round((performance.now() - t0) / 1000, 1);

  const vqganMd = vqgan ? vqganMarkdown(vqgan, clips.map((c) => c.name)) : undefined;
  const mdPath = opts.mdPath ?? path.join(root, 'bench', 'results', 'quality-latest.md');
  const vqganMdPath = opts.vqganMdPath ?? path.join(root, 'bench', 'results', 'quality-vqgan-latest.md');
  // quality-latest.md is the ×4 report: a VQGAN-only run must not replace it with less.
  if (vsr) writeMarkdown(ctx, mdPath, vqganMd ? `${vsr.md}\n${vqganMd}` : vsr.md);
  if (vqganMd) {
    const head = [`# VQGAN fidelity (quality benchmark), ${stamp(t0)} UTC, host ${os.hostname()}`, '', `\`npm run bench quality\`, VQGAN part: ${clips.length} held-out clips of training/make_eval_set.py (set pixels sha256 ${set.pixelsSha256.slice(0, 16)}…), ${set.meta.frames_per_clip} frames each.`, '', runTimeLine(ctx), ''];
    writeMarkdown(ctx, vqganMdPath, `${head.join('\n')}\n${vqganMd}`);
  }

  return rounded({
    name: `quality: ${[vsr && `×4 on conditions ${(opts.conditions ?? CONDITIONS).join('/')}`, vqgan && 'VQGAN fidelity'].filter(Boolean).join(' and ')}, ${clips.length} held-out clips`,
    set: {
      dir: path.relative(root, setDir),
      maker: set.meta.maker,
      set_sha256: set.meta.set_sha256,
      // what makes two machines' results comparable (the files' bytes may differ, see evalset.ts)
      pixels_sha256: set.pixelsSha256,
      clips: clips.length,
      frames_per_clip: set.meta.frames_per_clip,
      split: set.meta.split,
      clean: set.meta.clean,
    },
    ...(vsr ? { ...vsr.result, report_md: path.relative(root, mdPath) } : {}),
    ...(vqgan ? { vqgan: { ...vqgan, report_md: path.relative(root, vqganMdPath) } } : {}),
    seconds,
    load_average: { start: ctx.loadStart, end: os.loadavg() },
  });
}

async function runVqganPart(ctx: RunContext): Promise<VqganResult> {
  const t = performance.now();
  const frames = new Map(ctx.clips.map((c) => [c.name, readFrames(c.cleanDir)]));
  const r = await runVqgan({ modelsDir: ctx.modelsDir, workDir: ctx.workDir, clips: ctx.clips, frames, candidates: ctx.opts.vqganCandidates, log: ctx.log });
  ctx.lap('vqgan', t);
  for (const m of r.models) {
    const s = m.summary;
    ctx.log(s ? `quality: vqgan ${m.id}: k=1 RGB ${s.psnr_rgb_k1.toFixed(2)} dB (worst ${s.worst.clip} ${s.worst.psnr_rgb_k1.toFixed(2)}), monotone ${s.monotone}` : `quality: vqgan ${m.id}: ${m.error}`);
  }
  return r;
}

/** The ×4 part: input conditions, every method, scores; its markdown and its result fields. */
async function runVsrPart(ctx: RunContext): Promise<{ md: string; result: Record<string, unknown> }> {
  const { opts, root, workDir, modelsDir, set, clips, lap, log } = ctx;
  const conditions = opts.conditions ?? [...CONDITIONS];
  let t = performance.now();
  const hr = new Map<string, ImageF32[]>(clips.map((c) => [c.name, readFrames(c.hrDir)]));
  lap('hr', t);
  log(`quality: ×4, conditions ${conditions.join(', ')}`);

  // --- input conditions -----------------------------------------------------------------------
  t = performance.now();
  const lr: Record<string, Map<string, { dir: string; frames: ImageF32[] }>> = {};
  const notes: Record<string, Record<string, string>> = {};
  let paperReused: boolean | null = null;
  for (const cond of conditions) {
    const m = new Map<string, { dir: string; frames: ImageF32[] }>();
    if (cond === 'clean') {
      for (const c of clips) m.set(c.name, { dir: c.cleanDir, frames: readFrames(c.cleanDir) });
    } else if (cond === 'web') {
      for (const c of clips) {
        const dir = path.join(workDir, 'lr', 'web', c.name);
        const frames = await webCondition(readFrames(c.cleanDir));
        writeFrames(dir, frames);
        m.set(c.name, { dir, frames });
      }
    } else {
      const jobs = clips.map((c) => ({ name: c.name, hrDir: c.hrDir, outDir: path.join(workDir, 'lr', 'paper', c.name), seed: c.seed, frames: c.frames }));
      const p = paperCondition(root, workDir, jobs, set.pixelsSha256, log);
      paperReused = p.reused;
      for (const j of jobs) {
        m.set(j.name, { dir: j.outDir, frames: readFrames(j.outDir) });
        (notes[j.name] ??= {}).paper = describeParams(p.params[j.name]);
      }
    }
    for (const c of clips) {
      const f = m.get(c.name)!.frames;
      if (f.length !== c.frames || f[0].width !== c.lr_width || f[0].height !== c.lr_height) {
        throw new Error(`${cond}/${c.name}: ${f.length} frames of ${f[0]?.width}×${f[0]?.height}, expected ${c.frames} of ${c.lr_width}×${c.lr_height}`);
      }
    }
    lr[cond] = m;
  }
  lap('conditions', t);

  // --- methods --------------------------------------------------------------------------------
  const scores: Record<string, Record<string, Record<string, ClipScore>>> = Object.fromEntries(conditions.map((c) => [c, {}]));
  const methods: MethodInfo[] = [];
  const errors: Record<string, string> = {};
  const record = (cond: string, method: string, clip: string, s: ClipScore) => ((scores[cond][method] ??= {})[clip] = s);

  for (const [id, kernel] of [['bicubic', 'cubic'], ['lanczos', 'lanczos3']] as const) {
    const info: MethodInfo = { id, label: id === 'bicubic' ? 'bicubic' : 'Lanczos-3', kind: 'interpolation', text: INTERP_TEXT[id], frames: 0, seconds: 0 };
    t = performance.now();
    for (const cond of conditions) for (const c of clips) record(cond, id, c.name, scoreClip(upscaleInterp(lr[cond].get(c.name)!.frames, kernel), hr.get(c.name)!));
    info.seconds = round((performance.now() - t) / 1000, 1);
    methods.push(info);
  }

  const vsr: VsrModel[] = shippedVsrModels(modelsDir);
  const reserved = ['bicubic', 'lanczos', 'auto', PEER_ID, ...vsr.map((m) => m.id)];
  for (const spec of parseCandidates(opts.candidates, reserved)) {
    try {
      vsr.push(await prepareCandidate(spec, workDir));
    } catch (e) {
      const msg = (e as Error).message;
      errors[spec.name] = msg;
      methods.push({ id: spec.name, label: `${spec.name} (candidate)`, kind: 'candidate', text: spec.file, frames: 0, seconds: 0, error: msg });
    }
  }
  const auto = autoMethod(modelsDir);
  if (auto) vsr.push(auto);
  vsr.push(...ensembleColumns(vsr, opts.ensembles ?? []));
  for (const m of vsr) {
    const info: MethodInfo = {
      id: m.id,
      label: `${modelArg(m)}${m.ensemble ? ` ×${m.ensemble} self-ensemble` : ''} (${m.kind === 'auto' ? 'shipped router' : m.kind === 'shipped' ? 'shipped' : 'candidate'})`,
      kind: m.kind,
      text: (m.kind === 'shipped' ? `vqdsr upscale --model ${modelArg(m)} (public/models/${m.file}, ${m.trained ? 'trained' : 'NOT trained'}, width ${m.stateChannels})`
        : m.kind === 'auto' ? `vqdsr upscale --model auto (${m.file}: the manifest's router picks from the first 8 LR frames)`
        : `vqdsr upscale on ${m.file} (state width ${m.stateChannels})`) + (m.ensemble ? ` --ensemble ${m.ensemble}` : ''),
      sha256: m.sha256,
      params: m.params,
      trained: m.trained,
      ...(m.ensemble ? { ensemble: m.ensemble, model: modelArg(m) } : {}),
      frames: 0,
      seconds: 0,
    };
    t = performance.now();
    try {
      for (const cond of conditions) {
        for (const c of clips) {
          const out = path.join(workDir, 'out', m.id, cond, c.name);
          log(`quality: ${m.id} ${cond} ${c.name} …`);
          const pick = await runUpscaleCli(m, lr[cond].get(c.name)!.dir, out);
          if (pick) ((info.picks ??= {})[cond] ??= {})[c.name] = pick;
          record(cond, m.id, c.name, scoreClip(readFrames(out), hr.get(c.name)!));
          info.frames += c.frames;
        }
      }
    } catch (e) {
      info.error = (e as Error).message;
      errors[m.id] = info.error;
      for (const cond of conditions) delete scores[cond][m.id];
    }
    info.seconds = round((performance.now() - t) / 1000, 1);
    methods.push(info);
  }

  const peerMode = opts.peer ?? 'port';
  const peerInfo: MethodInfo = { id: PEER_ID, label: 'realesr-animevideov3 (peer)', kind: 'peer', text: peerMode ? PEER_TEXT[peerMode] : 'skipped', frames: 0, seconds: 0 };
  t = performance.now();
  if (!peerMode) {
    peerInfo.error = 'skipped (QUALITY_PEER=0)';
  } else {
    try {
      const all: ImageF32[] = [];
      for (const cond of conditions) for (const c of clips) all.push(...lr[cond].get(c.name)!.frames);
      const r = await runPeer(peerMode, root, all, log);
      for (const cond of conditions) {
        for (const c of clips) {
          const out = lr[cond].get(c.name)!.frames.map((f) => r.out.get(pixelDigest(f))!);
          record(cond, PEER_ID, c.name, scoreClip(out, hr.get(c.name)!));
        }
      }
      peerInfo.frames = all.length;
      peerInfo.text = r.text;
      if (r.check) peerInfo.port_check = r.check;
    } catch (e) {
      peerInfo.error = `not run: ${(e as Error).message}`;
    }
  }
  if (peerInfo.error) errors[PEER_ID] = peerInfo.error;
  peerInfo.seconds = round((performance.now() - t) / 1000, 1);
  methods.push(peerInfo);

  // --- summaries and report -------------------------------------------------------------------
  const summaries: Record<string, Record<string, MethodSummary>> = {};
  for (const cond of conditions) summaries[cond] = summarise(scores[cond]);
  const md = markdownReport({
    title: `Quality benchmark (×4), ${stamp(ctx.t0)} UTC, host ${os.hostname()}`,
    lines: [
      `\`npm run bench quality\`: ${clips.length} held-out clips (training/make_eval_set.py, ${set.meta.split}; set pixels sha256 ${set.pixelsSha256.slice(0, 16)}…), ` +
        `${set.meta.frames_per_clip} frames each, HR ${[...new Set(clips.map((c) => `${c.width}×${c.height}`))].join(' and ')}. Metrics against HR with a ${BORDER} px border dropped: PSNR-Y and SSIM-Y ` +
        '(BT.601 Y, BasicSR conventions) averaged over frames then clips; colour shift = mean output − mean HR per channel (8-bit levels); ' +
        'flicker Y = mean |(out_t − out_{t−1}) − (HR_t − HR_{t−1})| on Y (levels, lower is better); “vs bicubic” = mean over clips of the PSNR-Y gain; ' +
        'worst clip = lowest gain over bicubic. The input conditions carry their own colour shift (x264’s yuv420p round trip, the paper chain): ' +
        `it shows in the bicubic row, and a method’s own shift is its row minus that one. Methods: bicubic — ${INTERP_TEXT.bicubic}; Lanczos-3 — ${INTERP_TEXT.lanczos}; ` +
        `VSR models — \`vqdsr upscale --model <id>\` (recurrent over the clip, onnxruntime-node CPU); peer — ${peerInfo.error ? peerInfo.error : peerInfo.text}.`,
      ...autoPickLines(methods),
      '',
      runTimeLine(ctx),
    ],
    conditions: conditions.map((id) => ({ id, text: CONDITION_TEXT[id] })),
    methods: methods.map((m) => ({ id: m.id, label: m.label })),
    summaries,
    scores,
    errors,
    clips: clips.map((c) => ({ name: c.name, note: notes[c.name] })),
  });

  const perClip: Record<string, Record<string, Record<string, Omit<ClipScore, 'psnr_y_frames'>>>> = {};
  for (const cond of conditions) {
    perClip[cond] = {};
    for (const [m, byClip] of Object.entries(scores[cond])) {
      perClip[cond][m] = Object.fromEntries(Object.entries(byClip).map(([c, s]) => [c, { psnr_y: s.psnr_y, ssim_y: s.ssim_y, shift_rgb: s.shift_rgb, flicker_y: s.flicker_y }]));
    }
  }
  const result = {
    definitions: {
      border_px: BORDER,
      psnr_y: 'BT.601 Y (MATLAB rgb2ycbcr), peak 255, per frame, averaged over frames, then over clips',
      ssim_y: 'BasicSR/MATLAB SSIM on Y (11×11 Gaussian σ 1.5), per frame, averaged',
      shift_rgb: 'mean(output) − mean(HR) per channel R, G, B over the clip, 8-bit levels',
      flicker_y: 'mean over t ≥ 1 and pixels of |(Yout_t − Yout_{t−1}) − (Yhr_t − Yhr_{t−1})|, 8-bit levels (lower is better)',
      gain_db: 'mean over clips of PSNR-Y(method) − PSNR-Y(bicubic) on the same clip and condition',
      worst: 'the clip with the lowest gain over bicubic (bicubic itself: lowest PSNR-Y)',
      clips_below_bicubic: `clips more than ${BELOW_BICUBIC_DB} dB below bicubic`,
      outputs: 'every method’s output is 8-bit (rounded) before scoring, as a user gets it',
    },
    conditions: Object.fromEntries(conditions.map((c) => [c, CONDITION_TEXT[c]])),
    paper_condition_reused: paperReused,
    methods,
    clips: clips.map((c) => ({ name: c.name, kind: c.kind, seed: c.seed, hr: `${c.width}x${c.height}`, lr: `${c.lr_width}x${c.lr_height}`, paper: notes[c.name]?.paper })),
    summary: summaries,
    per_clip: perClip,
    errors,
  };
  return { md, result };
}
