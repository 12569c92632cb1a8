/**
 * Fit the VSR model router ("auto": src/pipeline/vsr/input-probe.ts) to the shipped nets.
 *
 *   /usr/bin/python3 training/make_router_set.py          # the pack's held-out clips as PNG folders
 *   npx tsx training/fit_router.ts [--set .devdata/router_set] [--models public/models] [--out training/summaries/router.json]
 *       [--rows-out rows.json]   (every clip's PSNR-Y per model and features, to try other features offline)
 *       [--check-set DIR]        (another router set, not fitted on: how the fitted router does there)
 *
 * For every clip of the set (its condition folders: paper, clean, web) it runs every VSR model of
 * the manifest that is a candidate (a model whose training summary says `auto: false`, e.g. the light
 * `vsr-fast` kept for speed, is left out: auto chooses by quality) over the clip exactly as `vqdsr
 * upscale` does (onnxruntime-node, recurrent, 8-bit output) and scores PSNR-Y against HR with a 4 px border dropped, as the quality bench does. The
 * label of a clip is its best model; its weight is what the wrong choice costs there (best −
 * second best, dB, + 0.05 so near-ties still count a little). The model is a multinomial logistic
 * regression with the manifest's first model as reference class, on log(feature + 1e-3), with a
 * small L2 penalty, fitted by gradient descent on standardised features (convex: it converges to
 * the one optimum). It reports, per condition, each model alone, the oracle (best per clip), the
 * router fitted on all clips and, the honest figure, leave-one-clip-out (a clip's three conditions
 * left out together).
 *
 * Other features were tried on the rows of `--rows-out` (training/probe_router_features.py; 2026-12-06,
 * the 4-condition set, the same regression and leave-one-clip-out): 8×8 blockiness, chroma noise, mean gradient, frame-to-frame change,
 * Immerkær over all pixels, each added to noise and edge and all five together: −0.01 to +0.007 dB on
 * average against noise and edge alone (oracle 0.09 dB above). The two features stay.
 *
 * The weights are written with the sha256 of each model's step file: build_manifest.py copies them
 * into the manifest only while those files are the ones shipped, so a retrained net never runs
 * under a router fitted to its predecessor.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scoreClip } from '../bench/quality/score.ts';
import { quantizeImage, type ImageF32 } from '../src/core/image.ts';
import { readPng } from '../src/media/png.ts';
import { PROBE_FEATURES, probeImages, type ModelRoute } from '../src/pipeline/vsr/input-probe.ts';
import { nodeModels } from '../src/models/source-node.ts';
import { createVsrNode } from '../src/pipeline/vsr/vsr-node.ts';
import { upscaleClipCpu } from '../src/pipeline/vsr/vsr-cpu.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const L2 = 0.01;
const TIE_WEIGHT = 0.05;

export interface ClipRow {
  cond: string;
  clip: string;
  /** PSNR-Y per model, in manifest order (the quality bench's scoreClip: 4 px border, mean over frames). */
  psnr: number[];
  /** log(feature + 1e-3) in PROBE_FEATURES order. */
  x: number[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The models the router chooses among: all but those whose training summary (copied into the manifest by
 * build_manifest.py) says `auto: false`. */
export function routeCandidates<M extends { id: string }>(models: M[], manifest: { models: Record<string, Record<string, unknown>> }): M[] {
  return models.filter((m) => (manifest.models[m.id]?.training as { auto?: unknown } | undefined)?.auto !== false);
}

function readFrames(dir: string): ImageF32[] {
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => readPng(path.join(dir, f)));
}

/** Softmax probabilities of the classes for standardised features z and weights W[(k-1)][d+1] (class 0 the reference). */
function probs(W: number[][], z: number[]): number[] {
  const s = [0, ...W.map((w) => w.reduce((a, wi, j) => a + wi * (j < z.length ? z[j] : 1), 0))];
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
}

export interface Fit {
  mu: number[];
  sd: number[];
  W: number[][];
}

/** Weighted multinomial logistic regression (class 0 the reference) with an L2 penalty on the slopes. */
export function fit(rows: ClipRow[], classes: number): Fit {
  const d = rows[0].x.length;
  const mu = Array.from({ length: d }, (_, j) => rows.reduce((a, r) => a + r.x[j], 0) / rows.length);
  const sd = mu.map((m, j) => Math.sqrt(rows.reduce((a, r) => a + (r.x[j] - m) ** 2, 0) / rows.length) || 1);
  const Z = rows.map((r) => r.x.map((v, j) => (v - mu[j]) / sd[j]));
  const y = rows.map((r) => r.psnr.indexOf(Math.max(...r.psnr)));
  const w = rows.map((r) => {
    const s = [...r.psnr].sort((a, b) => b - a);
    return s[0] - s[1] + TIE_WEIGHT;
  });
  const wsum = w.reduce((a, b) => a + b, 0);
  const W = Array.from({ length: classes - 1 }, () => new Array<number>(d + 1).fill(0));
  for (let it = 0; it < 20000; it++) {
    const G = W.map((row) => row.map(() => 0));
    for (let i = 0; i < rows.length; i++) {
      const p = probs(W, Z[i]);
      for (let k = 1; k < classes; k++) {
        const r = (w[i] * (p[k] - (y[i] === k ? 1 : 0))) / wsum;
        for (let j = 0; j <= d; j++) G[k - 1][j] += r * (j < d ? Z[i][j] : 1);
      }
    }
    let step = 0;
    for (let k = 0; k < classes - 1; k++) {
      for (let j = 0; j <= d; j++) {
        const g = G[k][j] + (j < d ? L2 * W[k][j] : 0);
        W[k][j] -= 2 * g;
        step = Math.max(step, Math.abs(g));
      }
    }
    if (step < 1e-9) break;
  }
  return { mu, sd, W };
}

export function predict(f: Fit, x: number[]): number {
  const p = probs(f.W, x.map((v, j) => (v - f.mu[j]) / f.sd[j]));
  return p.indexOf(Math.max(...p));
}

/** The fit as manifest routes on raw log-features: slope w/sd, bias b − Σ w·mu/sd; the reference model's route is empty. */
export function routes(f: Fit, ids: string[]): Record<string, ModelRoute> {
  const out: Record<string, ModelRoute> = { [ids[0]]: { bias: 0, weights: {} } };
  f.W.forEach((row, k) => {
    const weights: ModelRoute['weights'] = {};
    let bias = row[row.length - 1];
    PROBE_FEATURES.forEach((name, j) => {
      weights[name] = +(row[j] / f.sd[j]).toPrecision(6);
      bias -= (row[j] * f.mu[j]) / f.sd[j];
    });
    out[ids[k + 1]] = { bias: +bias.toPrecision(6), weights };
  });
  return out;
}

/** Every clip of a router set (its condition folders) through every net, exactly as `vqdsr upscale` runs it:
 * PSNR-Y per net (the quality bench's scoreClip) and the probe's log-features. */
async function scoreSet(set: string, nets: Awaited<ReturnType<typeof createVsrNode>>[]): Promise<ClipRow[]> {
  if (!existsSync(set)) throw new Error(`${set} is missing: make it with /usr/bin/python3 training/make_router_set.py`);
  const rows: ClipRow[] = [];
  const conds = readdirSync(set, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const cond of conds) {
    const clips = readdirSync(path.join(set, cond)).sort();
    for (const clip of clips) {
      const lr = readFrames(path.join(set, cond, clip, 'lr'));
      const hr = readFrames(path.join(set, cond, clip, 'hr'));
      const psnr: number[] = [];
      for (const net of nets) {
        const out: ImageF32[] = [];
        for await (const o of upscaleClipCpu(net.sequence(lr[0].width, lr[0].height), lr)) out.push(quantizeImage(o));
        psnr.push(scoreClip(out, hr).psnr_y); // the bench's score, so labels and bench share one definition
      }
      const probe = probeImages(lr);
      rows.push({ cond, clip, psnr, x: PROBE_FEATURES.map((f) => Math.log(probe[f] + 1e-3)) });
    }
    process.stderr.write(`${path.basename(set)} ${cond}: ${clips.length} clips\n`);
  }
  return rows;
}

const mean3 = (v: number[]) => +(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3);

/** Per condition: each net alone, the oracle (best per clip) and the PSNR-Y of each named choice of nets
 * (`picks[name][i]`: the net chosen for rows[i]), with how many clips each choice sent to each net. */
export function reportByCondition(rows: ClipRow[], ids: string[], picks: Record<string, number[]>): Record<string, Record<string, unknown>> {
  const report: Record<string, Record<string, unknown>> = {};
  for (const cond of [...new Set(rows.map((r) => r.cond))].sort()) {
    const ix = rows.map((r, i) => (r.cond === cond ? i : -1)).filter((i) => i >= 0);
    const entry: Record<string, unknown> = {
      clips: ix.length,
      psnr_y: Object.fromEntries(ids.map((id, k) => [id, mean3(ix.map((i) => rows[i].psnr[k]))])),
      oracle: mean3(ix.map((i) => Math.max(...rows[i].psnr))),
    };
    for (const [name, p] of Object.entries(picks)) entry[name] = mean3(ix.map((i) => rows[i].psnr[p[i]]));
    for (const [name, p] of Object.entries(picks)) entry[`picks_${name}`] = Object.fromEntries(ids.map((id, k) => [id, ix.filter((i) => p[i] === k).length]));
    report[cond] = entry;
  }
  return report;
}

async function main(): Promise<void> {
  const set = path.resolve(arg('--set', path.join(ROOT, '.devdata', 'router_set')));
  const modelsDir = path.resolve(arg('--models', path.join(ROOT, 'public', 'models')));
  const out = path.resolve(arg('--out', path.join(ROOT, 'training', 'summaries', 'router.json')));
  const checkSet = arg('--check-set', '');
  const registry = nodeModels(modelsDir);
  const models = routeCandidates(await registry.list('vsr'), await registry.manifest());
  if (models.length < 2) throw new Error(`${modelsDir}: ${models.length} VSR model(s) to route; a router needs two or more`);
  const ids = models.map((m) => m.id);
  const nets = await Promise.all(ids.map((id) => createVsrNode({ modelsDir, modelId: id, threads: 1 })));
  const rows = await scoreSet(set, nets);
  const all = fit(rows, ids.length);
  const loo = new Array<number>(rows.length);
  for (const clip of new Set(rows.map((r) => r.clip))) {
    const f = fit(rows.filter((r) => r.clip !== clip), ids.length);
    rows.forEach((r, i) => r.clip === clip && (loo[i] = predict(f, r.x)));
  }
  const report = reportByCondition(rows, ids, {
    auto_fitted_on_all: rows.map((r) => predict(all, r.x)),
    auto_leave_one_clip_out: loo,
  });
  // Out of sample: the router as fitted, on clips of another mix it never saw (e.g. a held-out shard of
  // painted scenery): what it would cost there against each net alone.
  let check: { set: string; by_condition: Record<string, Record<string, unknown>> } | undefined;
  if (checkSet) {
    const crows = await scoreSet(path.resolve(checkSet), nets);
    check = {
      set: readFileSync(path.join(path.resolve(checkSet), 'SOURCE.txt'), 'utf8').trim(),
      by_condition: reportByCondition(crows, ids, { auto: crows.map((r) => predict(all, r.x)) }),
    };
  }
  const shas = Object.fromEntries(models.map((m) => [m.id, m.step.sha256]));
  const result = {
    what: 'VSR model router ("auto"): multinomial logistic regression on log(feature + 1e-3) of the LR input probe (src/pipeline/vsr/input-probe.ts)',
    fitted_by: 'training/fit_router.ts',
    fitted_on: readFileSync(path.join(set, 'SOURCE.txt'), 'utf8').trim(),
    label: `per clip the model with the highest PSNR-Y (4 px border, 8-bit output), weighted by best − second best + ${TIE_WEIGHT} dB`,
    l2: L2,
    features: PROBE_FEATURES,
    reference: ids[0],
    step_sha256: shas,
    routes: routes(all, ids),
    evaluation_psnr_y_db: report,
    ...(check ? { check_out_of_sample_psnr_y_db: check } : {}),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const rowsOut = arg('--rows-out', '');
  if (rowsOut) writeFileSync(path.resolve(rowsOut), `${JSON.stringify({ models: ids, features: PROBE_FEATURES, rows }, null, 1)}\n`);
  for (const [cond, r] of Object.entries(report)) console.log(cond, JSON.stringify(r));
  for (const [cond, r] of Object.entries(check?.by_condition ?? {})) console.log('check', cond, JSON.stringify(r));
  console.log(`wrote ${path.relative(ROOT, out)}`);
}

// Run as a script (npx tsx training/fit_router.ts), not when a test imports the fit.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
