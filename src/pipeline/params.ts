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
 * Versioned: `version` is 1. Older versions are brought forward by `migrate`, one step at a time;
 * a newer version than this code knows is refused.
 */
import { BLUR_KINDS, BLUR_LIMITS, BLUR_SIZE_MAX, DEFAULT_BLUR, blurParamErrors, type BlurParams } from './blur/options.ts';
import { DEFAULT_NOISE, NOISE_KINDS, NOISE_LIMITS, noiseParamErrors, type NoiseParams } from './noise/options.ts';
import { DOWN_FACTOR_MAX, DOWN_FACTOR_MIN, RESIZE_METHODS, type ResizeMethod } from './resize/options.ts';
import { VIDEO_CODECS, X264_PROFILES, codecOptionsProblem, type VideoCodec, type X264Profile } from '../media/codec-args.ts';
import { makeRng } from '../core/rng.ts';

export type { BlurParams } from './blur/options.ts';
export type { NoiseParams } from './noise/options.ts';

export const PARAMS_VERSION = 1;

export interface DownParams {
  /** Downscale factor, 1..4 (the paper: 4). Output size round(size / factor). */
  factor: number;
  method: ResizeMethod;
}

export type VqdMode = 'fixed' | 'paper';

export interface VqdParams {
  enabled: boolean;
  /**
   * 'fixed': kTop/kMid/kBot as given. 'paper': drawn once per clip from `seed` with the paper's
   * distribution (top 1, mid U{1..10}, bottom 1–15 / 16–30 / 31–50 with p 0.3 / 0.4 / 0.3); the
   * validator then writes the drawn values into kTop/kMid/kBot, so the params show the k's used.
   */
  mode: VqdMode;
  /** k-th nearest codebook entry per branch, 1..128. */
  kTop: number;
  kMid: number;
  kBot: number;
  /** u32; drives the k's in 'paper' mode. */
  seed: number;
}

export type CompressCodec = VideoCodec | 'none';

export interface CompressParams {
  codec: CompressCodec;
  /** libx264: 0..51 (the paper draws 18..35). */
  crf: number;
  /** mpeg4 / mpeg2video: 1..31. */
  qscale: number;
  /** libx264 only. */
  profile: X264Profile;
  fps: number;
}

export interface PipelineParams {
  version: 1;
  blur: BlurParams;
  noise: NoiseParams;
  down: DownParams;
  vqd: VqdParams;
  compress: CompressParams;
  /** u32; the noise of frame f is keyed by (seed, f). */
  seed: number;
  /** The VQGAN degrader: a model key in public/models/manifest.json. */
  modelId: string;
}

export const VQD_K_MAX = 128;
export const MODEL_ID_MAX_LENGTH = 64;
const MODEL_ID_PATTERN = /^[A-Za-z0-9._-]+$/;
export const CRF_RANGE = [0, 51] as const;
export const QSCALE_RANGE = [1, 31] as const;
export const FPS_RANGE = [1, 240] as const;
/** At most this many notices are kept: a hostile input with a million unknown keys gets a summary. */
const MAX_NOTICES = 50;

export function defaultPipelineParams(): PipelineParams {
  return {
    version: 1,
    blur: { ...DEFAULT_BLUR },
    noise: { ...DEFAULT_NOISE },
    down: { factor: 4, method: 'bicubic' },
    // On, with the nearest code on every branch: the LR frame re-synthesised by the degradation
    // model; raising k (the sliders, the explorer) moves it further into the learned degradations.
    vqd: { enabled: true, mode: 'fixed', kTop: 1, kMid: 1, kBot: 1, seed: 0 },
    compress: { codec: 'libx264', crf: 23, qscale: 4, profile: 'high', fps: 25 },
    seed: 0,
    modelId: 'vqgan',
  };
}

/** The paper's stochastic top-k (ANCHORS.md): top 1, mid U{1..10}, bottom banded up to 50. */
export function paperVqdKs(seed: number): { kTop: number; kMid: number; kBot: number } {
  const rng = makeRng(seed >>> 0);
  const kMid = rng.int(1, 10);
  const band = rng.choice([[1, 15], [16, 30], [31, 50]] as const, [0.3, 0.4, 0.3]);
  const kBot = rng.int(band[0], band[1]);
  return { kTop: 1, kMid, kBot };
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

/** MIGRATIONS[v] turns a version-v object into a version-(v+1) one. None yet. */
const MIGRATIONS: Record<number, (o: Record<string, unknown>) => Record<string, unknown>> = {};

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
    obj = step(obj);
  }
  return obj;
}

// ───────────────────────────── reading ─────────────────────────────

export class Ctx {
  readonly problems: string[] = [];
  private readonly notices: string[] = [];
  private dropped = 0;
  constructor(readonly lenient: boolean) {}
  fail(path: string, msg: string): void {
    if (this.problems.length < MAX_NOTICES) this.problems.push(path ? `${path} ${msg}` : msg);
  }
  notice(msg: string): void {
    if (this.notices.length < MAX_NOTICES) this.notices.push(msg);
    else this.dropped++;
  }
  /** A bad value: a problem in strict mode; in lenient mode a notice saying what replaced it. */
  bad(path: string, msg: string, replacement: unknown): void {
    if (this.lenient) this.notice(`${path} ${msg}: using ${describeValue(replacement)}`);
    else this.fail(path, msg);
  }
  finishNotices(): string[] {
    return this.dropped > 0 ? [...this.notices, `… and ${this.dropped} more notices`] : [...this.notices];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A value for a message: short, quoted, never the raw string. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'undefined') return 'nothing';
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

/** Drop (with a notice) every key of `o` not in `known`. */
function dropUnknown(o: Record<string, unknown>, known: readonly string[], path: string, ctx: Ctx): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) ctx.notice(`${path ? `${path}.` : ''}${describeValue(key)} is not a known field: ignored`);
  }
}

/** A sub-object; missing → {} (all defaults); wrong type → problem / defaults. */
function section(o: Record<string, unknown>, key: string, ctx: Ctx): Record<string, unknown> {
  const v = own(o, key);
  if (v === undefined) return {};
  if (isRecord(v)) return v;
  ctx.bad(key, `must be an object (got ${describeValue(v)})`, 'defaults');
  return {};
}

interface NumSpec {
  min: number;
  max: number;
  integer?: boolean;
  /** Must be odd (kernel sizes). */
  odd?: boolean;
}

function num(o: Record<string, unknown>, key: string, path: string, spec: NumSpec, fallback: number, ctx: Ctx): number {
  const v = own(o, key);
  const where = `${path}.${key}`;
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    ctx.bad(where, `must be a finite number (got ${describeValue(v)})`, fallback);
    return fallback;
  }
  const kind = spec.odd ? 'an odd integer' : spec.integer ? 'an integer' : 'a number';
  let fixed = v;
  if (spec.integer && !Number.isInteger(fixed)) fixed = Math.round(fixed);
  fixed = Math.min(spec.max, Math.max(spec.min, fixed));
  if (spec.odd && fixed % 2 === 0) fixed = fixed + 1 <= spec.max ? fixed + 1 : fixed - 1;
  if (fixed !== v) {
    ctx.bad(where, `must be ${kind} in [${spec.min}, ${spec.max}] (got ${describeValue(v)})`, fixed);
    return fixed;
  }
  return v;
}

function u32(o: Record<string, unknown>, key: string, path: string, fallback: number, ctx: Ctx): number {
  const v = own(o, key);
  const where = path ? `${path}.${key}` : key;
  if (v === undefined) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  if (typeof v === 'number' && Number.isFinite(v)) {
    const fixed = Math.trunc(v) >>> 0;
    ctx.bad(where, `must be an integer in [0, 4294967295] (got ${describeValue(v)})`, fixed);
    return fixed;
  }
  ctx.bad(where, `must be an integer in [0, 4294967295] (got ${describeValue(v)})`, fallback);
  return fallback;
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, path: string, options: readonly T[], fallback: T, ctx: Ctx): T {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
  ctx.bad(`${path}.${key}`, `must be one of ${options.join(', ')} (got ${describeValue(v)})`, fallback);
  return fallback;
}

function bool(o: Record<string, unknown>, key: string, path: string, fallback: boolean, ctx: Ctx): boolean {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  ctx.bad(`${path}.${key}`, `must be true or false (got ${describeValue(v)})`, fallback);
  return fallback;
}

const TOP_KEYS = ['version', 'blur', 'noise', 'down', 'vqd', 'compress', 'seed', 'modelId'] as const;
const BLUR_KEYS = ['kind', 'sigmaX', 'sigmaY', 'theta', 'beta', 'size'] as const;
const NOISE_KEYS = ['kind', 'sigma', 'gray', 'scale'] as const;
const DOWN_KEYS = ['factor', 'method'] as const;
const VQD_KEYS = ['enabled', 'mode', 'kTop', 'kMid', 'kBot', 'seed'] as const;
const COMPRESS_KEYS = ['codec', 'crf', 'qscale', 'profile', 'fps'] as const;
const CODECS: readonly CompressCodec[] = [...VIDEO_CODECS, 'none'];

function readParams(o: Record<string, unknown>, ctx: Ctx): PipelineParams {
  const d = defaultPipelineParams();
  dropUnknown(o, TOP_KEYS, '', ctx);

  const b = section(o, 'blur', ctx);
  dropUnknown(b, BLUR_KEYS, 'blur', ctx);
  const blur: BlurParams = {
    kind: oneOf(b, 'kind', 'blur', BLUR_KINDS, d.blur.kind, ctx),
    sigmaX: num(b, 'sigmaX', 'blur', { min: BLUR_LIMITS.sigmaX[0], max: BLUR_LIMITS.sigmaX[1] }, d.blur.sigmaX, ctx),
    sigmaY: num(b, 'sigmaY', 'blur', { min: BLUR_LIMITS.sigmaY[0], max: BLUR_LIMITS.sigmaY[1] }, d.blur.sigmaY, ctx),
    theta: num(b, 'theta', 'blur', { min: BLUR_LIMITS.theta[0], max: BLUR_LIMITS.theta[1] }, d.blur.theta, ctx),
    beta: num(b, 'beta', 'blur', { min: BLUR_LIMITS.beta[0], max: BLUR_LIMITS.beta[1] }, d.blur.beta, ctx),
    size: num(b, 'size', 'blur', { min: 1, max: BLUR_SIZE_MAX, integer: true, odd: true }, d.blur.size, ctx),
  };

  const n = section(o, 'noise', ctx);
  dropUnknown(n, NOISE_KEYS, 'noise', ctx);
  const noise: NoiseParams = {
    kind: oneOf(n, 'kind', 'noise', NOISE_KINDS, d.noise.kind, ctx),
    sigma: num(n, 'sigma', 'noise', { min: NOISE_LIMITS.sigma[0], max: NOISE_LIMITS.sigma[1] }, d.noise.sigma, ctx),
    gray: bool(n, 'gray', 'noise', d.noise.gray, ctx),
    scale: num(n, 'scale', 'noise', { min: NOISE_LIMITS.scale[0], max: NOISE_LIMITS.scale[1] }, d.noise.scale, ctx),
  };

  const dn = section(o, 'down', ctx);
  dropUnknown(dn, DOWN_KEYS, 'down', ctx);
  const down: DownParams = {
    factor: num(dn, 'factor', 'down', { min: DOWN_FACTOR_MIN, max: DOWN_FACTOR_MAX }, d.down.factor, ctx),
    method: oneOf(dn, 'method', 'down', RESIZE_METHODS, d.down.method, ctx),
  };

  const v = section(o, 'vqd', ctx);
  dropUnknown(v, VQD_KEYS, 'vqd', ctx);
  const kSpec: NumSpec = { min: 1, max: VQD_K_MAX, integer: true };
  const vqd: VqdParams = {
    enabled: bool(v, 'enabled', 'vqd', d.vqd.enabled, ctx),
    mode: oneOf(v, 'mode', 'vqd', ['fixed', 'paper'] as const, d.vqd.mode, ctx),
    kTop: num(v, 'kTop', 'vqd', kSpec, d.vqd.kTop, ctx),
    kMid: num(v, 'kMid', 'vqd', kSpec, d.vqd.kMid, ctx),
    kBot: num(v, 'kBot', 'vqd', kSpec, d.vqd.kBot, ctx),
    seed: u32(v, 'seed', 'vqd', d.vqd.seed, ctx),
  };
  if (vqd.mode === 'paper') {
    // In paper mode the k's are a function of the seed; write the drawn ones in so they show.
    const ks = paperVqdKs(vqd.seed);
    vqd.kTop = ks.kTop;
    vqd.kMid = ks.kMid;
    vqd.kBot = ks.kBot;
  }

  const c = section(o, 'compress', ctx);
  dropUnknown(c, COMPRESS_KEYS, 'compress', ctx);
  const compress: CompressParams = {
    codec: oneOf(c, 'codec', 'compress', CODECS, d.compress.codec, ctx),
    crf: num(c, 'crf', 'compress', { min: CRF_RANGE[0], max: CRF_RANGE[1], integer: true }, d.compress.crf, ctx),
    qscale: num(c, 'qscale', 'compress', { min: QSCALE_RANGE[0], max: QSCALE_RANGE[1], integer: true }, d.compress.qscale, ctx),
    profile: oneOf(c, 'profile', 'compress', X264_PROFILES, d.compress.profile, ctx),
    fps: num(c, 'fps', 'compress', { min: FPS_RANGE[0], max: FPS_RANGE[1] }, d.compress.fps, ctx),
  };
  if (compress.codec !== 'none') {
    const problem = codecOptionsProblem({ ...compress, codec: compress.codec });
    if (problem) {
      // Only cross-field rules can be left here (e.g. mpeg2video's fixed frame rates).
      ctx.bad('compress.fps', `(${problem})`, d.compress.fps);
      if (ctx.lenient) compress.fps = d.compress.fps;
    }
  }

  const seed = u32(o, 'seed', '', d.seed, ctx);
  const modelId = readModelId(o, d.modelId, ctx);

  const params: PipelineParams = { version: 1, blur, noise, down, vqd, compress, seed, modelId };
  // The stages' own validators have the last word (cross-field rules live there).
  for (const e of [...blurParamErrors(blur), ...noiseParamErrors(noise)]) ctx.fail('', e);
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
