/**
 * The self-ensemble's symmetries against their definitions, and an ensemble run of the shipped
 * `vsr` net on real frames against the same members run and averaged by hand.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createImage, type ImageF32 } from '../../core/image.ts';
import { readPng } from '../../media/png.ts';
import { accumulateUndone, applySymmetry, ensembleMembers, ensembleSequence, symmetricSize, type EnsembleSize, type Symmetry } from './self-ensemble.ts';
import { upscaleClipCpu } from './vsr-cpu.ts';
import { createVsrNode } from './vsr-node.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const at = (img: ImageF32, c: number, x: number, y: number) => img.data[(c * img.height + y) * img.width + x];

function crop(img: ImageF32, x0: number, y0: number, w: number, h: number): ImageF32 {
  const out = createImage(w, h, 3);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.data[(c * h + y) * w + x] = at(img, c, x0 + x, y0 + y);
  return out;
}

/** Symmetry `s` written out pixel by pixel from its definition: transpose, then mirror x, then mirror y. */
function byDefinition(img: ImageF32, s: Symmetry): ImageF32 {
  let cur = img;
  const step = (w: number, h: number, src: (c: number, x: number, y: number) => number) => {
    const o = createImage(w, h, 3);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) o.data[(c * h + y) * w + x] = src(c, x, y);
    return o;
  };
  if (s & 4) { const p = cur; cur = step(p.height, p.width, (c, x, y) => at(p, c, y, x)); }
  if (s & 1) { const p = cur; cur = step(p.width, p.height, (c, x, y) => at(p, c, p.width - 1 - x, y)); }
  if (s & 2) { const p = cur; cur = step(p.width, p.height, (c, x, y) => at(p, c, x, p.height - 1 - y)); }
  return cur;
}

/** The symmetry that undoes `s`: with a transpose, the mirrors swap axes. */
const inverse = (s: Symmetry): Symmetry => (s & 4 ? 4 | ((s & 1) << 1) | ((s & 2) >> 1) : s);

function randomImage(w: number, h: number, seed: number): ImageF32 {
  const img = createImage(w, h, 3);
  let v = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) img.data[i] = ((v = (Math.imul(v, 1664525) + 1013904223) >>> 0) % 1000) / 1000;
  return img;
}

describe('symmetries', () => {
  it('match their definitions, and accumulateUndone puts every pixel back (any size, every symmetry)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer(), fc.integer({ min: 0, max: 7 }), (w, h, seed, s) => {
        const img = randomImage(w, h, seed);
        const t = applySymmetry(img, s);
        expect([t.width, t.height]).toEqual(symmetricSize(w, h, s));
        expect(Array.from(t.data)).toEqual(Array.from(byDefinition(img, s).data));
        expect(Array.from(applySymmetry(t, inverse(s)).data)).toEqual(Array.from(img.data));
        const acc = new Float32Array(img.data.length);
        accumulateUndone(acc, t, s, 1);
        expect(Array.from(acc)).toEqual(Array.from(img.data));
      }),
      { numRuns: 200 },
    );
  });

  it('are the eight distinct symmetries of the square: a quarter turn (5) four times is the identity', () => {
    const img = randomImage(5, 3, 7);
    const seen = new Set(ensembleMembers(8).map((s) => Array.from(applySymmetry(img, s).data).join()));
    expect(seen.size).toBe(8);
    let r = img;
    for (let k = 0; k < 4; k++) {
      r = applySymmetry(r, 5);
      if (k < 3) expect(Array.from(r.data)).not.toEqual(Array.from(img.data));
    }
    expect(Array.from(r.data)).toEqual(Array.from(img.data));
  });

  it('refuses an accumulator of the wrong size', () => {
    expect(() => accumulateUndone(new Float32Array(10), randomImage(3, 2, 1), 4, 1)).toThrow(/accumulator/);
  });
});

describe('ensembleSequence on the shipped vsr net', () => {
  // Real frames, cut to a non-square 28×20 so the transposed members run at 20×28.
  const clip = [0, 1, 2].map((i) => crop(readPng(path.join(ROOT, `e2e/fixtures/clip-32x32/frame-${i}.png`)), 2, 5, 28, 20));

  it.each([2, 4, 8] as EnsembleSize[])('size %i equals its members run one by one, undone and averaged (|Δ| ≤ 1e-6)', async (size) => {
    const vsr = await createVsrNode({ modelId: 'vsr', threads: 1 });
    const got: ImageF32[] = [];
    for await (const o of upscaleClipCpu(ensembleSequence((w, h) => vsr.sequence(w, h), 28, 20, size), clip)) got.push(o);
    const sum = got.map((g) => new Float64Array(g.data.length));
    for (const s of ensembleMembers(size)) {
      const [w, h] = symmetricSize(28, 20, s);
      let t = 0;
      for await (const o of upscaleClipCpu(vsr.sequence(w, h), clip.map((f) => byDefinition(f, s)))) {
        const back = byDefinition(o, inverse(s));
        back.data.forEach((v, i) => (sum[t][i] += v / size));
        t++;
      }
    }
    for (let t = 0; t < clip.length; t++) {
      expect([got[t].width, got[t].height]).toEqual([112, 80]);
      let worst = 0;
      got[t].data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - sum[t][i]))));
      expect(worst).toBeLessThanOrEqual(1e-6);
    }
    // The members disagree (else the ensemble would be pointless): the average differs from the identity member.
    const plain: ImageF32[] = [];
    for await (const o of upscaleClipCpu(vsr.sequence(28, 20), clip)) plain.push(o);
    let diff = 0;
    plain[1].data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - got[1].data[i]))));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('size 1 is the plain sequence, bit for bit', async () => {
    const vsr = await createVsrNode({ modelId: 'vsr', threads: 1 });
    const a: ImageF32[] = [], b: ImageF32[] = [];
    for await (const o of upscaleClipCpu(ensembleSequence((w, h) => vsr.sequence(w, h), 28, 20, 1), clip)) a.push(o);
    for await (const o of upscaleClipCpu(vsr.sequence(28, 20), clip)) b.push(o);
    a.forEach((f, t) => expect(Array.from(f.data)).toEqual(Array.from(b[t].data)));
  });
});
