/**
 * `vqdsr degrade`: the app's degradation pipeline in Node, writing PNG frames and the exact params
 * used. It is the training data factory: `--random --seed N` draws the paper's distribution, and
 * `--batch list.json` runs many clips in one process (ORT sessions and ffmpeg loaded once).
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ImageF32 } from '../core/image.ts';
import { getFfmpeg, type FfmpegNode } from '../media/ffmpeg-node.ts';
import { ParamsError, defaultPipelineParams, parsePipelineParams, type PipelineParams } from '../pipeline/params.ts';
import { degradeFramesCpu, type DegradeStats } from '../pipeline/run-cpu.ts';
import { samplePaperParams } from '../pipeline/sample-params.ts';
import { createVqdNode, type VqdRunner } from '../pipeline/vqd/vqd-node.ts';
import { parseCommandArgs, seeHelp } from './args.ts';
import { UsageError } from './errors.ts';
import { openInput, parseFrameRange, type FrameRangeArg } from './inputs.ts';
import { writePng } from '../media/png.ts';
import type { CliIo, Command } from './main.ts';

export const DEGRADE_USAGE = `Usage:
  vqdsr degrade <input> <output-dir> [options]
  vqdsr degrade --batch <list.json> [options]

Degrades a clip with the app's pipeline, Blur → Noise → Down → VQD → uint8 → FFmpeg (x264 …),
and writes the LR frames as <output-dir>/00000.png, 00001.png, … plus params.json (the exact,
validated parameters used; feed it back with --params to reproduce the run) and run.json (frame
count, sizes, encoded bytes, timings).

<input>   a folder of PNG frames (natural name order), a PNG, or a video / image ffmpeg reads.

Options:
  --params <file>    PipelineParams JSON (missing fields take defaults; bad values are refused
                     with a list of problems). Default: the app's defaults.
  --random           draw every parameter from the paper's training distribution
                     (blur, noise, ×4 down, VQD k's, x264 crf/profile). Not with --params.
  --no-vqd           turn the VQD stage off (with --random: the paper's distribution without it).
  --seed <n>         with --random: the draw's seed (default: a random one, printed; params.json
                     holds everything drawn). Otherwise: the noise seed (params.seed).
  --frames <a:b>     only frames a … b−1 (0-based); also a: and :b.
  --batch <list>     many clips in one process; <list> is a JSON array of
                     {"input", "output", "seed"?, "random"?, "params"?, "frames"?}, paths
                     relative to the list's folder. Options given on the command line are the
                     defaults of every entry.
  --keep-going       in a batch, go on after a failed clip (exit code 2 at the end).
  --models <dir>     model folder with manifest.json (default: public/models).
  --threads <n>      ORT CPU threads for VQD (default: all cores).
  --quiet            no progress lines.

Existing NNNNN.png frames in <output-dir> are replaced.
Exit codes: 0 done, 2 bad arguments / input / params (message on stderr), 1 internal error.`;

const SEE_HELP = seeHelp('degrade');

interface JobSpec {
  input: string;
  output: string;
  params: PipelineParams;
  range: FrameRangeArg;
}

interface Shared {
  io: CliIo;
  quiet: boolean;
  modelsDir?: string;
  threads?: number;
  vqd: Map<string, Promise<VqdRunner>>;
  ffmpeg: Promise<FfmpegNode> | null;
}

function getVqd(s: Shared, modelId: string): Promise<VqdRunner> {
  let v = s.vqd.get(modelId);
  if (!v) {
    v = createVqdNode({ modelsDir: s.modelsDir, modelId, threads: s.threads });
    s.vqd.set(modelId, v);
  }
  return v;
}

function getFf(s: Shared): Promise<FfmpegNode> {
  s.ffmpeg ??= getFfmpeg();
  return s.ffmpeg;
}

export const degradeCommand: Command = {
  name: 'degrade',
  summary: 'degrade a clip (or a batch of clips) with the pipeline; write PNG frames + params.json',
  usage: DEGRADE_USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(
      'degrade',
      argv,
      {
        params: { type: 'string' },
        random: { type: 'boolean' },
        'no-vqd': { type: 'boolean' },
        seed: { type: 'string' },
        batch: { type: 'string' },
        'keep-going': { type: 'boolean' },
      },
      DEGRADE_USAGE,
      io,
    );
    if (!args) return 0;
    const { values, positionals } = args;
    const shared: Shared = {
      io,
      quiet: !!values.quiet,
      modelsDir: values.models as string | undefined,
      threads: values.threads === undefined ? undefined : parseCount('--threads', values.threads as string),
      vqd: new Map(),
      ffmpeg: null,
    };
    const defaults: EntryDefaults = {
      paramsFile: values.params as string | undefined,
      random: !!values.random,
      noVqd: !!values['no-vqd'],
      seed: values.seed === undefined ? undefined : parseSeed('--seed', values.seed as string),
      frames: values.frames as string | undefined,
    };

    if (values.batch !== undefined) {
      if (positionals.length > 0) throw new UsageError(`--batch takes no <input> <output-dir> (got ${positionals.join(' ')})`);
      return runBatch(values.batch as string, defaults, !!values['keep-going'], shared);
    }
    if (positionals.length !== 2) {
      throw new UsageError(`degrade needs <input> and <output-dir> (got ${positionals.length} arguments)\n${SEE_HELP}`);
    }
    const job = resolveJob({ input: positionals[0], output: positionals[1] }, defaults, process.cwd(), io, 'degrade');
    await runJob(job, shared);
    return 0;
  },
};

interface EntryDefaults {
  paramsFile?: string;
  random: boolean;
  /** Turn the VQD stage off after the params are resolved (e.g. --random without VQD). */
  noVqd?: boolean;
  seed?: number;
  frames?: string;
}

function parseSeed(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UsageError(`${name} must be an integer 0 … 4294967295 (got ${JSON.stringify(text)})`);
  return Number(text);
}

function parseCount(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1024) throw new UsageError(`${name} must be a positive integer (got ${JSON.stringify(text)})`);
  return Number(text);
}

function readParamsFile(file: string, io: CliIo, label: string): PipelineParams {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read params file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`params file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return checkedParams(json, io, `${label}: ${file}`);
}

function checkedParams(json: unknown, io: CliIo, label: string): PipelineParams {
  try {
    const { params, notices } = parsePipelineParams(json);
    for (const n of notices) io.err(`note (${label}): ${n}`);
    return params;
  } catch (e) {
    if (e instanceof ParamsError) throw new UsageError(`${label}: ${e.message}`);
    throw e;
  }
}

interface RawEntry {
  input: string;
  output: string;
  seed?: number;
  random?: boolean;
  params?: unknown;
  frames?: string;
}

/** One clip's final params: --params / entry params, or the paper draw, then --seed. */
function resolveJob(entry: RawEntry, d: EntryDefaults, baseDir: string, io: CliIo, label: string): JobSpec {
  const random = entry.random ?? d.random;
  const seed = entry.seed ?? d.seed;
  const hasParams = entry.params !== undefined || d.paramsFile !== undefined;
  if (random && hasParams) throw new UsageError(`${label}: --random draws every parameter; it cannot be combined with --params / "params"`);
  let params: PipelineParams;
  if (random) {
    const s = seed ?? randomInt(0, 2 ** 32 - 1);
    if (seed === undefined) io.err(`${label}: --random without --seed: drew seed ${s}`);
    params = samplePaperParams(s);
    if (d.noVqd) params.vqd.enabled = false;
  } else {
    if (typeof entry.params === 'string') params = readParamsFile(path.resolve(baseDir, entry.params), io, label);
    else if (entry.params !== undefined) params = checkedParams(entry.params, io, `${label} params`);
    else if (d.paramsFile !== undefined) params = readParamsFile(d.paramsFile, io, label);
    else params = defaultPipelineParams();
    if (seed !== undefined) params.seed = seed;
    if (d.noVqd) params.vqd.enabled = false;
  }
  const frames = entry.frames ?? d.frames;
  return {
    input: path.resolve(baseDir, entry.input),
    output: path.resolve(baseDir, entry.output),
    params,
    range: frames === undefined ? { start: 0, end: Infinity } : parseFrameRange(frames),
  };
}

const FRAME_FILE = /^\d{5,}\.png$/;

export interface JobResult {
  frames: number;
  width: number;
  height: number;
  stats: DegradeStats;
}

async function runJob(job: JobSpec, s: Shared): Promise<JobResult> {
  const { params } = job;
  const vqd = params.vqd.enabled ? await getVqd(s, params.modelId) : undefined;
  const needsCodec = params.compress.codec !== 'none';
  const ff = needsCodec ? await getFf(s) : null;
  const source = await openInput(job.input, job.range, () => getFf(s));

  mkdirSync(job.output, { recursive: true });
  for (const f of readdirSync(job.output)) if (FRAME_FILE.test(f)) rmSync(path.join(job.output, f));
  writeFileSync(path.join(job.output, 'params.json'), `${JSON.stringify(params, null, 2)}\n`);

  const run = degradeFramesCpu(source.frames, params, { vqd, roundTrip: ff ? ff.roundTrip.bind(ff) : undefined });
  let n = 0;
  let last: ImageF32 | null = null;
  for await (const f of run.frames) {
    writePng(path.join(job.output, `${String(n).padStart(5, '0')}.png`), f);
    last = f;
    n++;
  }
  const stats = await run.stats;
  const result: JobResult = { frames: n, width: last?.width ?? 0, height: last?.height ?? 0, stats };
  const runInfo = {
    input: job.input,
    frames: n,
    width: result.width,
    height: result.height,
    encodedBytes: stats.encodedBytes,
    ffmpeg: ff?.backend ?? null,
    vqdModel: vqd?.modelId ?? null,
    vqdWeights: vqd?.weightsSha256 ?? null,
    stageMs: roundMs(stats.stageMs),
    totalMs: Math.round(stats.totalMs),
  };
  writeFileSync(path.join(job.output, 'run.json'), `${JSON.stringify(runInfo, null, 2)}\n`);
  if (!s.quiet) {
    const size = stats.encodedBytes === null ? '' : `, ${stats.encodedBytes} bytes ${params.compress.codec}`;
    s.io.err(`${path.basename(job.input)} → ${job.output}: ${n} frame${n === 1 ? '' : 's'} ${result.width}×${result.height}${size}, ${(stats.totalMs / 1000).toFixed(2)} s`);
  }
  return result;
}

function roundMs<T extends object>(o: T): T {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Math.round((v as number) * 10) / 10;
  return out as T;
}

const ENTRY_KEYS = ['input', 'output', 'seed', 'random', 'params', 'frames'];

function readBatch(file: string): { entries: RawEntry[]; baseDir: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read batch list ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(json)) throw new UsageError(`batch list ${file} must be a JSON array of {"input", "output", …}`);
  const entries = json.map((raw, i): RawEntry => {
    const where = `batch entry ${i}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`${where} must be an object`);
    const o = raw as Record<string, unknown>;
    const get = (k: string) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
    for (const k of Object.keys(o)) if (!ENTRY_KEYS.includes(k)) throw new UsageError(`${where}: unknown field ${JSON.stringify(k.slice(0, 40))} (fields: ${ENTRY_KEYS.join(', ')})`);
    const input = get('input');
    const output = get('output');
    if (typeof input !== 'string' || input === '') throw new UsageError(`${where}: "input" must be a path`);
    if (typeof output !== 'string' || output === '') throw new UsageError(`${where}: "output" must be a path`);
    const seed = get('seed');
    if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
      throw new UsageError(`${where}: "seed" must be an integer 0 … 4294967295`);
    }
    const random = get('random');
    if (random !== undefined && typeof random !== 'boolean') throw new UsageError(`${where}: "random" must be true or false`);
    const frames = get('frames');
    if (frames !== undefined && typeof frames !== 'string') throw new UsageError(`${where}: "frames" must be a string like "0:7"`);
    return { input, output, seed, random, params: get('params'), frames };
  });
  return { entries, baseDir: path.dirname(path.resolve(file)) };
}

async function runBatch(file: string, d: EntryDefaults, keepGoing: boolean, s: Shared): Promise<number> {
  const { entries, baseDir } = readBatch(file);
  // Resolve every entry first: a typo in entry 900 should not surface after an hour of work.
  const jobs = entries.map((e, i) => resolveJob(e, d, baseDir, s.io, `batch entry ${i}`));
  const outputs = new Set<string>();
  jobs.forEach((j, i) => {
    if (outputs.has(j.output)) throw new UsageError(`batch entry ${i}: output ${j.output} is used by an earlier entry`);
    outputs.add(j.output);
  });
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < jobs.length; i++) {
    try {
      await runJob(jobs[i], s);
    } catch (e) {
      if (!keepGoing) throw prefixError(e, `batch entry ${i} (${entries[i].input})`);
      failed++;
      s.io.err(`error: batch entry ${i} (${entries[i].input}): ${(e as Error).message}`);
    }
  }
  if (!s.quiet) s.io.err(`batch: ${jobs.length - failed}/${jobs.length} clips in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return failed > 0 ? 2 : 0;
}

function prefixError(e: unknown, where: string): unknown {
  if (e instanceof Error) e.message = `${where}: ${e.message}`;
  return e;
}
