/**
 * The field readers every params section uses (params.ts composes the sections the stages
 * declare): own properties only, finite numbers, enum strings, u32 seeds; in strict mode a bad
 * value is a problem, in lenient mode (share links) it is replaced or clamped with a notice.
 * See params.ts for the rules a hostile input meets.
 */

/** At most this many notices are kept: a hostile input with a million unknown keys gets a summary. */
const MAX_NOTICES = 50;

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

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function own(o: Record<string, unknown>, key: string): unknown {
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
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  return typeof v === 'function' ? 'a function' : 'a symbol';
}

/** Drop (with a notice) every key of `o` not in `known`. */
export function dropUnknown(o: Record<string, unknown>, known: readonly string[], path: string, ctx: Ctx): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) ctx.notice(`${path ? `${path}.` : ''}${describeValue(key)} is not a known field: ignored`);
  }
}

/** A sub-object; missing → {} (all defaults); wrong type → problem / defaults. */
export function section(o: Record<string, unknown>, key: string, ctx: Ctx): Record<string, unknown> {
  const v = own(o, key);
  if (v === undefined) return {};
  if (isRecord(v)) return v;
  ctx.bad(key, `must be an object (got ${describeValue(v)})`, 'defaults');
  return {};
}

export interface NumSpec {
  min: number;
  max: number;
  integer?: boolean;
  /** Must be odd (kernel sizes). */
  odd?: boolean;
}

export function num(o: Record<string, unknown>, key: string, path: string, spec: NumSpec, fallback: number, ctx: Ctx): number {
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

export function u32(o: Record<string, unknown>, key: string, path: string, fallback: number, ctx: Ctx): number {
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

export function oneOf<T extends string>(o: Record<string, unknown>, key: string, path: string, options: readonly T[], fallback: T, ctx: Ctx): T {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
  ctx.bad(`${path}.${key}`, `must be one of ${options.join(', ')} (got ${describeValue(v)})`, fallback);
  return fallback;
}

export function bool(o: Record<string, unknown>, key: string, path: string, fallback: boolean, ctx: Ctx): boolean {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  ctx.bad(`${path}.${key}`, `must be true or false (got ${describeValue(v)})`, fallback);
  return fallback;
}
