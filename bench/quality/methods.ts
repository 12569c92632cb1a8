/**
 * The benchmark's columns except the peer (peer.ts):
 *
 * - bicubic, lanczos: MATLAB imresize ×4 (src/metrics/matlab-imresize.ts: Keys cubic a = −0.5, or
 *   lanczos3; symmetric-reflect borders; float sums), clamped and rounded to 8 bits;
 * - every VSR model in the manifest (a `*.step.onnx` file): `vqdsr upscale <lr-dir> <out-dir>
 *   --model <id>`, run in this process through the CLI's own entry point (src/cli/main.ts), so the
 *   columns are exactly what a user gets from the command (recurrent over the clip, tile plan,
 *   onnxruntime-node CPU EP, 8-bit PNG frames);
 * - candidates (QUALITY_CANDIDATES="name=path/to/x.step.onnx[@C],…"): the same command on a
 *   models folder made for the file (manifest.json with its sha256 and state width C, read from
 *   the ONNX's `state` input unless given), so a trainer can score weights before shipping them.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { quantizeImage, type ImageF32 } from '../../src/core/image.ts';
import { main as cliMain } from '../../src/cli/main.ts';
import { imresizeImage } from '../../src/metrics/matlab-imresize.ts';

export const INTERP_TEXT = {
  bicubic: 'MATLAB imresize ×4, bicubic (Keys a = −0.5), symmetric borders (src/metrics/matlab-imresize.ts), rounded to 8 bits',
  lanczos: 'MATLAB imresize ×4, lanczos3, symmetric borders (src/metrics/matlab-imresize.ts), rounded to 8 bits',
} as const;

export function upscaleInterp(frames: readonly ImageF32[], kernel: 'cubic' | 'lanczos3'): ImageF32[] {
  return frames.map((f) => quantizeImage(imresizeImage(f, 4, { kernel })));
}

export interface VsrModel {
  id: string;
  modelsDir: string;
  kind: 'shipped' | 'candidate' | 'auto';
  file: string;
  sha256: string;
  params?: number;
  trained?: boolean;
  stateChannels?: number;
  /** Self-ensemble size (`--ensemble`); the column's id is then `<model>+e<n>`. */
  ensemble?: number;
  /** The `--model` argument where it is not the column's id (a self-ensemble column's net). */
  model?: string;
}

/** The `--model` argument of a column. */
export function modelArg(m: VsrModel): string {
  return m.model ?? m.id;
}

/** Self-ensemble columns of every shipped single-pass model: `<id>+e<n>` running `--model <id> --ensemble n`. */
export function ensembleColumns(models: readonly VsrModel[], sizes: readonly number[]): VsrModel[] {
  const base = models.filter((m) => m.kind === 'shipped' && !m.ensemble);
  return sizes.flatMap((n) => base.map((m) => ({ ...m, id: `${m.id}+e${n}`, ensemble: n, model: m.id })));
}

interface ManifestEntry {
  kind?: string;
  trained?: boolean;
  params?: number;
  config?: { width?: number };
  files?: { file: string; sha256?: string }[];
  route?: unknown;
}

/**
 * `--model auto` as a column where the manifest routes two or more VSR models (training/fit_router.ts,
 * src/pipeline/vsr/input-probe.ts): what a user who does not pick a model gets.
 */
export function autoMethod(modelsDir: string): VsrModel | null {
  const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as { models?: Record<string, ManifestEntry> };
  const routed = Object.entries(manifest.models ?? {}).filter(([, e]) => e.route !== undefined).map(([id]) => id);
  if (routed.length < 2) return null;
  return { id: 'auto', modelsDir, kind: 'auto', file: `router over ${routed.join(', ')}`, sha256: '' };
}

/** The manifest's VSR models (entries with a *.step.onnx file), in manifest order. */
export function shippedVsrModels(modelsDir: string): VsrModel[] {
  const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as { models?: Record<string, ManifestEntry> };
  const out: VsrModel[] = [];
  for (const [id, e] of Object.entries(manifest.models ?? {})) {
    const f = e.files?.find((x) => x.file.endsWith('.step.onnx'));
    if (!f) continue;
    out.push({ id, modelsDir, kind: 'shipped', file: f.file, sha256: f.sha256 ?? '', params: e.params, trained: e.trained, stateChannels: e.config?.width });
  }
  return out;
}

export interface CandidateSpec {
  name: string;
  file: string;
  stateChannels?: number;
}

/** Parses QUALITY_CANDIDATES: `name=path[@C]` items separated by commas. */
export function parseCandidates(text: string | undefined, reserved: readonly string[]): CandidateSpec[] {
  if (!text?.trim()) return [];
  const seen = new Set<string>();
  return text.split(',').map((item) => {
    const m = /^\s*([A-Za-z0-9_.-]+)=(.+?)(?:@(\d+))?\s*$/.exec(item);
    if (!m) throw new Error(`QUALITY_CANDIDATES: '${item}' is not name=path/to/model.step.onnx[@C]`);
    const [, name, file, c] = m;
    if (reserved.includes(name) || seen.has(name)) throw new Error(`QUALITY_CANDIDATES: name '${name}' is taken (use another)`);
    seen.add(name);
    return { name, file, stateChannels: c === undefined ? undefined : Number(c) };
  });
}

/** State width C of a VSR step ONNX: the second dimension of its `state` input. */
async function stateChannelsOf(file: string): Promise<number> {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(file);
  try {
    const meta = (s as unknown as { inputMetadata?: { name: string; shape?: (number | string)[] }[] }).inputMetadata;
    const c = meta?.find((m) => m.name === 'state')?.shape?.[1];
    if (typeof c !== 'number' || !(c > 0)) throw new Error(`${file}: the state input has no fixed channel count (give it as name=path@C)`);
    return c;
  } finally {
    await s.release();
  }
}

/** A models folder for one candidate file (copied in, with its own manifest). */
export async function prepareCandidate(spec: CandidateSpec, workDir: string): Promise<VsrModel> {
  const bytes = readFileSync(spec.file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const C = spec.stateChannels ?? (await stateChannelsOf(spec.file));
  const dir = path.join(workDir, 'candidates', spec.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(spec.file, path.join(dir, 'vsr.step.onnx'));
  const manifest = {
    version: 1,
    models: {
      [spec.name]: {
        kind: `candidate VSR step ×4 (${spec.file})`,
        trained: true,
        config: { width: C, scale: 4 },
        files: [{ file: 'vsr.step.onnx', bytes: bytes.length, sha256 }],
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return { id: spec.name, modelsDir: dir, kind: 'candidate', file: spec.file, sha256, stateChannels: C };
}

/**
 * `vqdsr upscale <lrDir> <outDir> --model <id> --models <dir> --quiet`, in this process. For auto
 * (not quiet: its choice is on stderr) the model it picked.
 */
export async function runUpscaleCli(model: VsrModel, lrDir: string, outDir: string): Promise<string | undefined> {
  const lines: string[] = [];
  const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
  const quiet = model.kind === 'auto' ? [] : ['--quiet'];
  const ens = model.ensemble ? ['--ensemble', String(model.ensemble)] : [];
  const code = await cliMain(['upscale', lrDir, outDir, '--model', modelArg(model), '--models', model.modelsDir, ...ens, ...quiet], io);
  if (code !== 0) throw new Error(`vqdsr upscale --model ${model.id} exited ${code}: ${lines.join(' ').slice(-1500)}`);
  if (model.kind !== 'auto') return undefined;
  const pick = lines.map((l) => /^auto → (\S+)/.exec(l)?.[1]).find((x) => x);
  if (!pick) throw new Error(`vqdsr upscale --model auto did not say which model it picked: ${lines.join(' ').slice(-500)}`);
  return pick;
}
