/**
 * Property tests (fast-check) of the model manifest reader (issue 15.6): a manifest is a file a
 * user may point the CLI at (--models) or a server may serve damaged.
 *
 * - any JSON value: parseManifest returns a manifest or throws ModelFileError, nothing else;
 * - the shipped manifest with random fields deleted, retyped or replaced: parsing, listing and
 *   describing every model of every kind either gives a descriptor that is consistent (the codebook's
 *   bytes match rows × cols × 4; a VSR state width is a positive integer; files are plain names) or
 *   a ModelFileError naming the problem — never a TypeError, never a polluted prototype.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { describeModel, listModels, type ModelKind, type VqganModel, type VsrModel } from './kinds';
import { ModelFileError, parseManifest } from './manifest';

const RUNS = 1000;
const OWN_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();
const SHIPPED = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../public/models/manifest.json'), 'utf8')) as unknown;
const KINDS: ModelKind[] = ['vqgan', 'vsr'];

afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OWN_PROTO);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** Everything a reader of this manifest can do; returns the descriptors it accepted. */
function readAll(raw: unknown): (VqganModel | VsrModel)[] {
  const m = parseManifest(raw, 'fuzzed manifest');
  const out: (VqganModel | VsrModel)[] = [];
  for (const kind of KINDS) {
    for (const d of listModels(m, kind)) out.push(d);
    for (const id of [...Object.keys(m.models), 'vsr', 'vqgan', 'constructor', '__proto__']) {
      try {
        out.push(describeModel(m, kind, id, 'fuzzed manifest'));
      } catch (e) {
        if (!(e instanceof ModelFileError)) throw e;
      }
    }
  }
  return out;
}

function expectConsistent(m: VqganModel | VsrModel): void {
  if (m.kind === 'vqgan') {
    expect(Number.isInteger(m.nCodes) && m.nCodes > 0 && Number.isInteger(m.nz) && m.nz > 0).toBe(true);
    expect(m.codebook.bytes).toBe(m.nCodes * m.nz * 4);
    for (const f of [m.encoder, m.decoder, m.codebook]) expect(f.file).toMatch(/^[\w.-]+$/);
  } else {
    expect(m.kind).toBe('vsr');
    expect(Number.isInteger(m.stateChannels) && m.stateChannels > 0).toBe(true);
    expect(m.scale).toBe(4);
    expect(m.step.file).toMatch(/^[\w.-]+\.step\.onnx$/);
  }
}

/** Accepts or refuses with a ModelFileError; returns whether it accepted. */
function readsOrRefuses(raw: unknown): boolean {
  try {
    readAll(raw).forEach(expectConsistent);
    return true;
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw e;
    expect(e.message.length).toBeGreaterThan(10);
    return false;
  }
}

/** Every path to a value inside `v` (object keys and array indices). */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [at];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...at, k]))];
}

function mutate(base: unknown, p: (string | number)[], op: 'delete' | 'replace', value: unknown): unknown {
  const root = structuredClone(base);
  if (p.length === 0) return op === 'delete' ? undefined : value;
  let cur = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (op === 'delete') {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else {
    cur[last] = value;
  }
  return root;
}

describe('manifest reader under fuzzing', () => {
  it('accepts the shipped manifest and reads consistent descriptors from it', () => {
    expect(readsOrRefuses(SHIPPED)).toBe(true);
    expect(readAll(SHIPPED).length).toBeGreaterThanOrEqual(3);
  });

  it('any JSON value: a manifest or a ModelFileError', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void readsOrRefuses(v)), { numRuns: RUNS });
  });

  it('the shipped manifest with a field deleted or replaced: a consistent read or a ModelFileError', () => {
    const all = paths(SHIPPED);
    const odd = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(null, 0, -1, 1.5, 1e30, '', 'x/../y.onnx', '__proto__', [], {}, { __proto__: { polluted: 1 } }),
      fc.constant(JSON.parse('{"__proto__": {"polluted": 1}}')),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.constantFrom('delete' as const, 'replace' as const), odd, (i, op, value) => {
        readsOrRefuses(mutate(SHIPPED, all[i], op, value));
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
