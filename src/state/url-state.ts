/**
 * Shareable links: the whole view state in the URL hash as versioned, validated,
 * compact data.
 *
 *   #v1.<base64url(UTF-8 JSON with short keys)>
 *
 *   { t: tab, s: 0 (the sample) | "file name", f: frame index,
 *     p: PipelineParams (validated by the pipeline's own parser; holds the degrader's model id
 *        and the seeds), m: VSR model id (omitted when the default), a: 1 when the Upscale
 *        tab's auto model choice is on (omitted otherwise: the link's m is used as it is),
 *     c: { a, b, m: mode, s: split, z: zoom, x, y: pan, r: [x, y, size] },
 *     b: { s: seed, f: [frames], p: [[a, b], …], c: context variant } }
 *
 * Variants are ids such as 'lr' or 'vsr:<VSR model id>'; the bare 'vsr' of older links (which
 * showed the VSR model `m`) reads as 'vsr:<m>'.
 *
 * No compression: CompressionStream is asynchronous and these states are a few
 * hundred bytes, so plain base64url keeps encode/decode synchronous.
 *
 * A link is untrusted input. `decodeShareState` is the only way in: it checks
 * the envelope (prefix, version, length, base64url, UTF-8, JSON), then every
 * field (type, range, finiteness, string length, enum membership), reads only
 * known keys that the object itself owns (never inherited ones such as
 * `constructor`), reports unknown and unsafe (`__proto__`, `constructor`,
 * `prototype`) keys, and builds fresh objects from the validated values. Bad
 * fields fall back to defaults, out-of-range numbers are clamped, and each
 * repair is described in a notice the app shows. Strings stay data: the app
 * renders them as text (React escapes), nothing here is ever evaluated or
 * injected as HTML.
 */
import { useApp, type SourceInfo, type Tab } from './store';
import { usePipeline } from './params-store';
import {
  BLIND_MAX_FRAMES,
  BLIND_MAX_PAIRS,
  COMPARE_MODES,
  DEFAULT_BLIND,
  DEFAULT_COMPARE,
  DEFAULT_VSR_MODEL,
  MODEL_ID_PATTERN,
  REGION_MAX,
  REGION_MIN,
  ZOOM_MAX,
  ZOOM_MIN,
  isVariantId,
  onLinkGrid,
  vsrVariant,
  type BlindTestDef,
  type CompareMode,
  type CompareState,
  type VariantId,
  useView,
} from './view-state';
import { parsePipelineParams, ParamsError, type PipelineParams } from '../pipeline/params';

export const URL_STATE_VERSION = 1;
export const HASH_PREFIX = `v${URL_STATE_VERSION}.`;
/** Longest hash accepted (characters after '#'); real states are well under 2 KiB. */
export const MAX_HASH_CHARS = 16384;
export const MAX_FRAME_INDEX = 10_000_000;
export const MAX_NAME_CHARS = 255;
const MAX_DEPTH = 8;

export const TABS: readonly Tab[] = ['degrade', 'explore', 'upscale', 'compare', 'blind'];

export type SourceRef = { kind: 'sample' } | { kind: 'file'; name: string };

/** Everything a link restores. `params` is opaque to the codec: the pipeline's parser owns it. */
export interface ShareState<P = PipelineParams> {
  tab: Tab;
  source: SourceRef;
  frame: number;
  /** Absent: the link does not set pipeline parameters (the current ones stay). */
  params?: P;
  /** The VSR model id (manifest key). */
  vsrModel: string;
  /**
   * The Upscale tab's auto was on (it re-measures the clip and picks the same model again); absent or
   * false: the link names its model. Links from before auto have no `a`: their model stays.
   */
  vsrAuto?: boolean;
  compare: CompareState;
  blind: BlindTestDef;
}

export interface DecodeResult<P = PipelineParams> {
  /** null when the whole link is rejected (the notices say why) or the hash is empty. */
  state: ShareState<P> | null;
  notices: string[];
}

/**
 * How PipelineParams cross the link: the pipeline's one validator. It gets a
 * JSON value already stripped of unsafe keys and returns the params (or null
 * when unusable) plus notices for whatever it repaired.
 */
export interface ParamsCodec<P> {
  parse(raw: unknown): { params: P | null; notices: string[] };
}

// ---------------------------------------------------------------- envelope

export function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict: only the base64url alphabet, a length that is a possible encoding, valid UTF-8. Throws otherwise. */
export function base64UrlDecode(s: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('characters outside base64url');
  if (s.length % 4 === 1) throw new Error('truncated base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function encodeShareState<P>(state: ShareState<P>): string {
  const c = onLinkGrid(state.compare);
  const out: Record<string, unknown> = {
    t: state.tab,
    s: state.source.kind === 'sample' ? 0 : state.source.name,
    f: state.frame,
  };
  if (state.params !== undefined) out.p = state.params;
  if (state.vsrModel !== DEFAULT_VSR_MODEL) out.m = state.vsrModel;
  if (state.vsrAuto) out.a = 1;
  out.c = {
    a: c.a,
    b: c.b,
    m: c.mode,
    s: c.split,
    z: c.zoom,
    x: c.panX,
    y: c.panY,
    r: [c.region.x, c.region.y, c.region.size],
  };
  const bl = state.blind;
  out.b = { s: bl.seed, f: bl.frames, p: bl.pairs, c: bl.context };
  return HASH_PREFIX + base64UrlEncode(JSON.stringify(out));
}

// ---------------------------------------------------------------- field reader

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

class FieldReader {
  readonly notices: string[] = [];

  note(msg: string): void {
    if (this.notices.length < 20) this.notices.push(msg);
  }

  /** Own value of a known key, or undefined; never an inherited property. */
  get(o: Record<string, unknown>, key: string): unknown {
    return Object.hasOwn(o, key) ? o[key] : undefined;
  }

  /** The object at `path`, with unknown/unsafe keys reported; null (and a notice) when it is not an object. */
  object(v: unknown, path: string, known: readonly string[]): Record<string, unknown> | null {
    if (v === undefined) return null;
    if (!isPlainObject(v)) {
      this.note(`Link: ${path} is not an object (${show(v)}); using defaults.`);
      return null;
    }
    for (const k of Object.keys(v)) {
      if (UNSAFE_KEYS.has(k)) this.note(`Link: ignored the unsafe key "${k}" in ${path}.`);
      else if (!known.includes(k)) this.note(`Link: ignored the unknown key ${show(k)} in ${path}.`);
    }
    return v;
  }

  number(v: unknown, path: string, def: number, lo: number, hi: number, opts: { int?: boolean; allowZero?: boolean } = {}): number {
    if (v === undefined) return def;
    if (typeof v !== 'number') {
      this.note(`Link: ${path} should be a number, got ${show(v)}; using ${def}.`);
      return def;
    }
    if (!Number.isFinite(v)) {
      this.note(`Link: ${path} is not finite; using ${def}.`);
      return def;
    }
    if (opts.allowZero && v === 0) return 0;
    // −0 (JSON.parse('-0'), or a tiny negative rounded) reads as 0: a link cannot hold −0, so its own
    // link must restore the same state (found by the fuzz test: a frame of −5e−324).
    let x = v === 0 ? 0 : v;
    if (opts.int && !Number.isInteger(x)) {
      x = Math.round(x) || 0;
      this.note(`Link: ${path} should be a whole number, got ${show(v)}; using ${x}.`);
    }
    if (x < lo || x > hi) {
      const c = x < lo ? lo : hi;
      this.note(`Link: ${path} = ${show(v)} is out of range [${lo}, ${hi}]; clamped to ${c}.`);
      return c;
    }
    return x;
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[] | ((x: unknown) => x is T), def: T): T {
    if (v === undefined) return def;
    const ok = typeof allowed === 'function' ? allowed(v) : typeof v === 'string' && (allowed as readonly string[]).includes(v);
    if (!ok) {
      this.note(`Link: ${path} ${show(v)} is not one of the known values; using "${def}".`);
      return def;
    }
    return v as T;
  }

  /** A short text, control characters removed. It stays inert data (rendered as text, never as HTML). */
  text(v: unknown, path: string, maxChars: number): string | null {
    if (typeof v !== 'string') {
      this.note(`Link: ${path} should be text, got ${show(v)}; ignored.`);
      return null;
    }
    let s = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
    if (s !== v) this.note(`Link: removed control characters from ${path}.`);
    if (s.length > maxChars) {
      s = s.slice(0, maxChars);
      this.note(`Link: ${path} was longer than ${maxChars} characters; shortened.`);
    }
    if (s.trim() === '') {
      this.note(`Link: ${path} is empty; ignored.`);
      return null;
    }
    return s;
  }

  /**
   * A deep copy of a JSON value without unsafe keys (reported), bounded in depth,
   * so whatever validator reads it next cannot be reached through a prototype.
   */
  scrub(v: unknown, path: string, depth = 0): unknown {
    if (depth > MAX_DEPTH) {
      this.note(`Link: ${path} is nested too deeply; ignored.`);
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => this.scrub(x, `${path}[${i}]`, depth + 1));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        if (UNSAFE_KEYS.has(k)) {
          this.note(`Link: ignored the unsafe key "${k}" in ${path}.`);
          continue;
        }
        out[k] = this.scrub(v[k], `${path}.${k}`, depth + 1);
      }
      return out;
    }
    return v;
  }
}

// ---------------------------------------------------------------- decode

export interface DecodeOptions<P> {
  /** The validator for `p`; without one a link's params are ignored (with a notice). */
  params?: ParamsCodec<P>;
}

/** PipelineParams through the pipeline's one validator, lenient: bad values are replaced or clamped, each with a notice. */
export const pipelineParamsCodec: ParamsCodec<PipelineParams> = {
  parse(raw) {
    try {
      return parsePipelineParams(raw, { lenient: true });
    } catch (e) {
      // Even lenient parsing refuses some inputs (not an object, a newer version): keep the current params.
      const problems = e instanceof ParamsError ? e.problems : [e instanceof Error ? e.message : String(e)];
      return { params: null, notices: [`the pipeline parameters were not usable (${problems.slice(0, 3).join('; ')}); kept the current ones`] };
    }
  },
};

const APP_DECODE: DecodeOptions<PipelineParams> = { params: pipelineParamsCodec };

/** Whether a hash (with or without '#') carries app state at all. */
export function isStateHash(hash: string): boolean {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return /^v\d+\./.test(h);
}

/**
 * The one way a link becomes state. Never throws: a link that cannot be read is
 * rejected (state null) with a notice; a readable one is repaired field by field.
 */
export function decodeShareState(hash: string): DecodeResult<PipelineParams>;
export function decodeShareState<P>(hash: string, opts: DecodeOptions<P>): DecodeResult<P>;
export function decodeShareState(hash: string, opts: DecodeOptions<unknown> = APP_DECODE): DecodeResult<unknown> {
  const h = (typeof hash === 'string' ? hash : '').replace(/^#/, '');
  if (h === '') return { state: null, notices: [] };
  if (h.length > MAX_HASH_CHARS) {
    return { state: null, notices: [`Ignored the link: its state is ${h.length} characters long (at most ${MAX_HASH_CHARS}).`] };
  }
  const m = /^v(\d{1,6})\.(.*)$/s.exec(h);
  if (!m) return { state: null, notices: ['Ignored the link: its #… part is not a vqdsr-web state.'] };
  const version = Number(m[1]);
  if (version !== URL_STATE_VERSION) {
    const why = version > URL_STATE_VERSION ? 'a newer version of the app' : 'an unknown version';
    return { state: null, notices: [`Ignored the link: it was made by ${why} (state v${version}; this app reads v${URL_STATE_VERSION}).`] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(base64UrlDecode(m[2]));
  } catch (e) {
    return { state: null, notices: [`Ignored the link: its state is damaged (${e instanceof Error ? e.message : 'unreadable'}).`] };
  }
  try {
    return readState(raw, opts);
  } catch (e) {
    // The reader is written not to throw; this is the last line that keeps a bad link from crashing the app.
    return { state: null, notices: [`Ignored the link: ${e instanceof Error ? e.message : 'unreadable state'}.`] };
  }
}

function readState<P>(raw: unknown, opts: DecodeOptions<P>): DecodeResult<P> {
  const r = new FieldReader();
  const o = r.object(raw, 'the state', ['t', 's', 'f', 'p', 'm', 'a', 'c', 'b']);
  if (!o) return { state: null, notices: r.notices.length ? r.notices : ['Ignored the link: its state is not an object.'] };

  const tab = r.oneOf<Tab>(r.get(o, 't'), 'the view', TABS, 'degrade');

  let source: SourceRef = { kind: 'sample' };
  const s = r.get(o, 's');
  if (s !== undefined && s !== 0) {
    const name = r.text(s, 'the file name', MAX_NAME_CHARS);
    if (name !== null) source = { kind: 'file', name };
  }

  const frame = r.number(r.get(o, 'f'), 'the frame index', 0, 0, MAX_FRAME_INDEX, { int: true });

  let params: P | undefined;
  const p = r.get(o, 'p');
  if (p !== undefined) {
    if (!opts.params) r.note('Link: pipeline parameters are not supported here; ignored.');
    else {
      const res = opts.params.parse(r.scrub(p, 'the parameters'));
      res.notices.forEach((n) => r.note(n.startsWith('Link') ? n : `Link: ${n}`));
      if (res.params !== null) params = res.params;
    }
  }

  const vsrModel = readModelId(r, r.get(o, 'm'));
  const compare = readCompare(r, r.get(o, 'c'), vsrModel);
  const blind = readBlind(r, r.get(o, 'b'), vsrModel);

  const state: ShareState<P> = { tab, source, frame, vsrModel, compare, blind };
  if (params !== undefined) state.params = params;
  const a = r.get(o, 'a');
  if (a === 1) state.vsrAuto = true;
  else if (a !== undefined) r.note(`Link: ${show(a)} is not an auto setting; the link's model "${vsrModel}" is used.`);
  return { state, notices: r.notices };
}

function readModelId(r: FieldReader, v: unknown): string {
  if (v === undefined) return DEFAULT_VSR_MODEL;
  if (typeof v === 'string' && MODEL_ID_PATTERN.test(v)) return v;
  r.note(`Link: ${show(v)} is not a model id; using "${DEFAULT_VSR_MODEL}".`);
  return DEFAULT_VSR_MODEL;
}

/** A variant id; the bare 'vsr' of links made before there were several VSR models meant model `vsrModel`. */
function upgradeVariant(v: unknown, vsrModel: string): unknown {
  return v === 'vsr' ? vsrVariant(vsrModel) : v;
}

function readCompare(r: FieldReader, v: unknown, vsrModel: string): CompareState {
  const d = DEFAULT_COMPARE;
  const o = r.object(v, 'the compare view', ['a', 'b', 'm', 's', 'z', 'x', 'y', 'r']);
  if (!o) return { ...d, region: { ...d.region } };
  const region = { ...d.region };
  const rv = r.get(o, 'r');
  if (rv !== undefined) {
    if (!Array.isArray(rv) || rv.length !== 3) r.note(`Link: the zoom region should be [x, y, size], got ${show(rv)}; using the default.`);
    else {
      region.x = r.number(rv[0], 'the zoom region x', d.region.x, 0, 1);
      region.y = r.number(rv[1], 'the zoom region y', d.region.y, 0, 1);
      region.size = r.number(rv[2], 'the zoom region size', d.region.size, REGION_MIN, REGION_MAX);
    }
  }
  // on the link grid, as the views keep it: a decoded state re-encodes to itself (found by fuzzing:
  // a split of 5e-324 was accepted as is, and its own link then restored 0)
  return onLinkGrid({
    a: r.oneOf<VariantId>(upgradeVariant(r.get(o, 'a'), vsrModel), 'compare A', isVariantId, d.a),
    b: r.oneOf<VariantId>(upgradeVariant(r.get(o, 'b'), vsrModel), 'compare B', isVariantId, d.b),
    mode: r.oneOf<CompareMode>(r.get(o, 'm'), 'the compare mode', COMPARE_MODES, d.mode),
    split: r.number(r.get(o, 's'), 'the split position', d.split, 0, 1),
    zoom: r.number(r.get(o, 'z'), 'the zoom', d.zoom, ZOOM_MIN, ZOOM_MAX, { allowZero: true }),
    panX: r.number(r.get(o, 'x'), 'the pan x', d.panX, 0, 1),
    panY: r.number(r.get(o, 'y'), 'the pan y', d.panY, 0, 1),
    region,
  });
}

function readBlind(r: FieldReader, v: unknown, vsrModel: string): BlindTestDef {
  const d = DEFAULT_BLIND;
  const o = r.object(v, 'the blind test', ['s', 'f', 'p', 'c']);
  if (!o) return { ...d, frames: [...d.frames], pairs: d.pairs.map((p) => [p[0], p[1]]) };
  const seed = r.number(r.get(o, 's'), 'the blind test seed', d.seed, 0, 0xffffffff, { int: true });

  let frames = [...d.frames];
  const fv = r.get(o, 'f');
  if (fv !== undefined) {
    if (!Array.isArray(fv) || fv.length === 0) r.note(`Link: the blind test frames should be a list, got ${show(fv)}; using the default.`);
    else {
      if (fv.length > BLIND_MAX_FRAMES) r.note(`Link: the blind test has ${fv.length} frames; kept the first ${BLIND_MAX_FRAMES}.`);
      const seen = new Set<number>();
      for (const [i, x] of fv.slice(0, BLIND_MAX_FRAMES).entries()) {
        const f = r.number(x, `blind test frame ${i + 1}`, -1, 0, MAX_FRAME_INDEX, { int: true });
        if (f >= 0 && !seen.has(f)) seen.add(f);
      }
      if (seen.size > 0) frames = [...seen];
    }
  }

  let pairs: [VariantId, VariantId][] = d.pairs.map((p) => [p[0], p[1]]);
  const pv = r.get(o, 'p');
  if (pv !== undefined) {
    if (!Array.isArray(pv) || pv.length === 0) r.note(`Link: the blind test pairs should be a list, got ${show(pv)}; using the default.`);
    else {
      if (pv.length > BLIND_MAX_PAIRS) r.note(`Link: the blind test has ${pv.length} method pairs; kept the first ${BLIND_MAX_PAIRS}.`);
      const got: [VariantId, VariantId][] = [];
      const keys = new Set<string>();
      for (const [i, raw] of pv.slice(0, BLIND_MAX_PAIRS).entries()) {
        const x: unknown = Array.isArray(raw) ? raw.map((id) => upgradeVariant(id, vsrModel)) : raw;
        if (!Array.isArray(x) || x.length !== 2 || !isVariantId(x[0]) || !isVariantId(x[1]) || x[0] === x[1]) {
          r.note(`Link: blind test pair ${i + 1} (${show(raw)}) is not two different methods; dropped.`);
          continue;
        }
        const key = `${x[0]}|${x[1]}`;
        if (!keys.has(key)) {
          keys.add(key);
          got.push([x[0], x[1]]);
        }
      }
      if (got.length > 0) pairs = got;
    }
  }
  const context = r.oneOf<VariantId>(upgradeVariant(r.get(o, 'c'), vsrModel), 'the blind test main window', isVariantId, d.context);
  return { seed, frames, pairs, context };
}

// ---------------------------------------------------------------- the app's link, kept in sync

/**
 * A link's source and frame wait here until that source is open: the sample
 * loads asynchronously on start, and a user's own file cannot come from a link
 * at all (the user is asked to open it).
 */
let pending: { source: SourceRef; frame: number } | null = null;
let restoredOnLoad = false;
let lastWritten = '';
let timer: ReturnType<typeof setTimeout> | null = null;

export interface UrlSyncOptions {
  /** Opens the bundled sample (a link to the sample followed while a user's file is open). */
  openSample?: () => Promise<void>;
}
let syncOptions: UrlSyncOptions = {};
const WRITE_DELAY_MS = 250;

function sourceRefOf(s: SourceInfo | null): SourceRef {
  return s?.kind === 'file' ? { kind: 'file', name: s.name } : { kind: 'sample' };
}

function sameSource(info: SourceInfo | null, ref: SourceRef): boolean {
  if (!info) return false;
  return ref.kind === 'sample' ? info.kind === 'sample' : info.kind === 'file' && info.name === ref.name;
}

/** What a link made now would restore. */
export function currentShareState(): ShareState {
  const app = useApp.getState();
  const view = useView.getState();
  return {
    tab: app.tab,
    source: pending ? pending.source : sourceRefOf(app.source),
    frame: pending ? pending.frame : app.frameIndex,
    params: usePipeline.getState().params,
    vsrModel: view.vsrModel,
    ...(view.vsrAuto ? { vsrAuto: true } : {}),
    compare: view.compare,
    blind: view.blind,
  };
}

function goToFrame(frame: number): void {
  const app = useApp.getState();
  const n = app.source?.frameCount ?? 1;
  if (frame > n - 1) app.notify(`The link's frame ${frame + 1} is past the end of this clip (${n} frame${n === 1 ? '' : 's'}); showing the last one.`);
  app.setFrameIndex(frame);
}

function showNotices(notices: string[]): void {
  const notify = useApp.getState().notify;
  if (notices.length <= 3) notices.forEach(notify);
  else notify(`The link was repaired: ${notices.slice(0, 3).join(' ')} (and ${notices.length - 3} more)`);
}

/** Puts a decoded link's state into the stores (and asks for the file when the link names one). */
export function applyShareState(state: ShareState, notices: string[] = []): void {
  const app = useApp.getState();
  const view = useView.getState();
  showNotices(notices);
  app.setTab(state.tab);
  view.setCompare(state.compare);
  // A link names its model (the one auto had picked, if it was on); with auto on, the clip is
  // measured again and gives the same pick.
  if (state.vsrAuto) {
    view.setVsrModel(state.vsrModel);
    view.setVsrAuto(true);
  } else view.chooseVsrModel(state.vsrModel);
  view.setBlind(state.blind);
  if (state.params) usePipeline.getState().setParams(state.params);
  if (sameSource(app.source, state.source)) {
    pending = null;
    goToFrame(state.frame);
    return;
  }
  pending = { source: state.source, frame: state.frame };
  if (state.source.kind === 'file') app.notify(`Open '${state.source.name}' to continue: this link was made with that file, which links cannot carry.`);
  else if (app.source?.kind === 'file') void syncOptions.openSample?.();
}

/** Writes the current state into the hash now (replaceState: no history entry per slider move). */
export function writeHashNow(): string {
  if (timer) clearTimeout(timer);
  timer = null;
  const enc = encodeShareState(currentShareState());
  lastWritten = enc;
  if (location.hash !== `#${enc}`) history.replaceState(history.state, '', `#${enc}`);
  return enc;
}

/** The link to the current state (the "Copy link" button). */
export function shareLink(): string {
  writeHashNow();
  return location.href;
}

function scheduleWrite(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(writeHashNow, WRITE_DELAY_MS);
}

function restoreFrom(hash: string): void {
  const { state, notices } = decodeShareState(hash);
  if (state) applyShareState(state, notices);
  else showNotices(notices);
}

/**
 * Restores the state from the hash once per page load, follows hash changes
 * (a pasted link), and keeps the hash current (debounced). Returns the unsubscribe.
 */
export function startUrlSync(opts: UrlSyncOptions = {}): () => void {
  syncOptions = opts;
  if (!restoredOnLoad) {
    restoredOnLoad = true;
    restoreFrom(location.hash);
  }
  const onHash = () => {
    if (location.hash === `#${lastWritten}`) return;
    if (location.hash === '' || location.hash === '#') return;
    restoreFrom(location.hash);
  };
  window.addEventListener('hashchange', onHash);
  const unApp = useApp.subscribe((s, p) => {
    if (s.source !== p.source && s.source && pending) {
      if (sameSource(s.source, pending.source)) {
        const f = pending.frame;
        pending = null;
        goToFrame(f);
      } else if (s.source.kind === 'file') {
        pending = null; // the user opened another file: the link's file is no longer wanted
      }
    }
    if (s.tab !== p.tab || s.source !== p.source || s.frameIndex !== p.frameIndex) scheduleWrite();
  });
  const unView = useView.subscribe(scheduleWrite);
  const unParams = usePipeline.subscribe(scheduleWrite);
  scheduleWrite();
  return () => {
    window.removeEventListener('hashchange', onHash);
    unApp();
    unView();
    unParams();
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
