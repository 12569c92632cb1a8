/**
 * The Degrade tab's caches: which slider change invalidates what (stage-keys.ts), and the CPU
 * degrader that keeps stage outputs, noise fields and VQGAN latents (cpu-degrader.ts). Property
 * tests with fast-check over random params and one-section changes, on small frames, with a
 * stand-in VQ degrader (a fixed function of the image and the k's, with the encoder/decoder split)
 * so the properties run in milliseconds; the real VQGAN's split is checked in vqd-cpu-split.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../core/image.ts';
import { frameOf, quantizeImage } from '../core/pixels.ts';
import { makeRng } from '../core/rng.ts';
import { BLUR_KINDS } from './blur/options.ts';
import { ByteLru, CpuDegrader } from './cpu-degrader.ts';
import { NOISE_KINDS } from './noise/options.ts';
import { assertValidParams, defaultPipelineParams, type PipelineParams } from './params.ts';
import { RESIZE_METHODS } from './resize/options.ts';
import { degradeFrameBeforeCodec, prepareStages } from './run-cpu.ts';
import { inputKey, stageChain, type DegradeFrameInput } from './stage-keys.ts';
import { FRAME_STAGES, type StageName } from './stages.ts';
import type { VqdEncoded, VqdKs, VqdRunner } from './vqd/options.ts';

const W = 13;
const H = 10;

function frame(seed: number, index = 0): DegradeFrameInput {
  const rng = makeRng(seed);
  const data = new Uint8ClampedArray(4 * W * H);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : rng.int(0, 255);
  return { key: `clip#${index}`, index, width: W, height: H, data };
}

/** A VQ degrader stand-in: out = clamp(0.8·x + small k-dependent ripple), encoder = a copy of x. Counts encoder runs. */
function fakeVqd(): VqdRunner & { encodes: number } {
  const apply = (x: Float32Array, w: number, h: number, ks: VqdKs): ImageF32 => {
    const out = createImage(w, h, 3);
    for (let i = 0; i < x.length; i++) out.data[i] = Math.min(1, Math.max(0, 0.8 * x[i] + 0.01 * Math.sin(i * ks.kTop + ks.kMid) + 0.001 * ks.kBot));
    return out;
  };
  const r = {
    modelId: 'vqgan',
    nCodes: 128,
    encodes: 0,
    run: async (img: ImageF32, ks: VqdKs) => apply(img.data, img.width, img.height, ks),
    encode: async (img: ImageF32): Promise<VqdEncoded> => {
      r.encodes++;
      const z = img.data.slice();
      return { width: img.width, height: img.height, overlap: 0, tiles: [{ tile: { x0: 0, y0: 0, w: img.width, h: img.height, vx0: 0, vy0: 0, vx1: img.width, vy1: img.height, interior: [false, false, false, false] }, z: [{ data: z, dims: [1, 3, img.height, img.width] }] }], bytes: z.byteLength };
    },
    decode: async (enc: VqdEncoded, ks: VqdKs) => apply(enc.tiles[0].z[0].data, enc.width, enc.height, ks),
  };
  return r;
}

// ---- random valid params and one-section changes ----

type Section = 'blur' | 'noise' | 'down' | 'vqd';
const SECTIONS: Section[] = ['blur', 'noise', 'down', 'vqd'];

const blurArb = fc.record({
  kind: fc.constantFrom(...BLUR_KINDS),
  sigmaX: fc.constantFrom(0.5, 1.5, 3),
  sigmaY: fc.constantFrom(0.8, 2),
  theta: fc.constantFrom(0, 0.7),
  beta: fc.constantFrom(1, 1.5),
  size: fc.constantFrom(3, 7, 21),
});
const noiseArb = fc.record({
  noise: fc.record({ kind: fc.constantFrom(...NOISE_KINDS), sigma: fc.constantFrom(0, 3, 10), gray: fc.boolean(), scale: fc.constantFrom(0.5, 1) }),
  seed: fc.constantFrom(0, 1, 7),
});
const downArb = fc.record({ factor: fc.constantFrom(1, 2, 3, 4), method: fc.constantFrom(...RESIZE_METHODS) });
const vqdArb = fc.record({ enabled: fc.boolean(), kTop: fc.integer({ min: 1, max: 3 }), kMid: fc.integer({ min: 1, max: 3 }), kBot: fc.integer({ min: 1, max: 3 }) });

const paramsArb = fc.record({ blur: blurArb, noise: noiseArb, down: downArb, vqd: vqdArb }).map((r) => build(r));

function build(r: { blur: PipelineParams['blur']; noise: { noise: PipelineParams['noise']; seed: number }; down: PipelineParams['down']; vqd: { enabled: boolean; kTop: number; kMid: number; kBot: number } }): PipelineParams {
  const p = defaultPipelineParams();
  p.blur = r.blur;
  p.noise = r.noise.noise;
  p.seed = r.noise.seed;
  p.down = r.down;
  p.vqd = { ...p.vqd, mode: 'fixed', ...r.vqd };
  p.compress.codec = 'none';
  return assertValidParams(p);
}

/** p with one section (noise includes the clip seed) replaced by another random value. */
const changeArb = fc.record({ p: paramsArb, section: fc.constantFrom(...SECTIONS), blur: blurArb, noise: noiseArb, down: downArb, vqd: vqdArb }).map(({ p, section, ...v }) => {
  const q = structuredClone(p);
  if (section === 'blur') q.blur = v.blur;
  if (section === 'noise') {
    q.noise = v.noise.noise;
    q.seed = v.noise.seed;
  }
  if (section === 'down') q.down = v.down;
  if (section === 'vqd') q.vqd = { ...q.vqd, ...v.vqd };
  return { p, q: assertValidParams(q), section };
});

const stageIndex = (s: StageName) => FRAME_STAGES.findIndex((f) => f.name === s);

async function reference(f: DegradeFrameInput, p: PipelineParams, vqd: VqdRunner): Promise<Uint8ClampedArray> {
  const img = (await import('../core/pixels.ts')).imageOf(f);
  return frameOf(quantizeImage(await degradeFrameBeforeCodec(img, f.index, prepareStages(p), vqd))).data.slice();
}

describe('stage chain keys: a change to one stage invalidates it and what follows, nothing before', () => {
  it('property: keys before the changed stage are kept; from it on, all differ or all are equal', () => {
    fc.assert(
      fc.property(changeArb, ({ p, q, section }) => {
        const start = inputKey({ key: 'clip#0', width: W, height: H });
        const a = stageChain(start, p, 0);
        const b = stageChain(start, q, 0);
        const s = stageIndex(section);
        const before = (c: typeof a) => c.filter((l) => stageIndex(l.stage.name) < s);
        const after = (c: typeof a) => c.filter((l) => stageIndex(l.stage.name) >= s);
        // Before the change: the same stages with the same keys.
        expect(before(b).map((l) => l.key)).toEqual(before(a).map((l) => l.key));
        // From the change on: either nothing changed at all, or no key is shared.
        const ka = after(a).map((l) => l.key);
        const kb = after(b).map((l) => l.key);
        const same = ka.length === kb.length && ka.every((k, i) => k === kb[i]);
        if (!same) expect(kb.filter((k) => ka.includes(k))).toEqual([]);
        // Each link's input is the previous link's output.
        for (const c of [a, b]) c.forEach((l, i) => expect(l.inputKey).toBe(i === 0 ? start : c[i - 1].key));
      }),
      { numRuns: 500 },
    );
  });

  it('the frame identity and size are part of every key; another frame index changes the noise key only from Noise on', () => {
    const p = defaultPipelineParams();
    const a = stageChain(inputKey({ key: 'clip#0', width: W, height: H }), p, 0);
    const b = stageChain(inputKey({ key: 'clip#0', width: W + 1, height: H }), p, 0);
    expect(a.some((l, i) => l.key === b[i].key)).toBe(false);
    const c = stageChain(inputKey({ key: 'clip#0', width: W, height: H }), p, 1);
    expect(c[0].key).toBe(a[0].key); // blur does not depend on the frame index
    expect(c[1].key).not.toBe(a[1].key); // noise does (the counter-based generator's frame key)
  });
});

describe('CpuDegrader', () => {
  it('property: after a run with p, a run with q gives the uncached pipeline\'s pixels and reuses exactly the unchanged prefix', async () => {
    await fc.assert(
      fc.asyncProperty(changeArb, fc.integer({ min: 1, max: 1000 }), async ({ p, q }, seed) => {
        const f = frame(seed);
        const vqd = fakeVqd();
        const deg = new CpuDegrader();
        const first = await deg.run(f, p, vqd);
        expect(Buffer.from(first.data).equals(Buffer.from(await reference(f, p, vqd)))).toBe(true);
        const reused = new Set<StageName>();
        const encodesBefore = vqd.encodes;
        const second = await deg.run(f, q, vqd, { reused });
        const encodes = vqd.encodes - encodesBefore;
        expect(Buffer.from(second.data).equals(Buffer.from(await reference(f, q, vqd)))).toBe(true);
        // Reused = the links of q's chain whose key p's run produced, and that is a prefix of q's chain.
        const start = inputKey(f);
        const pKeys = new Set(stageChain(start, p, 0).map((l) => l.key));
        const qChain = stageChain(start, q, 0);
        const lastKept = qChain.map((l) => pKeys.has(l.key)).lastIndexOf(true);
        expect([...reused].sort()).toEqual(qChain.slice(0, lastKept + 1).map((l) => l.stage.name).sort());
        // The encoder runs again only when the VQD stage runs on an input it has not seen.
        const qv = qChain.find((l) => l.stage.name === 'vqd');
        const pv = stageChain(start, p, 0).find((l) => l.stage.name === 'vqd');
        const vqdRan = qv !== undefined && !reused.has('vqd');
        const newInput = qv !== undefined && qv.inputKey !== pv?.inputKey;
        expect(encodes).toBe(vqdRan && newInput ? 1 : 0);
      }),
      { numRuns: 150 },
    );
  });

  it('a codec-only change re-runs no per-frame stage; a k change keeps the encoder latents', async () => {
    const f = frame(3);
    const vqd = fakeVqd();
    const deg = new CpuDegrader();
    const p = defaultPipelineParams();
    await deg.run(f, p, vqd);
    const q = structuredClone(p);
    q.compress.crf = 40;
    const reused = new Set<StageName>();
    const times = {};
    await deg.run(f, q, vqd, { reused, times });
    expect([...reused]).toEqual(['blur', 'noise', 'down', 'vqd']);
    expect(Object.keys(times)).toEqual(['quantize']);
    const k = structuredClone(p);
    k.vqd.kBot = 7;
    const reusedK = new Set<StageName>();
    const before = vqd.encodes;
    const out = await deg.run(f, k, vqd, { reused: reusedK });
    expect([...reusedK]).toEqual(['blur', 'noise', 'down']);
    expect(vqd.encodes).toBe(before);
    expect(Buffer.from(out.data).equals(Buffer.from(await reference(f, k, vqd)))).toBe(true);
  });

  it('a budget too small to keep anything still gives the exact pixels (everything re-runs)', async () => {
    const f = frame(5);
    const vqd = fakeVqd();
    const deg = new CpuDegrader(1);
    const p = defaultPipelineParams();
    await deg.run(f, p, vqd);
    const q = structuredClone(p);
    q.vqd.kMid = 3;
    const reused = new Set<StageName>();
    const out = await deg.run(f, q, vqd, { reused });
    expect([...reused]).toEqual([]);
    expect(Buffer.from(out.data).equals(Buffer.from(await reference(f, q, vqd)))).toBe(true);
  });

  it('`between` runs before each stage that runs and can stop the run; clear() forgets everything', async () => {
    const f = frame(9);
    const vqd = fakeVqd();
    const deg = new CpuDegrader();
    const p = defaultPipelineParams();
    let calls = 0;
    await expect(
      deg.run(f, p, vqd, {
        between: async () => {
          if (++calls === 3) throw new Error('superseded by a newer preview');
        },
      }),
    ).rejects.toThrow(/superseded/);
    // Blur and noise finished before the stop and are kept; the next run starts at Down.
    const reused = new Set<StageName>();
    await deg.run(f, p, vqd, { reused });
    expect([...reused]).toEqual(['blur', 'noise']);
    deg.clear();
    const none = new Set<StageName>();
    await deg.run(f, p, vqd, { reused: none });
    expect(none.size).toBe(0);
  });
});

describe('ByteLru', () => {
  it('evicts least recently used entries beyond the budget, never the newest', () => {
    const c = new ByteLru(10);
    c.set('a', 1, 4);
    c.set('b', 2, 4);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3, 4); // 12 > 10: b goes
    expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
    expect(c.bytes).toBe(8);
    c.set('big', 4, 50); // over budget on its own: kept, everything else goes
    expect([c.size, c.has('big'), c.bytes]).toEqual([1, true, 50]);
    c.set('big', 5, 2); // replacing counts the new size only
    expect([c.get('big'), c.bytes]).toEqual([5, 2]);
  });
});
