import { describe, expect, it } from 'vitest';
import { makeRng, type StreamRng } from '../core/rng';
import {
  MAX_FRAME_INDEX,
  MAX_HASH_CHARS,
  MAX_NAME_CHARS,
  TABS,
  base64UrlDecode,
  base64UrlEncode,
  decodeShareState,
  encodeShareState,
  type ParamsCodec,
  type ShareState,
} from './url-state';
import {
  BLIND_MAX_FRAMES,
  BLIND_MAX_PAIRS,
  COMPARE_MODES,
  DEFAULT_BLIND,
  DEFAULT_COMPARE,
  REGION_MAX,
  REGION_MIN,
  BASE_VARIANT_IDS,
  ZOOM_MAX,
  ZOOM_MIN,
  onLinkGrid,
  vsrVariant,
  type VariantId,
} from './view-state';
import { defaultPipelineParams, paramsEqual } from '../pipeline/params';
import { samplePaperParams } from '../pipeline/sample-params';

/**
 * A stand-in for the pipeline's validator, so the codec's own contract is tested
 * in isolation: params are {seed: u32, k: int 1..64}; anything else is repaired with a notice.
 */
interface FakeParams {
  seed: number;
  k: number;
}
const fakeParams: ParamsCodec<FakeParams> = {
  parse(raw) {
    const notices: string[] = [];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { params: null, notices: ['params are not an object'] };
    const o = raw as Record<string, unknown>;
    const seed = Number.isInteger(o.seed) && (o.seed as number) >= 0 && (o.seed as number) <= 0xffffffff ? (o.seed as number) : (notices.push('bad seed'), 0);
    const k = Number.isInteger(o.k) && (o.k as number) >= 1 && (o.k as number) <= 64 ? (o.k as number) : (notices.push('bad k'), 1);
    for (const key of Object.keys(o)) if (key !== 'seed' && key !== 'k') notices.push(`unknown param ${key}`);
    return { params: { seed, k }, notices };
  },
};

/** Values on the codec's grid (4 or 6 decimals), so an exact round trip is the right expectation. */
function grid(rng: StreamRng, lo: number, hi: number, decimals = 4): number {
  return Math.round(rng.uniform(lo, hi) * 10 ** decimals) / 10 ** decimals;
}

const NAME_CHARS = 'abcXYZ019 _-.()[]éü漢字😀<>&"\'/\\';
function randomName(rng: StreamRng): string {
  const n = rng.int(1, 40);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.choice([...NAME_CHARS]);
  return s.trim() === '' ? 'x' + s : s;
}

/** Every kind of variant id: the fixed ones and VSR models (the shipped ids and other valid ones). */
const VARIANT_IDS: VariantId[] = [...BASE_VARIANT_IDS, ...['vsr', 'vsr-restore', 'vsr-large', 'VSR_2.1'].map(vsrVariant)];

function randomPair(rng: StreamRng): [VariantId, VariantId] {
  const a = rng.choice(VARIANT_IDS);
  let b = rng.choice(VARIANT_IDS);
  while (b === a) b = rng.choice(VARIANT_IDS);
  return [a, b];
}

function randomState(rng: StreamRng): ShareState<FakeParams> {
  const pairs: [VariantId, VariantId][] = [];
  const keys = new Set<string>();
  for (let i = rng.int(1, 6); i > 0; i--) {
    const p = randomPair(rng);
    if (!keys.has(p.join('|'))) {
      keys.add(p.join('|'));
      pairs.push(p);
    }
  }
  const frames = [...new Set(Array.from({ length: rng.int(1, 12) }, () => rng.int(0, 5000)))];
  const state: ShareState<FakeParams> = {
    tab: rng.choice(TABS),
    source: rng.bool() ? { kind: 'sample' } : { kind: 'file', name: randomName(rng) },
    frame: rng.int(0, rng.bool() ? 100 : MAX_FRAME_INDEX),
    vsrModel: rng.choice(['vsr', 'vsr-large', 'VSR_2.1', 'a']),
    compare: {
      a: rng.choice(VARIANT_IDS),
      b: rng.choice(VARIANT_IDS),
      mode: rng.choice(COMPARE_MODES),
      split: grid(rng, 0, 1),
      zoom: rng.bool(0.2) ? 0 : grid(rng, ZOOM_MIN, ZOOM_MAX),
      panX: grid(rng, 0, 1, 6),
      panY: grid(rng, 0, 1, 6),
      region: { x: grid(rng, 0, 1, 6), y: grid(rng, 0, 1, 6), size: grid(rng, REGION_MIN, REGION_MAX) },
    },
    blind: { seed: rng.u32(), frames, pairs, context: rng.choice(VARIANT_IDS) },
  };
  if (rng.bool()) state.params = { seed: rng.u32(), k: rng.int(1, 64) };
  return state;
}

/** A hash from hand-written JSON (what a tamperer would write). */
function hashOf(json: string): string {
  return 'v1.' + base64UrlEncode(json);
}

function decode(json: string) {
  return decodeShareState(hashOf(json), { params: fakeParams });
}

describe('url-state round trip', () => {
  it('decodes 500 random valid states to exactly what was encoded, with no notices', () => {
    const rng = makeRng(20240607);
    for (let i = 0; i < 500; i++) {
      const s = randomState(rng);
      const hash = encodeShareState(s);
      const { state, notices } = decodeShareState('#' + hash, { params: fakeParams });
      expect(notices, `state ${i}: ${hash}`).toEqual([]);
      expect(state).toEqual(s);
      // Stable: decoding and re-encoding gives the same text (links do not drift when re-shared).
      expect(encodeShareState(state!)).toBe(hash);
    }
  });

  it('puts off-grid numbers on the grid the views use (so a restored view is the same view)', () => {
    const s = { ...randomState(makeRng(5)), params: undefined };
    delete s.params;
    const off = { ...s, compare: { ...s.compare, zoom: 3.00000000006, panX: 0.123456789, split: 0.349999999 } };
    const { state } = decodeShareState(encodeShareState(off), { params: fakeParams });
    expect(state!.compare).toEqual(onLinkGrid(off.compare));
    expect(state!.compare.zoom).toBe(3);
    expect(state!.compare.panX).toBe(0.123457);
    expect(state!.compare.split).toBe(0.35);
  });

  it('keeps typical links short', () => {
    const s: ShareState<FakeParams> = {
      tab: 'compare',
      source: { kind: 'sample' },
      frame: 12,
      vsrModel: 'vsr',
      compare: { ...DEFAULT_COMPARE, zoom: 2.5937, panX: 0.3125, panY: 0.71 },
      blind: DEFAULT_BLIND,
      params: { seed: 123456789, k: 3 },
    };
    expect(encodeShareState(s).length).toBeLessThan(400);
  });

  it('base64url: inverse of itself on any UTF-8 text, and strict about its alphabet', () => {
    for (const t of ['', 'a', 'ab', 'abc', '{"s":"漢字😀"}', '\u0000\uffff']) expect(base64UrlDecode(base64UrlEncode(t))).toBe(t);
    expect(base64UrlEncode('>>>???')).not.toMatch(/[+/=]/);
    expect(() => base64UrlDecode('ab+c')).toThrow();
    expect(() => base64UrlDecode('abcde')).toThrow(); // 4k+1 characters is never an encoding
    expect(() => base64UrlDecode('_w')).toThrow(); // 0xFF alone is not UTF-8
  });
});

describe('url-state envelope tampering: the link is rejected with a notice, never a throw', () => {
  const good = encodeShareState(randomState(makeRng(7)));
  const cases: [string, string, RegExp][] = [
    ['wrong version (newer)', 'v2.' + good.slice(3), /newer version/],
    ['wrong version (older)', 'v0.' + good.slice(3), /unknown version/],
    ['not a state', 'section-3', /not a vqdsr-web state/],
    ['garbage base64', 'v1.!!!%%%***', /damaged/],
    ['truncated base64 (4k+1 chars)', good.slice(0, 3 + 4 * Math.floor((good.length - 3) / 4) - 3), /damaged/],
    ['truncated JSON', 'v1.' + base64UrlEncode('{"t":"compare","c":{"a":"vs'), /damaged/],
    ['base64 of non-JSON', 'v1.' + base64UrlEncode('alert(1)'), /damaged/],
    ['invalid UTF-8', 'v1._w', /damaged/],
    ['too long', 'v1.' + 'A'.repeat(MAX_HASH_CHARS), /characters long/],
    ['JSON array', hashOf('[1,2,3]'), /not an object/],
    ['JSON null', hashOf('null'), /not an object/],
    ['JSON string', hashOf('"<script>alert(1)</script>"'), /not an object/],
  ];
  for (const [what, hash, notice] of cases) {
    it(what, () => {
      const r = decodeShareState(hash, { params: fakeParams });
      expect(r.state).toBeNull();
      expect(r.notices.length).toBe(1);
      expect(r.notices[0]).toMatch(notice);
    });
  }

  it('an empty hash is simply no state', () => {
    expect(decodeShareState('', {})).toEqual({ state: null, notices: [] });
    expect(decodeShareState('#')).toEqual({ state: null, notices: [] });
  });
});

describe('url-state field tampering: repaired field by field, each repair noticed', () => {
  it('bad types fall back to defaults', () => {
    const { state, notices } = decode('{"t":42,"f":"12","c":{"a":7,"s":"half","z":[2],"m":{}},"b":{"s":"seed","f":"0,1","p":{}}}');
    expect(state!.tab).toBe('degrade');
    expect(state!.frame).toBe(0);
    expect(state!.compare.a).toBe(DEFAULT_COMPARE.a);
    expect(state!.compare.split).toBe(DEFAULT_COMPARE.split);
    expect(state!.compare.zoom).toBe(DEFAULT_COMPARE.zoom);
    expect(state!.compare.mode).toBe(DEFAULT_COMPARE.mode);
    expect(state!.blind).toEqual(DEFAULT_BLIND);
    expect(notices.length).toBe(9);
  });

  it('NaN (as text) and Infinity (1e999 parses to it) are rejected', () => {
    const { state, notices } = decode('{"f":"NaN","c":{"s":1e999,"z":-1e999,"x":"Infinity"}}');
    expect(state!.frame).toBe(0);
    expect(state!.compare.split).toBe(0.5);
    expect(state!.compare.zoom).toBe(0);
    expect(state!.compare.panX).toBe(0.5);
    expect(notices.filter((n) => /not finite/.test(n)).length).toBe(2);
    expect(notices.length).toBe(4);
  });

  it('huge numbers are clamped to the range', () => {
    const { state, notices } = decode('{"f":1e308,"c":{"z":1e308,"s":1e308,"r":[1e308,-1e308,1e308]},"b":{"s":1e308,"f":[1e308]}}');
    expect(state!.frame).toBe(MAX_FRAME_INDEX);
    expect(state!.compare.zoom).toBe(ZOOM_MAX);
    expect(state!.compare.split).toBe(1);
    expect(state!.compare.region).toEqual({ x: 1, y: 0, size: REGION_MAX });
    expect(state!.blind.seed).toBe(0xffffffff);
    expect(state!.blind.frames).toEqual([MAX_FRAME_INDEX]);
    expect(notices.length).toBe(8);
    expect(notices.every((n) => /clamped/.test(n))).toBe(true);
  });

  it('a negative or fractional frame index is clamped / rounded', () => {
    let r = decode('{"f":-5}');
    expect(r.state!.frame).toBe(0);
    expect(r.notices).toEqual([expect.stringMatching(/frame index = -5 is out of range .* clamped to 0/)]);
    r = decode('{"f":3.6}');
    expect(r.state!.frame).toBe(4);
    expect(r.notices).toEqual([expect.stringMatching(/whole number/)]);
  });

  it('tiny non-zero zoom is clamped up; 0 still means fit', () => {
    expect(decode('{"c":{"z":1e-300}}').state!.compare.zoom).toBe(ZOOM_MIN);
    expect(decode('{"c":{"z":0}}').notices).toEqual([]);
  });

  it('unknown keys are ignored with a notice; known fields still apply', () => {
    const { state, notices } = decode('{"t":"compare","zz":1,"c":{"a":"lr","evil":"x"},"b":{"q":[]}}');
    expect(state!.tab).toBe('compare');
    expect(state!.compare.a).toBe('lr');
    expect(notices).toEqual([
      expect.stringMatching(/unknown key "zz" in the state/),
      expect.stringMatching(/unknown key "evil" in the compare view/),
      expect.stringMatching(/unknown key "q" in the blind test/),
    ]);
  });

  it('__proto__ / constructor / prototype keys are ignored, never followed, and pollute nothing', () => {
    const json =
      '{"__proto__":{"polluted":1,"t":"blind"},"constructor":{"prototype":{"polluted":2}},' +
      '"c":{"__proto__":{"a":"vsr"},"b":"lr"},"b":{"prototype":1},"p":{"seed":5,"k":2,"__proto__":{"polluted":3}}}';
    const { state, notices } = decode(json);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(state!.tab).toBe('degrade'); // not read through __proto__
    expect(state!.compare.a).toBe(DEFAULT_COMPARE.a);
    expect(state!.compare.b).toBe('lr');
    expect(state!.params).toEqual({ seed: 5, k: 2 });
    expect(Object.getPrototypeOf(state!.params)).toBe(Object.prototype);
    expect(notices.filter((n) => /unsafe key/.test(n)).length).toBe(5);
    // The validator never saw the unsafe key (it would have reported an unknown param).
    expect(notices.some((n) => /unknown param/.test(n))).toBe(false);
  });

  it('a missing key is never read from the prototype chain ("constructor" is not a file name)', () => {
    const { state } = decode('{"t":"toString","c":{"m":"constructor","a":"hasOwnProperty"}}');
    expect(state!.tab).toBe('degrade');
    expect(state!.compare.mode).toBe('split');
    expect(state!.compare.a).toBe('original');
  });

  it('script-like strings: rejected where a known value is expected, kept as inert text in a file name', () => {
    const payload = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const { state, notices } = decode(JSON.stringify({ t: payload, s: payload, c: { a: payload, m: 'javascript:alert(1)' }, b: { p: [[payload, 'lr']], c: payload } }));
    expect(state!.tab).toBe('degrade');
    expect(state!.compare.a).toBe('original');
    expect(state!.compare.mode).toBe('split');
    expect(state!.blind.pairs).toEqual(DEFAULT_BLIND.pairs);
    expect(state!.blind.context).toBe(DEFAULT_BLIND.context);
    // A file name is the user's text: kept verbatim (the UI renders it as text), never interpreted.
    expect(state!.source).toEqual({ kind: 'file', name: payload });
    expect(notices.length).toBe(5);
  });

  it('file names: control characters removed, long names shortened, empty names ignored', () => {
    let r = decode(JSON.stringify({ s: 'a\u0000b\u202Ec\u2028d.mp4' }));
    expect(r.state!.source).toEqual({ kind: 'file', name: 'ab\u202Ecd.mp4' });
    expect(r.notices).toEqual([expect.stringMatching(/control characters/)]);
    r = decode(JSON.stringify({ s: 'x'.repeat(5000) }));
    expect(r.state!.source).toEqual({ kind: 'file', name: 'x'.repeat(MAX_NAME_CHARS) });
    expect(r.notices).toEqual([expect.stringMatching(/shortened/)]);
    r = decode('{"s":"   "}');
    expect(r.state!.source).toEqual({ kind: 'sample' });
    r = decode('{"s":{"name":"x"}}');
    expect(r.state!.source).toEqual({ kind: 'sample' });
    expect(r.notices).toEqual([expect.stringMatching(/should be text/)]);
  });

  it('blind test: bad pairs dropped, duplicates merged, lists capped', () => {
    const frames = Array.from({ length: 100 }, (_, i) => i);
    const pairs = Array.from({ length: 20 }, (_, i) => (i % 2 ? ['vsr', 'bicubic'] : ['lr', `x${i}`]));
    const { state, notices } = decode(JSON.stringify({ b: { s: 9, f: [...frames, 3, 3], p: [['vsr', 'vsr'], ...pairs], c: 'original' } }));
    expect(state!.blind.seed).toBe(9);
    expect(state!.blind.frames).toEqual(frames.slice(0, BLIND_MAX_FRAMES));
    expect(state!.blind.pairs).toEqual([['vsr:vsr', 'bicubic']]); // the bare 'vsr' of older links is the link's VSR model
    expect(notices.some((n) => /kept the first 64/.test(n))).toBe(true);
    expect(notices.some((n) => new RegExp(`kept the first ${BLIND_MAX_PAIRS}`).test(n))).toBe(true);
    expect(notices.some((n) => /pair 1 .* dropped/.test(n))).toBe(true);
  });

  it('VSR variants name their model; the bare "vsr" of older links reads as the link\'s VSR model', () => {
    const r = decode(JSON.stringify({ m: 'vsr-restore', c: { a: 'vsr', b: 'vsr:vsr' }, b: { p: [['vsr', 'vsr:vsr']], c: 'vsr:vsr-restore' } }));
    expect(r.notices).toEqual([]);
    expect(r.state!.vsrModel).toBe('vsr-restore');
    expect([r.state!.compare.a, r.state!.compare.b]).toEqual(['vsr:vsr-restore', 'vsr:vsr']);
    expect(r.state!.blind.pairs).toEqual([['vsr:vsr-restore', 'vsr:vsr']]);
    expect(r.state!.blind.context).toBe('vsr:vsr-restore');
    // Without m, the bare 'vsr' is the default model; a VSR variant must name a model id.
    expect(decode('{"c":{"a":"vsr"}}').state!.compare.a).toBe('vsr:vsr');
    for (const bad of ['vsr:', 'vsr:../x', 'vsr-alt', 'vsr:a b']) {
      const d = decode(JSON.stringify({ c: { a: bad } }));
      expect(d.state!.compare.a, bad).toBe('original');
      expect(d.notices, bad).toEqual([expect.stringMatching(/compare A .* is not one of the known values/)]);
    }
    // The chosen model and the VSR variants survive a round trip through the link.
    const s: ShareState<FakeParams> = { tab: 'compare', source: { kind: 'sample' }, frame: 0, vsrModel: 'vsr-restore', compare: { ...DEFAULT_COMPARE, a: 'vsr:vsr', b: 'vsr:vsr-restore' }, blind: DEFAULT_BLIND };
    const back = decodeShareState(encodeShareState(s), { params: fakeParams }).state!;
    expect([back.vsrModel, back.compare.a, back.compare.b]).toEqual(['vsr-restore', 'vsr:vsr', 'vsr:vsr-restore']);
  });

  it('carries the Upscale tab\'s auto choice as a: 1; older links (no a) keep their named model', () => {
    const s: ShareState<FakeParams> = { tab: 'upscale', source: { kind: 'sample' }, frame: 0, vsrModel: 'vsr-restore', vsrAuto: true, compare: DEFAULT_COMPARE, blind: DEFAULT_BLIND };
    const text = encodeShareState(s);
    const back = decodeShareState(text, { params: fakeParams });
    expect(back.notices).toEqual([]);
    expect([back.state!.vsrModel, back.state!.vsrAuto]).toEqual(['vsr-restore', true]);
    const off = decodeShareState(encodeShareState({ ...s, vsrAuto: false }), { params: fakeParams }).state!;
    expect([off.vsrModel, off.vsrAuto]).toEqual(['vsr-restore', undefined]);
    expect(decode(JSON.stringify({ m: 'vsr-restore' })).state!.vsrAuto).toBeUndefined();
    for (const bad of [0, true, '1', 2]) {
      const d = decode(JSON.stringify({ m: 'vsr-restore', a: bad }));
      expect(d.state!.vsrAuto, String(bad)).toBeUndefined();
      expect(d.notices, String(bad)).toEqual([expect.stringMatching(/is not an auto setting; the link's model "vsr-restore" is used/)]);
    }
  });

  it('−0 in a link (or a tiny negative rounded to it) reads as 0', () => {
    for (const raw of ['{"f":-0}', '{"f":-5e-324}', '{"b":{"s":-0}}']) {
      const { state } = decode(raw);
      expect(Object.is(state!.frame, -0) || Object.is(state!.blind.seed, -0), raw).toBe(false);
    }
  });

  it('model ids must look like ids', () => {
    for (const bad of ['"../../etc/passwd"', '"vsr<x>"', '""', '["vsr"]', '7', `"${'a'.repeat(65)}"`]) {
      const { state, notices } = decode(`{"m":${bad}}`);
      expect(state!.vsrModel).toBe('vsr');
      expect(notices).toEqual([expect.stringMatching(/is not a model id/)]);
    }
    expect(decode('{"m":"vsr-large_2.0"}').state!.vsrModel).toBe('vsr-large_2.0');
  });

  it("the pipeline validator's notices are shown; without a validator params are ignored with a notice", () => {
    const r = decode('{"p":{"seed":-1,"k":1000,"extra":true}}');
    expect(r.state!.params).toEqual({ seed: 0, k: 1 });
    expect(r.notices).toEqual(['Link: bad seed', 'Link: bad k', 'Link: unknown param extra']);
    const noCodec = decodeShareState(hashOf('{"p":{"seed":1,"k":2}}'), {});
    expect(noCodec.state!.params).toBeUndefined();
    expect(noCodec.notices).toEqual([expect.stringMatching(/not supported/)]);
  });

  it('deeply nested params are cut off before the validator sees them', () => {
    let deep = '1';
    for (let i = 0; i < 50; i++) deep = `{"a":${deep}}`;
    const r = decode(`{"p":{"seed":1,"k":2,"n":${deep}}}`);
    expect(r.notices.some((n) => /nested too deeply/.test(n))).toBe(true);
    expect(r.state!.params).toEqual({ seed: 1, k: 2 });
  });

  it('never throws on random byte strings', () => {
    const rng = makeRng(99);
    for (let i = 0; i < 300; i++) {
      const n = rng.int(0, 200);
      let s = 'v1.';
      for (let j = 0; j < n; j++) s += String.fromCharCode(rng.int(32, 126));
      const r = decodeShareState(s, { params: fakeParams });
      expect(r.state === null || typeof r.state === 'object').toBe(true);
    }
    // Random mutations of a valid link: each decodes (maybe repaired) or is rejected, never throws.
    const good = encodeShareState(randomState(makeRng(3)));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 500; i++) {
      const chars = [...good];
      const at = rng.int(3, chars.length - 1);
      chars[at] = alphabet[rng.int(0, alphabet.length - 1)];
      const r = decodeShareState(chars.join(''), { params: fakeParams });
      if (r.state) {
        expect(TABS).toContain(r.state.tab);
        expect(Number.isInteger(r.state.frame) && r.state.frame >= 0 && r.state.frame <= MAX_FRAME_INDEX).toBe(true);
        expect(r.state.compare.split >= 0 && r.state.compare.split <= 1).toBe(true);
      }
    }
  });
});

describe('url-state with the real PipelineParams validator', () => {
  it('round-trips paper-distribution params (seeds included) exactly', () => {
    const rng = makeRng(11);
    for (let i = 0; i < 100; i++) {
      const s = { ...randomState(rng), params: samplePaperParams(rng.u32()) } as ShareState;
      const hash = encodeShareState(s);
      const { state, notices } = decodeShareState(hash);
      expect(notices).toEqual([]);
      expect(state).toEqual(s);
      expect(paramsEqual(state!.params!, s.params!)).toBe(true);
    }
  });

  it('tampered params are clamped or replaced with notices; a newer params version keeps the current ones', () => {
    const p = { ...defaultPipelineParams(), seed: -4, down: { factor: 1e308, method: '<script>' }, __proto__x: 1 } as Record<string, unknown>;
    let r = decodeShareState(hashOf(JSON.stringify({ p })));
    expect(r.state!.params!.down.factor).toBe(4);
    expect(r.state!.params!.down.method).toBe('bicubic');
    expect(r.notices.length).toBeGreaterThanOrEqual(3);
    expect(r.notices.every((n) => n.startsWith('Link: '))).toBe(true);
    r = decodeShareState(hashOf(JSON.stringify({ t: 'compare', p: { ...defaultPipelineParams(), version: 99 } })));
    expect(r.state!.tab).toBe('compare');
    expect(r.state!.params).toBeUndefined();
    expect(r.notices).toEqual([expect.stringMatching(/newer than this app.*kept the current ones/)]);
    r = decodeShareState(hashOf('{"p":"<img src=x onerror=alert(1)>"}'));
    expect(r.state!.params).toBeUndefined();
    expect(r.notices.length).toBe(1);
  });
});
