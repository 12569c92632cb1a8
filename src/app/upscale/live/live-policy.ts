/**
 * Live mode's drop policy and state rule: given the last frame shown and the newest frame due on
 * the clip's clock, which frame the engine upscales next, how many frames that drops, and whether
 * the recurrent state carries over or starts again.
 *
 * Positions count frames along the playback timeline (0 = the frame playback started at), so a
 * looping player's position keeps growing while the clip frame is `(startAt + position) mod N`.
 *
 * Drops: the engine is always given the newest due frame, never a queued older one; every due
 * frame skipped on the way counts as dropped.
 *
 * State, measured (bench/node/live-policy.mjs, shipped `vsr`, the sample's 384×256 crop at ×1/4,
 * PSNR-Y against the HR; the bench's JSON holds the run): a player that shows every g-th frame and
 * carries the state over the frames it skipped (the prev/next inputs are always the real
 * neighbours: decoded frames, no extra step) against one that starts each shown frame from a zero
 * state —
 *   g = 2: carry 28.65 dB, reset 28.47 (+0.18); output 49.3 dB from the uninterrupted run's, reset 43.5
 *   g = 4: +0.11 dB, 45.9 vs 43.6 dB from the uninterrupted run; never worse on any frame
 *   g = 8: +0.10 dB, 44.6 vs 43.7 dB; never worse on any frame
 *   g = 16: +0.01 dB, and 43.0 vs 43.4 dB: the stale state is no nearer the real run than a zero one
 *   a cut (8 frames of one shot, then another): carrying costs 0.47 dB on the first frame after it,
 *   about nothing from the second on.
 * Measured again with the `vsr` of 2026-12-06 (0.53 M; bench/results/vm-2026-12-06-21-10-13-…): carry
 * beats reset by +0.18 / +0.14 / +0.15 / +0.08 dB at g = 2 / 4 / 8 / 16, though no longer on every frame
 * (worse on 5 of 18 frames at g = 4 and 3 of 9 at g = 8, by at most 0.11 dB); a cut costs 0.13 dB on
 * its first frame. The rule stands.
 * So the state carries over skips of up to MAX_CARRY_GAP positions — it is better than a zero state
 * there and keeps the picture close to what an uninterrupted run shows, which a reset (a visible
 * change of texture) does not — and a new sequence starts on longer skips, where it no longer helps,
 * and where the clip jumps back to its start (a loop is a cut). Feeding the skipped frames through
 * the net instead would cost the very steps the engine has no time for.
 */

/** Longest skip (in positions; 1 = the next frame, nothing dropped) over which the state carries. */
export const MAX_CARRY_GAP = 8;

export interface LivePolicyOptions {
  /** Frames in the clip. */
  frameCount: number;
  /** Clip frame at position 0. */
  startAt: number;
  /** After the last frame, go on from frame 0 (else playback ends there). */
  loop: boolean;
  maxCarryGap?: number;
}

export interface LiveStepPlan {
  /** Timeline position to show. */
  position: number;
  /** Its clip frame. */
  index: number;
  /** Start a new sequence (zero state) before this frame. */
  reset: boolean;
  /** Due frames skipped to reach it. */
  dropped: number;
}

/** The clip frame at timeline position `p`. */
export function clipIndex(p: number, o: LivePolicyOptions): number {
  const i = o.startAt + p;
  return o.loop ? i % o.frameCount : Math.min(i, o.frameCount - 1);
}

/** The last timeline position (Infinity while looping). */
export function lastPosition(o: LivePolicyOptions): number {
  return o.loop ? Infinity : o.frameCount - 1 - o.startAt;
}

/**
 * What to show next: `last` is the position shown last (null before the first frame), `due` the
 * newest position due by the clock (> last). Null when playback has ended (not looping, and the
 * clip's last frame was shown).
 */
export function planLiveStep(last: number | null, due: number, o: LivePolicyOptions): LiveStepPlan | null {
  const end = lastPosition(o);
  if (last !== null && last >= end) return null;
  // Past the end of a clip that does not loop: its last frame is still shown, once.
  const position = Math.min(due, end);
  if (last === null) return { position, index: clipIndex(position, o), reset: true, dropped: 0 };
  if (position <= last) throw new RangeError(`live: position ${position} is not after the last shown (${last})`);
  const gap = position - last;
  const lap = (p: number) => Math.floor((o.startAt + p) / o.frameCount);
  const reset = gap > (o.maxCarryGap ?? MAX_CARRY_GAP) || lap(position) !== lap(last);
  return { position, index: clipIndex(position, o), reset, dropped: gap - 1 };
}
