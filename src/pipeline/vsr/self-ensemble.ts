/**
 * Geometric self-ensemble (EDSR's "+", applied to a recurrent net): run the clip through the net
 * once per symmetry of the square, each pass on frames turned or flipped the same way and with its
 * own recurrent state, undo the symmetry on each output and average them. A net trained with flips
 * and transposes makes errors that do not turn with the picture, so the average cancels part of
 * them; the cost is one net pass per member.
 *
 * A symmetry is 3 bits: bit 2 transposes (x ↔ y) first, then bit 0 mirrors x and bit 1 mirrors y.
 * Mirrors undo themselves and transposing swaps which axis a mirror acts on, so undoing one mirrors
 * first and transposes last. Images are planar RGB (core/image.ts).
 */
import { createImage, type ImageF32 } from '../../core/image';
import type { RunHint } from '../../gpu/ort';
import type { VsrCpuSequence } from './vsr-cpu';

/** 0…7: bit 0 mirror x, bit 1 mirror y, bit 2 transpose (applied before the mirrors). */
export type Symmetry = number;

/** Members per ensemble size: identity first; 2 adds the x mirror, 4 all mirrors, 8 the transposes too. */
export const ENSEMBLE_SIZES = [1, 2, 4, 8] as const;
export type EnsembleSize = (typeof ENSEMBLE_SIZES)[number];

export function ensembleMembers(size: EnsembleSize): Symmetry[] {
  return Array.from({ length: size }, (_, i) => i);
}

export function isEnsembleSize(n: unknown): n is EnsembleSize {
  return (ENSEMBLE_SIZES as readonly unknown[]).includes(n);
}

/** Width and height of a w×h image after symmetry `s`. */
export function symmetricSize(w: number, h: number, s: Symmetry): [number, number] {
  return s & 4 ? [h, w] : [w, h];
}

/**
 * For output pixel (x, y) of the image after `s` (size ow×oh), the index of its source pixel in
 * the plane of the w×h original.
 */
function sourceIndex(x: number, y: number, ow: number, oh: number, w: number, s: Symmetry): number {
  const mx = s & 1 ? ow - 1 - x : x;
  const my = s & 2 ? oh - 1 - y : y;
  return s & 4 ? mx * w + my : my * w + mx;
}

/** `img` turned/flipped by `s` (a new image). */
export function applySymmetry(img: ImageF32, s: Symmetry): ImageF32 {
  if (s === 0) return img;
  const { width: w, height: h, channels } = img;
  const [ow, oh] = symmetricSize(w, h, s);
  const out = createImage(ow, oh, channels);
  const plane = w * h;
  for (let c = 0; c < channels; c++) {
    const src = img.data.subarray(c * plane, (c + 1) * plane);
    const dst = out.data.subarray(c * plane, (c + 1) * plane);
    for (let y = 0, o = 0; y < oh; y++) for (let x = 0; x < ow; x++, o++) dst[o] = src[sourceIndex(x, y, ow, oh, w, s)];
  }
  return out;
}

/**
 * Add `weight` × (`img` with symmetry `s` undone) into `acc`, the planar data of the original
 * orientation: `img` is what a net made from applySymmetry(·, s).
 */
export function accumulateUndone(acc: Float32Array, img: ImageF32, s: Symmetry, weight: number): void {
  const { width: ow, height: oh, channels } = img;
  const [w, h] = symmetricSize(ow, oh, s);
  const plane = w * h;
  if (acc.length !== plane * channels) throw new RangeError(`accumulator holds ${acc.length} values, ${w}×${h}×${channels} needed`);
  for (let c = 0; c < channels; c++) {
    const src = img.data.subarray(c * plane, (c + 1) * plane);
    const dst = acc.subarray(c * plane, (c + 1) * plane);
    for (let y = 0, i = 0; y < oh; y++) for (let x = 0; x < ow; x++, i++) dst[sourceIndex(x, y, ow, oh, w, s)] += weight * src[i];
  }
}

/**
 * applySymmetry with a memory of the last three frames: a sequence step gets (prev, cur, next) and
 * the next step gets (cur, next, next'), so each frame is turned once per member, not three times.
 * Keyed by identity: callers pass the same ImageF32 objects along the clip.
 */
function turnedFrames(s: Symmetry): (img: ImageF32) => ImageF32 {
  const recent: [ImageF32, ImageF32][] = [];
  return (img) => {
    const hit = recent.find(([src]) => src === img);
    if (hit) return hit[1];
    const turned = applySymmetry(img, s);
    recent.push([img, turned]);
    if (recent.length > 3) recent.shift();
    return turned;
  };
}

/**
 * A sequence that runs `size` members, each a sequence of `open` on frames under its symmetry,
 * and averages their outputs. The plan (tiles, output size) is the identity member's.
 */
export function ensembleSequence(open: (width: number, height: number) => VsrCpuSequence, width: number, height: number, size: EnsembleSize): VsrCpuSequence {
  const members = ensembleMembers(size).map((s) => ({ s, seq: open(...symmetricSize(width, height, s)), turn: turnedFrames(s) }));
  if (size === 1) return members[0].seq;
  const plan = members[0].seq.plan;
  return {
    plan,
    async step(prev: ImageF32, cur: ImageF32, next: ImageF32, hint?: RunHint): Promise<ImageF32> {
      const out = createImage(plan.outWidth, plan.outHeight, 3);
      // One member at a time: they share the net's session, and only one output is held at once.
      for (const { s, seq, turn } of members) {
        const o = await seq.step(turn(prev), turn(cur), turn(next), hint);
        accumulateUndone(out.data, o, s, 1 / size);
      }
      return out;
    },
  };
}
