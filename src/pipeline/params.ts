/**
 * One description of a degradation run: `PipelineParams`, and the one validator every reader uses
 * (the sliders' store, share links, the Node CLI's params.json, the training data factory).
 *
 *   x = FFmpeg(Quantise(VQD(Down(Noise(Blur(y))))))   — parameters shared by all frames of a clip.
 *
 * The validator treats its input as hostile (it may come from a URL someone else wrote):
 * - it never spreads or assigns from the input: every output object is built field by field
 *   from a fixed list of names, so `__proto__`, `constructor` or any other key cannot reach an
 *   object (or Object.prototype);
 * - it reads only own properties, so inherited names (`toString`, `constructor`) are never values;
 * - strings are length-capped and quoted in messages; messages are plain text;
 * - numbers must be finite numbers (NaN, ±Infinity, numeric strings are problems);
 * - unknown keys are dropped with a notice; missing fields take their defaults silently (so a
 *   params.json may give only what it changes).
 * In strict mode (default) any problem throws a `ParamsError` listing all of them. In lenient mode
 * (share links) out-of-range numbers are clamped, and unusable values replaced by defaults, each
 * with a notice.
 *
 * The sections are the stages' own (stages.ts: one list, each stage's `params` section with its
 * fields, defaults, reader and cross-field checks); this module adds the envelope (version, the
 * clip seed, the degrader's model id) and composes them in list order.
 *
 * Versioned: `version` is 2. Older versions are brought forward by `migrate`, one step at a time
 * (MIGRATIONS), so a share link, a params.json or a training log of an older version degrades as it
 * did when it was made; a newer version than this code knows is refused.
 *   1 → 2  the VQD stage gained the colour anchor (vqd.anchorSigma, default 3): version 1 had none,
 *          so it is read with the anchor off.
 */
import { Ctx, describeValue, dropUnknown, isRecord, own, section, u32 } from './schema.ts';
import { STAGES, type StageParams } from './stages.ts';

export type { BlurParams } from './blur/options.ts';
export type { NoiseParams } from './noise/options.ts';
export type { DownParams } from './resize/stage.ts';
export type { VqdMode, VqdParams } from './vqd/options.ts';
export type { CompressCodec, CompressParams } from './compress/stage.ts';
export { VQD_ANCHOR_DEFAULT_SIGMA, VQD_K_MAX, paperVqdKs } from './vqd/options.ts';
export { ANCHOR_SIGMA_MAX } from './vqd/anchor-cpu.ts';
export { CRF_RANGE, FPS_RANGE, QSCALE_RANGE } from './compress/stage.ts';
export { Ctx, describeValue } from './schema.ts';

export const PARAMS_VERSION = 2;

/** One run's parameters: a section per stage (blur, noise, down, vqd, compress), the clip's noise seed and the degrader. */
export interface PipelineParams extends StageParams {
  version: 2;
  /** u32; the noise of frame f is keyed by (seed, f). */
  seed: number;
  /** The VQGAN degrader: a model key in public/models/manifest.json. */
  modelId: string;
}

export const MODEL_ID_MAX_LENGTH = 64;
const MODEL_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export function defaultPipelineParams(): PipelineParams {
  const sections = Object.fromEntries(STAGES.map((s) => [s.name, s.params.defaults()])) as StageParams;
  return { version: 2, ...sections, seed: 0, modelId: 'vqgan' };
}

export class ParamsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid pipeline parameters:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ParamsError';
    this.problems = problems;
  }
}

export interface ParseOptions {
  /** Clamp / replace bad values with a notice instead of throwing (share links). */
  lenient?: boolean;
}

export interface ParseResult {
  params: PipelineParams;
  notices: string[];
}

/** Parse and validate anything (JSON.parse output, a URL-decoded object, a store snapshot). */
export function parsePipelineParams(input: unknown, opts: ParseOptions = {}): ParseResult {
  const ctx = new Ctx(!!opts.lenient);
  const migrated = migrate(input, ctx);
  const params = migrated === undefined ? defaultPipelineParams() : readParams(migrated, ctx);
  if (ctx.problems.length > 0) throw new ParamsError(ctx.problems);
  return { params, notices: ctx.finishNotices() };
}

/** Validate a PipelineParams built in code (e.g. by the sampler); throws ParamsError. */
export function assertValidParams(p: PipelineParams): PipelineParams {
  return parsePipelineParams(p).params;
}

// ───────────────────────────── migration ─────────────────────────────

/**
 * MIGRATIONS[v] turns a version-v object into a version-(v+1) one, and says what it did (a notice).
 * Copies are made with Object.fromEntries (defining properties, never assigning through the input's
 * prototype); unknown or malformed fields pass through for the reader to report.
 */
const MIGRATIONS: Record<number, { step(o: Record<string, unknown>): Record<string, unknown>; notice: string }> = {
  1: {
    // Version 1 had no colour anchor: off, so the frames come out as they did then.
    step(o) {
      const vqd = own(o, 'vqd');
      const out = Object.fromEntries(Object.entries(o));
      out.version = 2;
      if (vqd === undefined || isRecord(vqd)) out.vqd = { ...Object.fromEntries(Object.entries(vqd ?? {})), anchorSigma: 0 };
      return out;
    },
    notice: 'params of version 1 (before the colour anchor after VQD): read with the anchor off, as they were made',
  },
};

/**
 * Bring an object of any known version to PARAMS_VERSION. Returns undefined (and a problem) when
 * the input is not an object or has an unusable version.
 */
export function migrate(input: unknown, ctx: Ctx = new Ctx(false)): Record<string, unknown> | undefined {
  if (!isRecord(input)) {
    ctx.fail('params', `must be an object (got ${describeValue(input)})`);
    return undefined;
  }
  const raw = own(input, 'version');
  let version: number;
  if (raw === undefined) {
    ctx.notice(`params.version missing: read as version ${PARAMS_VERSION}`);
    version = PARAMS_VERSION;
  } else if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) {
    ctx.fail('version', `must be a positive integer (got ${describeValue(raw)})`);
    return undefined;
  } else if (raw > PARAMS_VERSION) {
    ctx.fail('version', `${raw} is newer than this app understands (${PARAMS_VERSION}); update the app`);
    return undefined;
  } else {
    version = raw;
  }
  let obj = input;
  for (let v = version; v < PARAMS_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) {
      ctx.fail('version', `no migration from version ${v}`);
      return undefined;
    }
    obj = step.step(obj);
    ctx.notice(step.notice);
  }
  return obj;
}

// ───────────────────────────── reading

const TOP_KEYS = ['version', ...STAGES.map((s) => s.name), 'seed', 'modelId'];

/** Read one stage's section: an object (missing → defaults), its unknown fields dropped with a notice. */
function readSection<T extends object>(o: Record<string, unknown>, name: string, sec: { read(o: Record<string, unknown>, d: T, ctx: Ctx): T }, d: T, ctx: Ctx): T {
  const v = section(o, name, ctx);
  dropUnknown(v, Object.keys(d), name, ctx);
  return sec.read(v, d, ctx);
}

function readParams(o: Record<string, unknown>, ctx: Ctx): PipelineParams {
  const d = defaultPipelineParams();
  dropUnknown(o, TOP_KEYS, '', ctx);
  const sections = {} as Record<string, unknown>;
  for (const s of STAGES) sections[s.name] = readSection(o, s.name, s.params as never, d[s.name], ctx);
  const seed = u32(o, 'seed', '', d.seed, ctx);
  const modelId = readModelId(o, d.modelId, ctx);
  const params = { version: 2, ...(sections as StageParams), seed, modelId } as PipelineParams;
  // The stages' own validators have the last word (cross-field rules live there).
  for (const s of STAGES) {
    const check = s.params.errors as ((p: unknown) => string[]) | undefined;
    for (const e of check?.(params[s.name]) ?? []) ctx.fail('', e);
  }
  return params;
}

function readModelId(o: Record<string, unknown>, fallback: string, ctx: Ctx): string {
  const v = own(o, 'modelId');
  if (v === undefined) return fallback;
  if (typeof v !== 'string') {
    ctx.bad('modelId', `must be a string (got ${describeValue(v)})`, fallback);
    return fallback;
  }
  if (v.length === 0 || v.length > MODEL_ID_MAX_LENGTH || !MODEL_ID_PATTERN.test(v)) {
    ctx.bad('modelId', `must be 1–${MODEL_ID_MAX_LENGTH} characters of A–Z a–z 0–9 . _ - (got ${describeValue(v)})`, fallback);
    return fallback;
  }
  return v;
}

/** Deep equality of two params (plain data): for caches and "did anything change". */
export function paramsEqual(a: PipelineParams, b: PipelineParams): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
