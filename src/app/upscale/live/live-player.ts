/**
 * Live mode's player loop, free of the browser and of the engine: it runs against the clip's own
 * clock (position p is due `p / fps` seconds after the first frame was shown: frame pts of a
 * constant-rate clip), asks a stepper for one upscaled frame at a time and hands each to
 * `onFrame`. The clock and the stepper are injected, so the tests drive it with a fake clock and a
 * fake engine (live-player.test.ts); the app gives it performance.now() and the engine worker.
 *
 * Each turn it wants the frame for "now": when the engine is ahead it waits for the next frame's
 * time; when it is behind it skips to the newest due frame (live-policy.ts: the skipped frames are
 * dropped, never queued, and decide whether the recurrent state carries over).
 * The clock starts when the first frame is on screen: loading the net and compiling shaders are not
 * playback, and would otherwise count as a burst of dropped frames.
 */
import { planLiveStep, type LivePolicyOptions } from './live-policy';

export interface LiveClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LiveClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
};

export interface LiveStats {
  /** Frames shown (upscaled and handed over). */
  shown: number;
  /** Due frames skipped because the engine was behind. */
  dropped: number;
  /** dropped / (shown + dropped): the share of the clip's frames never shown. */
  droppedShare: number;
  /** Frames shown per second since the first one (0 before a second frame). */
  fps: number;
  /** The clip's own rate. */
  clipFps: number;
  /** Sequences started (the first frame's included). */
  resets: number;
  /** Clip frame and timeline position of the latest frame shown. */
  index: number;
  position: number;
  /** Whether that frame started a new sequence. */
  reset: boolean;
  /** Milliseconds its step took (as seen by the player). */
  stepMs: number;
  /** Seconds since the first frame was shown. */
  elapsedS: number;
}

export interface LivePlayerOptions<T> extends LivePolicyOptions {
  clock: LiveClock;
  /** The clip's frame rate. */
  fps: number;
  /** Upscale clip frame `index`; `reset`: from a zero state. One call at a time. */
  step(index: number, reset: boolean): Promise<T>;
  onFrame(out: T, stats: LiveStats): void;
  /** Asked between steps and after each wait: true ends playback (the step in flight finishes). */
  stopped(): boolean;
}

/** Play until stopped (or, not looping, past the clip's last frame); resolves with the final stats. */
export async function playLive<T>(o: LivePlayerOptions<T>): Promise<LiveStats> {
  if (!(o.fps > 0) || !Number.isFinite(o.fps)) throw new RangeError(`live: the clip's frame rate must be positive (got ${o.fps})`);
  if (!Number.isInteger(o.frameCount) || o.frameCount < 1) throw new RangeError(`live: a clip of ${o.frameCount} frames`);
  if (!Number.isInteger(o.startAt) || o.startAt < 0 || o.startAt >= o.frameCount) throw new RangeError(`live: start frame ${o.startAt} is not in a clip of ${o.frameCount}`);
  const { clock } = o;
  const frameMs = 1000 / o.fps;
  const stats: LiveStats = { shown: 0, dropped: 0, droppedShare: 0, fps: 0, clipFps: o.fps, resets: 0, index: o.startAt, position: 0, reset: true, stepMs: 0, elapsedS: 0 };
  let last: number | null = null;
  let t0 = 0;
  while (!o.stopped()) {
    let due = 0;
    if (last !== null) {
      // (+1e-9: a wait that ends exactly on a frame's time must find that frame due despite rounding.)
      due = Math.floor((clock.now() - t0) / frameMs + 1e-9);
      if (due <= last) {
        // Ahead of the clip: wait for the next frame's time.
        await clock.sleep(t0 + (last + 1) * frameMs - clock.now());
        continue;
      }
    }
    const plan = planLiveStep(last, due, o);
    if (!plan) break;
    const s0 = clock.now();
    const out = await o.step(plan.index, plan.reset);
    const now = clock.now();
    if (last === null) t0 = now;
    last = plan.position;
    stats.shown++;
    stats.dropped += plan.dropped;
    stats.droppedShare = stats.dropped / (stats.shown + stats.dropped);
    if (plan.reset) stats.resets++;
    stats.index = plan.index;
    stats.position = plan.position;
    stats.reset = plan.reset;
    stats.stepMs = now - s0;
    stats.elapsedS = (now - t0) / 1000;
    stats.fps = stats.shown > 1 && now > t0 ? (stats.shown - 1) / stats.elapsedS : 0;
    o.onFrame(out, { ...stats });
  }
  return stats;
}
