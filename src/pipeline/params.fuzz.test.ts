/**
 * Property tests (fast-check) of the one PipelineParams reader, which takes hostile input from
 * share links, params.json files and the training factory. Thousands of random and mutated inputs:
 *
 * - strict mode either returns params or throws a ParamsError (never another exception);
 * - lenient mode only throws a ParamsError for inputs that are not objects or carry an unknown
 *   version, and whatever it returns passes strict validation unchanged (a repaired state is valid);
 * - the output is a fresh plain object built from known names: `__proto__`/`constructor` keys in
 *   the input never reach it or Object.prototype;
 * - the reader is a fixed point: parsing its own output gives equal params and no notices.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ParamsError, defaultPipelineParams, paramsEqual, parsePipelineParams, type PipelineParams } from './params.ts';

const RUNS = 1000;   // per property: 4 properties give 4,000 inputs (a few seconds on a quiet 2-core VM)

/** Values of the kinds a JSON file or a tampered link can hold, plus the ones JS code can pass. */
const anyValue = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, 4, 51, 128, 129, 2 ** 32, -1),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('iso', 'aniso', 'gaussian', 'none', 'bicubic', 'libx264', 'paper', 'fixed', '__proto__', 'constructor', '1e3', ''),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** Mutations of a valid params object: every field replaced, removed or joined by stray keys. */
function mutatedParams(): fc.Arbitrary<unknown> {
  const base = defaultPipelineParams() as unknown as Record<string, unknown>;
  const sections = Object.keys(base);
  return fc
    .record({
      section: fc.constantFrom(...sections),
      field: fc.string({ maxLength: 12 }),
      pickKnown: fc.boolean(),
      value: anyValue,
      drop: fc.boolean(),
      extraKey: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'x', 'version'),
      extra: anyValue,
    })
    .map(({ section, field, pickKnown, value, drop, extraKey, extra }) => {
      const p = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
      const sec = p[section];
      if (sec && typeof sec === 'object') {
        const keys = Object.keys(sec);
        const k = pickKnown && keys.length ? keys[field.length % keys.length] : field;
        if (drop) delete (sec as Record<string, unknown>)[k];
        else (sec as Record<string, unknown>)[k] = value;
      } else {
        p[section] = value;
      }
      // JSON.parse makes a real own "__proto__" key, as a link or a file would. A replacer function,
      // not a string: a string's "$'" or "$&" (fast-check generates them) would be expanded by replace()
      const head = `{${JSON.stringify(extraKey)}:${JSON.stringify(extra ?? null)},`;
      return JSON.parse(JSON.stringify(p).replace(/^\{/, () => head)) as unknown;
    });
}

const randomJson = fc.jsonValue({ maxDepth: 4 }).map((v) => v as unknown);

function expectPlainParams(p: PipelineParams): void {
  expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  expect(Object.prototype.hasOwnProperty.call(p, '__proto__')).toBe(false);
  for (const v of Object.values(p)) {
    if (v && typeof v === 'object') {
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(false);
    }
  }
}

afterEach(() => {
  // nothing may have been written onto Object.prototype by any input
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OWN_PROTO);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
const OWN_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();

describe('parsePipelineParams under fuzzing', () => {
  for (const [name, arb] of [['mutated valid params', mutatedParams()], ['random JSON', randomJson]] as const) {
    it(`strict: params or a ParamsError, never another throw (${name})`, () => {
      fc.assert(
        fc.property(arb, (input) => {
          try {
            const { params } = parsePipelineParams(input);
            expectPlainParams(params);
          } catch (e) {
            expect(e).toBeInstanceOf(ParamsError);
            expect((e as ParamsError).problems.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it(`lenient: a repaired state is valid and a fixed point (${name})`, () => {
      fc.assert(
        fc.property(arb, (input) => {
          let res;
          try {
            res = parsePipelineParams(input, { lenient: true });
          } catch (e) {
            // lenient mode refuses only what cannot be repaired: not an object, or an unknown version
            expect(e).toBeInstanceOf(ParamsError);
            const isObject = input !== null && typeof input === 'object' && !Array.isArray(input);
            if (isObject) expect((e as ParamsError).problems.join(' ')).toMatch(/version/);
            return;
          }
          expectPlainParams(res.params);
          const again = parsePipelineParams(JSON.parse(JSON.stringify(res.params)));
          expect(again.notices).toEqual([]);
          expect(paramsEqual(again.params, res.params)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('a "__proto__" key with a polluting payload reaches neither the output nor Object.prototype', () => {
    fc.assert(
      fc.property(fc.constantFrom('blur', 'noise', 'down', 'vqd', 'compress'), anyValue, (section, v) => {
        const text = `{"__proto__":{"polluted":1},"${section}":{"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}},"x":${JSON.stringify(v ?? null)}}}`;
        const { params } = parsePipelineParams(JSON.parse(text), { lenient: true });
        expectPlainParams(params);
        expect((params as unknown as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
