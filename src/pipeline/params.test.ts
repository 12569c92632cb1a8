import { describe, expect, it } from 'vitest';
import { ParamsError, defaultPipelineParams, migrate, paperVqdKs, parsePipelineParams, type PipelineParams } from './params.ts';

function problems(input: unknown): string[] {
  try {
    parsePipelineParams(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ParamsError);
    return (e as ParamsError).problems;
  }
  throw new Error('expected a ParamsError');
}

const withPatch = (patch: Record<string, Record<string, unknown>>): Record<string, unknown> => {
  const base = JSON.parse(JSON.stringify(defaultPipelineParams())) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(patch)) base[k] = { ...base[k], ...v };
  return base;
};

describe('parsePipelineParams: valid input', () => {
  it('round-trips the defaults and a hand-made params object through JSON unchanged, without notices', () => {
    const d = defaultPipelineParams();
    expect(parsePipelineParams(JSON.parse(JSON.stringify(d)))).toEqual({ params: d, notices: [] });
    const p: PipelineParams = {
      version: 2,
      blur: { kind: 'aniso', sigmaX: 3.2, sigmaY: 0.9, theta: -1.25, beta: 1, size: 15 },
      noise: { kind: 'poisson', sigma: 0, gray: true, scale: 2.5 },
      down: { factor: 2.5, method: 'area' },
      vqd: { enabled: false, mode: 'fixed', kTop: 1, kMid: 7, kBot: 128, seed: 4294967295, anchorSigma: 1.25 },
      compress: { codec: 'mpeg2video', crf: 51, qscale: 31, profile: 'baseline', fps: 50 },
      seed: 123456789,
      modelId: 'vqgan-w32.v2',
    };
    expect(parsePipelineParams(JSON.parse(JSON.stringify(p)))).toEqual({ params: p, notices: [] });
  });

  it('fills missing fields with defaults (a params.json may give only what it changes)', () => {
    const { params, notices } = parsePipelineParams({ version: 2, compress: { crf: 30 } });
    expect(params.compress.crf).toBe(30);
    expect(params.compress.codec).toBe('libx264');
    expect(params.blur).toEqual(defaultPipelineParams().blur);
    expect(notices).toEqual([]);
  });

  it('reads a missing version as version 1, with a notice', () => {
    const { params, notices } = parsePipelineParams({ seed: 5 });
    expect(params.seed).toBe(5);
    expect(notices).toEqual(['params.version missing: read as version 2']);
  });

  it("in 'paper' VQD mode writes the k's drawn from vqd.seed into kTop/kMid/kBot", () => {
    const { params } = parsePipelineParams({ version: 2, vqd: { mode: 'paper', seed: 77, kTop: 99, kMid: 99, kBot: 99 } });
    expect(params.vqd).toMatchObject({ mode: 'paper', seed: 77, ...paperVqdKs(77) });
    expect(params.vqd.kTop).toBe(1);
  });
});

describe('parsePipelineParams: bad input (strict)', () => {
  it('names NaN, Infinity, negative σ, crf 99 and an unknown codec, all at once', () => {
    // JSON cannot carry NaN/Infinity; URL decoders and sliders can.
    const input = withPatch({
      blur: { sigmaX: NaN, sigmaY: -1 },
      noise: { sigma: Infinity },
      compress: { crf: 99, codec: 'h266' },
    });
    const list = problems(input);
    expect(list).toEqual([
      'blur.sigmaX must be a finite number (got NaN)',
      'blur.sigmaY must be a number in [0.1, 6] (got -1)',
      'noise.sigma must be a finite number (got Infinity)',
      'compress.codec must be one of libx264, mpeg4, mpeg2video, none (got "h266")',
      'compress.crf must be an integer in [0, 51] (got 99)',
    ]);
    // The error message lists them for a human.
    expect(() => parsePipelineParams(input)).toThrow(/invalid pipeline parameters:\n {2}- blur\.sigmaX must be a finite number \(got NaN\)/);
  });

  it('refuses wrong types without coercing them', () => {
    expect(problems(withPatch({ compress: { crf: '23' }, vqd: { enabled: 'yes' }, down: { method: 5 } }))).toEqual([
      'down.method must be one of area, bilinear, bicubic (got 5)',
      'vqd.enabled must be true or false (got "yes")',
      'compress.crf must be a finite number (got "23")',
    ]);
    expect(problems({ version: 2, blur: [1, 2] })).toEqual(['blur must be an object (got an array)']);
    expect(problems(null)).toEqual(['params must be an object (got null)']);
    expect(problems('{"version":1}')).toEqual(['params must be an object (got "{\\"version\\":1}")']);
  });

  it('checks integers, odd kernel sizes, k range, u32 seeds and mpeg2 frame rates', () => {
    expect(
      problems({
        version: 2,
        blur: { size: 20 },
        vqd: { kBot: 0, kMid: 2.5, seed: -1 },
        seed: 2 ** 32,
        compress: { codec: 'mpeg2video', fps: 26 },
      }),
    ).toEqual([
      'blur.size must be an odd integer in [1, 21] (got 20)',
      'vqd.kMid must be an integer in [1, 128] (got 2.5)',
      'vqd.kBot must be an integer in [1, 128] (got 0)',
      'vqd.seed must be an integer in [0, 4294967295] (got -1)',
      'compress.fps (mpeg2video allows only the standard frame rates (23.976, 24, 25, 29.97, 30, 50, 59.94, 60), got 26)',
      'seed must be an integer in [0, 4294967295] (got 4294967296)',
    ]);
  });

  it('refuses a newer or nonsensical version', () => {
    expect(problems({ version: 3 })).toEqual(['version 3 is newer than this app understands (2); update the app']);
    expect(problems({ version: 0 })).toEqual(['version must be a positive integer (got 0)']);
    expect(problems({ version: '1' })).toEqual(['version must be a positive integer (got "1")']);
  });

  it('caps and quotes strings: long or script-like model ids are refused, never echoed whole', () => {
    const long = 'x'.repeat(10_000);
    const [msg] = problems({ version: 2, modelId: long });
    expect(msg.length).toBeLessThan(200);
    expect(problems({ version: 2, modelId: '<img src=x onerror=alert(1)>' })).toEqual([
      'modelId must be 1–64 characters of A–Z a–z 0–9 . _ - (got "<img src=x onerror=alert(1)>")',
    ]);
  });
});

describe('parsePipelineParams: lenient mode (share links)', () => {
  it('clamps out-of-range values and replaces unusable ones, each with a notice', () => {
    const { params, notices } = parsePipelineParams(
      withPatch({ blur: { sigmaX: -3, size: 40 }, noise: { sigma: NaN }, compress: { crf: 99, codec: 'h266' }, vqd: { kBot: 1e9 } }),
      { lenient: true },
    );
    expect(params.blur.sigmaX).toBe(0.1);
    expect(params.blur.size).toBe(21);
    expect(params.noise.sigma).toBe(5); // the default
    expect(params.compress.crf).toBe(51);
    expect(params.compress.codec).toBe('libx264');
    expect(params.vqd.kBot).toBe(128);
    expect(notices).toEqual([
      'blur.sigmaX must be a number in [0.1, 6] (got -3): using 0.1',
      'blur.size must be an odd integer in [1, 21] (got 40): using 21',
      'noise.sigma must be a finite number (got NaN): using 5',
      'vqd.kBot must be an integer in [1, 128] (got 1000000000): using 128',
      'compress.codec must be one of libx264, mpeg4, mpeg2video, none (got "h266"): using "libx264"',
      'compress.crf must be an integer in [0, 51] (got 99): using 51',
    ]);
  });

  it('rounds non-integers and fixes even kernel sizes', () => {
    const { params } = parsePipelineParams(withPatch({ compress: { crf: 22.6 }, blur: { size: 8 } }), { lenient: true });
    expect(params.compress.crf).toBe(23);
    expect(params.blur.size).toBe(9);
  });

  it('still refuses what cannot be read at all', () => {
    expect(() => parsePipelineParams(42, { lenient: true })).toThrow(ParamsError);
    expect(() => parsePipelineParams({ version: 9 }, { lenient: true })).toThrow(/newer/);
  });
});

describe('unknown keys and prototype pollution', () => {
  it('drops unknown keys with a notice, at every level', () => {
    const { params, notices } = parsePipelineParams({ version: 2, colour: 'red', blur: { radius: 3 } });
    expect(notices).toEqual(['"colour" is not a known field: ignored', 'blur."radius" is not a known field: ignored']);
    expect(Object.keys(params)).toEqual(['version', 'blur', 'noise', 'down', 'vqd', 'compress', 'seed', 'modelId']);
    expect(Object.keys(params.blur)).toEqual(['kind', 'sigmaX', 'sigmaY', 'theta', 'beta', 'size']);
  });

  it('__proto__, constructor and prototype keys never reach any object', () => {
    const hostile = JSON.parse(
      '{"version":1,"__proto__":{"polluted":1,"seed":7},"constructor":{"prototype":{"polluted":2}},' +
        '"blur":{"__proto__":{"polluted":3,"sigmaX":5},"sigmaX":2},' +
        '"compress":{"constructor":{"polluted":4},"prototype":{"polluted":5}}}',
    ) as unknown;
    const { params, notices } = parsePipelineParams(hostile, { lenient: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(params.blur)).toBe(Object.prototype);
    expect((params as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect((params.blur as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(params.seed).toBe(0); // not the 7 hidden in __proto__
    expect(params.blur.sigmaX).toBe(2);
    expect(Object.prototype.hasOwnProperty.call(params, '__proto__')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(params.compress, 'constructor')).toBe(false);
    expect(notices).toEqual([
      // (a version-1 link: brought forward first, and the migration's copies keep the hostile keys inert too)
      'params of version 1 (before the colour anchor after VQD): read with the anchor off, as they were made',
      '"__proto__" is not a known field: ignored',
      '"constructor" is not a known field: ignored',
      'blur."__proto__" is not a known field: ignored',
      'compress."constructor" is not a known field: ignored',
      'compress."prototype" is not a known field: ignored',
    ]);
  });

  it('ignores inherited properties: an object whose prototype carries fields gets defaults', () => {
    const proto = { version: 2, seed: 99, blur: { sigmaX: 4 } };
    const input = Object.create(proto) as Record<string, unknown>;
    const { params } = parsePipelineParams(input, { lenient: true });
    expect(params.seed).toBe(0);
    expect(params.blur.sigmaX).toBe(defaultPipelineParams().blur.sigmaX);
  });

  it('summarises a flood of unknown keys instead of listing a million notices', () => {
    const flood: Record<string, unknown> = { version: 2 };
    for (let i = 0; i < 5000; i++) flood[`k${i}`] = i;
    const { notices } = parsePipelineParams(flood);
    expect(notices.length).toBe(51);
    expect(notices[50]).toBe('… and 4950 more notices');
  });

  it('output shares no object with the input (mutating one leaves the other alone)', () => {
    const input = JSON.parse(JSON.stringify(defaultPipelineParams())) as PipelineParams;
    const { params } = parsePipelineParams(input);
    params.blur.sigmaX = 3;
    expect(input.blur.sigmaX).toBe(defaultPipelineParams().blur.sigmaX);
  });
});

describe('migrate', () => {
  it('passes the current version through and refuses non-objects', () => {
    const o = { version: 2, seed: 3 };
    expect(migrate(o)).toBe(o);
    expect(migrate([1])).toBeUndefined();
  });

  it('version 1 (before the colour anchor) reads with the anchor off, everything else as it was, with a notice', () => {
    // A whole version-1 params object, as a share link or the CLI's params.json of that time held it.
    const v1 = { ...defaultPipelineParams(), version: 1, vqd: { enabled: true, mode: 'fixed', kTop: 1, kMid: 4, kBot: 33, seed: 9 } } as Record<string, unknown>;
    const { params, notices } = parsePipelineParams(JSON.parse(JSON.stringify(v1)));
    expect(params).toEqual({ ...defaultPipelineParams(), vqd: { enabled: true, mode: 'fixed', kTop: 1, kMid: 4, kBot: 33, seed: 9, anchorSigma: 0 } });
    expect(notices).toEqual(['params of version 1 (before the colour anchor after VQD): read with the anchor off, as they were made']);
    // Without a vqd section too: version 1's VQD had no anchor either way.
    expect(parsePipelineParams({ version: 1, seed: 4 }).params.vqd.anchorSigma).toBe(0);
    // Version 2 without the field: the default (a params.json gives only what it changes).
    expect(parsePipelineParams({ version: 2, vqd: { kBot: 20 } }).params.vqd.anchorSigma).toBe(defaultPipelineParams().vqd.anchorSigma);
    expect(defaultPipelineParams().vqd.anchorSigma).toBe(3);
    // A malformed version-1 section is still the reader's to report, not the migration's.
    expect(problems({ version: 1, vqd: 'on' })).toEqual(['vqd must be an object (got "on")']);
  });

  it('never writes through the input\'s prototype while migrating', () => {
    const raw = JSON.parse('{"version":1,"__proto__":{"polluted":1},"vqd":{"__proto__":{"polluted":2},"kBot":5}}') as Record<string, unknown>;
    const { params } = parsePipelineParams(raw, { lenient: true });
    expect(params.vqd.kBot).toBe(5);
    expect(params.vqd.anchorSigma).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });
});
