/**
 * Property tests (fast-check) of the share-link decoder: a link is text anyone can write.
 *
 * - any string: decodeShareState returns {state, notices} and never throws;
 * - a well-formed envelope around random or mutated JSON: a state it accepts is a fixed point
 *   (encode → decode gives the same state with no notices), and nothing reaches Object.prototype;
 * - a real link with characters flipped, cut or inserted: never a throw, and either the same
 *   state, another valid state, or a rejection with a notice that says why.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HASH_PREFIX, base64UrlEncode, decodeShareState, encodeShareState, type ShareState } from './url-state';

const RUNS = 1000;
const OWN_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();

afterEach(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OWN_PROTO);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

function link(obj: unknown): string {
  return HASH_PREFIX + base64UrlEncode(JSON.stringify(obj));
}

/** A complete, valid state: what the decoder makes of a link that only names a tab. */
function baseState(): ShareState {
  const s = decodeShareState(link({ t: 'compare', f: 3 })).state;
  if (!s) throw new Error('the minimal link was rejected');
  return s;
}

function expectRoundTrip(state: ShareState): void {
  const again = decodeShareState(encodeShareState(state));
  expect(again.notices).toEqual([]);
  expect(again.state).toEqual(state);
}

function expectWellFormed(r: ReturnType<typeof decodeShareState>): void {
  expect(Array.isArray(r.notices)).toBe(true);
  for (const n of r.notices) expect(typeof n).toBe('string');
  if (r.state === null) return;
  expect(Object.getPrototypeOf(r.state)).toBe(Object.prototype);
  expect(Object.prototype.hasOwnProperty.call(r.state, '__proto__')).toBe(false);
}

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(NaN as unknown, 1e308, -1, 2 ** 53, '__proto__', 'constructor', 'split', 'vsr', 'bicubic', ''),
);

describe('decodeShareState under fuzzing', () => {
  it('any string: never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 60 }).map((s) => `${HASH_PREFIX}${s}`),
        fc.string({ maxLength: 60 }).map((s) => `#v${s}`)), (hash) => {
        expectWellFormed(decodeShareState(hash));
      }),
      { numRuns: RUNS },
    );
  });

  it('random JSON in a valid envelope: an accepted state is a fixed point', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (obj) => {
        const r = decodeShareState(link(obj));
        expectWellFormed(r);
        if (r.state) expectRoundTrip(r.state);
        else expect(r.notices.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid link with one field replaced (or a polluting key added): repaired or rejected, never thrown', () => {
    const base = JSON.parse(JSON.stringify(baseState())) as ShareState;
    const encoded = JSON.parse(Buffer.from(encodeShareState(base).slice(HASH_PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
    const paths: string[][] = [];
    const walk = (o: unknown, path: string[]) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) {
        for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
      }
      if (path.length) paths.push(path);
    };
    walk(encoded, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), anyValue, fc.constantFrom('__proto__', 'constructor', 'x'), (path, value, extraKey) => {
        const o = JSON.parse(JSON.stringify(encoded)) as Record<string, unknown>;
        let cur = o;
        for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
        cur[path[path.length - 1]] = value;
        const text = JSON.stringify(o).replace(/^\{/, `{"${extraKey}":{"polluted":1},`);
        const r = decodeShareState(HASH_PREFIX + base64UrlEncode(text));
        expectWellFormed(r);
        if (r.state) {
          expect((r.state as unknown as Record<string, unknown>).polluted).toBeUndefined();
          expectRoundTrip(r.state);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid link with characters flipped, cut or inserted: never thrown, a rejection says why', () => {
    const good = encodeShareState(baseState());
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.constantFrom('flip', 'cut', 'insert'), fc.string({ minLength: 1, maxLength: 3 }), (at, op, s) => {
        const hash = op === 'cut' ? good.slice(0, at) : op === 'insert' ? good.slice(0, at) + s + good.slice(at) : good.slice(0, at) + s[0] + good.slice(at + 1);
        const r = decodeShareState(hash);
        expectWellFormed(r);
        if (r.state === null && hash !== '') expect(r.notices.length).toBeGreaterThan(0);
        if (r.state) expectRoundTrip(r.state);
      }),
      { numRuns: RUNS },
    );
  });
});
