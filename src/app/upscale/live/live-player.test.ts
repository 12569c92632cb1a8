import { describe, expect, it } from 'vitest';
import { MAX_CARRY_GAP, planLiveStep, type LivePolicyOptions } from './live-policy';
import { playLive, type LiveClock, type LiveStats } from './live-player';
import { FrameWindow, neighbours } from '../../../engine/frame-window';

/** A clock that only moves when told: sleeping and the fake engine's work advance it. */
class FakeClock implements LiveClock {
  t = 1000;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
  }
}

interface Call {
  index: number;
  reset: boolean;
  /** Clock when the player asked for the frame. */
  at: number;
}

/**
 * A fake engine: each step costs `cost(n)` ms of the fake clock (n: the call's number). The first
 * call may cost extra (the net loading).
 */
function fakeEngine(clock: FakeClock, cost: (n: number) => number) {
  const calls: Call[] = [];
  return {
    calls,
    step: async (index: number, reset: boolean) => {
      calls.push({ index, reset, at: clock.t });
      clock.t += cost(calls.length - 1);
      return { index };
    },
  };
}

async function play(o: { fps: number; frameCount: number; startAt?: number; loop?: boolean; cost: (n: number) => number; frames: number; maxCarryGap?: number }) {
  const clock = new FakeClock();
  const engine = fakeEngine(clock, o.cost);
  const seen: LiveStats[] = [];
  const stats = await playLive({
    clock,
    fps: o.fps,
    frameCount: o.frameCount,
    startAt: o.startAt ?? 0,
    loop: o.loop ?? true,
    maxCarryGap: o.maxCarryGap,
    step: engine.step,
    onFrame: (out, s) => {
      expect(out.index).toBe(s.index);
      seen.push(s);
    },
    stopped: () => seen.length >= o.frames,
  });
  return { clock, calls: engine.calls, seen, stats };
}

const opts = (o: Partial<LivePolicyOptions> = {}): LivePolicyOptions => ({ frameCount: 100, startAt: 0, loop: true, ...o });

describe('planLiveStep (drop policy and state rule)', () => {
  it('starts a new sequence at the first frame, drops nothing', () => {
    expect(planLiveStep(null, 0, opts({ startAt: 7 }))).toEqual({ position: 0, index: 7, reset: true, dropped: 0 });
  });

  it('goes to the newest due frame, counting the skipped ones as dropped', () => {
    expect(planLiveStep(10, 11, opts())).toEqual({ position: 11, index: 11, reset: false, dropped: 0 });
    expect(planLiveStep(10, 14, opts())).toEqual({ position: 14, index: 14, reset: false, dropped: 3 });
  });

  it('carries the state over skips up to MAX_CARRY_GAP and resets beyond', () => {
    expect(planLiveStep(10, 10 + MAX_CARRY_GAP, opts())!.reset).toBe(false);
    expect(planLiveStep(10, 11 + MAX_CARRY_GAP, opts())!.reset).toBe(true);
    expect(planLiveStep(10, 13, opts({ maxCarryGap: 1 }))!.reset).toBe(true);
    expect(planLiveStep(10, 11, opts({ maxCarryGap: 1 }))!.reset).toBe(false);
  });

  it('resets where a looping clip goes back to its start, even on the very next frame', () => {
    // startAt 5 of 100: position 94 is frame 99, position 95 frame 0.
    const o = opts({ startAt: 5 });
    expect(planLiveStep(93, 94, o)).toEqual({ position: 94, index: 99, reset: false, dropped: 0 });
    expect(planLiveStep(94, 95, o)).toEqual({ position: 95, index: 0, reset: true, dropped: 0 });
    expect(planLiveStep(92, 96, o)).toEqual({ position: 96, index: 1, reset: true, dropped: 3 });
    expect(planLiveStep(95, 97, o)!.reset).toBe(false);
  });

  it('without loop, shows the last frame once, then ends', () => {
    const o = opts({ frameCount: 20, startAt: 4, loop: false });
    expect(planLiveStep(10, 40, o)).toEqual({ position: 15, index: 19, reset: false, dropped: 4 });
    expect(planLiveStep(15, 16, o)).toBeNull();
  });

  it('refuses a due position that is not after the last shown', () => {
    expect(() => planLiveStep(10, 10, opts())).toThrow(/not after/);
  });
});

describe('playLive with a fake clock and a fake engine', () => {
  it('an engine faster than the clip shows every frame in order, at the clip rate, waiting for each', async () => {
    const { calls, stats } = await play({ fps: 25, frameCount: 50, cost: () => 10, frames: 40 });
    expect(calls.map((c) => c.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(calls.filter((c) => c.reset).length).toBe(1);
    expect(stats.dropped).toBe(0);
    expect(stats.droppedShare).toBe(0);
    // Frame p is asked for at its own time (40 ms apart), not as soon as the engine is free.
    for (let p = 2; p < calls.length; p++) expect(calls[p].at - calls[p - 1].at).toBeCloseTo(40, 6);
    // Frame p (p ≥ 1) is shown 10 ms after its time, frame 0 at the clock's start: 39 frames in 1.57 s.
    expect(stats.fps).toBeCloseTo(39 / 1.57, 6);
  });

  it('an engine 2.5× too slow drops to the newest due frame and keeps the state over short skips', async () => {
    const { calls, stats } = await play({ fps: 25, frameCount: 1000, cost: (n) => (n === 0 ? 5000 : 100), frames: 50 });
    const t0 = calls[0].at + 5000; // the clock starts once the first frame is shown
    for (const c of calls.slice(1)) {
      // Never a stale frame: exactly the newest one due when the engine was asked.
      expect(c.index).toBe(Math.floor((c.at - t0) / 40 + 1e-9));
    }
    // Frame 1 is asked for at its time; from then on the engine is always behind by 2–3 frames.
    expect(calls[1].index).toBe(1);
    const gaps = calls.slice(2).map((c, i) => c.index - calls[i + 1].index);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    // Loading the net (5 s) counted no drops; after it, 100 ms a frame at 25 fps: 10 fps shown, 60 % dropped.
    expect(calls.slice(1).every((c) => !c.reset)).toBe(true);
    expect(stats.fps).toBeGreaterThan(9.5);
    expect(stats.fps).toBeLessThan(10.5);
    expect(stats.droppedShare).toBeGreaterThan(0.55);
    expect(stats.droppedShare).toBeLessThan(0.65);
    expect(stats.dropped).toBe(calls.at(-1)!.index - (calls.length - 1));
  });

  it('an engine far too slow starts a new sequence at every frame (skips past MAX_CARRY_GAP)', async () => {
    const { calls, stats } = await play({ fps: 25, frameCount: 10_000, cost: () => 1000, frames: 8 });
    // Frames 0 and 1 (due as the first is shown), then every 25th: each skip past MAX_CARRY_GAP.
    expect(calls.map((c) => c.index)).toEqual([0, 1, 26, 51, 76, 101, 126, 151]);
    expect(calls.map((c) => c.reset)).toEqual([true, false, true, true, true, true, true, true]);
    expect(stats.resets).toBe(7);
    expect(stats.fps).toBeCloseTo(1, 1);
    expect(stats.dropped).toBe(144);
    expect(stats.droppedShare).toBeCloseTo(144 / 152, 9);
  });

  it('a step that slows down now and then drops only around it, and resets only on a long stall', async () => {
    // 20 ms a frame, but call 10 takes 200 ms (5 frames late) and call 20 takes 1 s (25 frames).
    const { calls } = await play({ fps: 25, frameCount: 1000, cost: (n) => (n === 10 ? 200 : n === 20 ? 1000 : 20), frames: 30 });
    const gaps = calls.slice(1).map((c, i) => ({ gap: c.index - calls[i].index, reset: c.reset }));
    expect(gaps[10]).toEqual({ gap: 5, reset: false });
    expect(gaps[20]).toEqual({ gap: 25, reset: true });
    expect(gaps.filter((g, i) => i !== 10 && i !== 20).every((g) => g.gap === 1 && !g.reset)).toBe(true);
  });

  it('loops from the start frame and resets at the wrap', async () => {
    const { calls } = await play({ fps: 10, frameCount: 6, startAt: 3, cost: () => 1, frames: 9 });
    expect(calls.map((c) => c.index)).toEqual([3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.reset)).toEqual([true, false, false, true, false, false, false, false, false]);
  });

  it('without loop, ends after the clip’s last frame', async () => {
    const clock = new FakeClock();
    const engine = fakeEngine(clock, () => 60);
    const stats = await playLive({ clock, fps: 25, frameCount: 12, startAt: 2, loop: false, step: engine.step, onFrame: () => undefined, stopped: () => false });
    expect(engine.calls.at(-1)!.index).toBe(11);
    expect(stats.shown).toBe(engine.calls.length);
    expect(stats.shown + stats.dropped).toBe(10);
  });

  it('stops between steps when asked, with the step in flight finished', async () => {
    const clock = new FakeClock();
    let stop = false;
    const engine = fakeEngine(clock, () => 30);
    const shown: number[] = [];
    const stats = await playLive({
      clock, fps: 25, frameCount: 100, startAt: 0, loop: true,
      step: async (i, r) => {
        const out = await engine.step(i, r);
        if (i === 4) stop = true; // asked to stop while frame 4 is in flight
        return out;
      },
      onFrame: (o) => shown.push(o.index),
      stopped: () => stop,
    });
    expect(shown).toEqual([0, 1, 2, 3, 4]);
    expect(stats.shown).toBe(5);
  });

  it('refuses a clip without a frame rate or frames', async () => {
    const clock = new FakeClock();
    const base = { clock, frameCount: 10, startAt: 0, loop: true, step: async () => 0, onFrame: () => undefined, stopped: () => false };
    await expect(playLive({ ...base, fps: 0 })).rejects.toThrow(/frame rate/);
    await expect(playLive({ ...base, fps: 25, frameCount: 0 })).rejects.toThrow(/clip of 0/);
    await expect(playLive({ ...base, fps: 25, startAt: 10 })).rejects.toThrow(/start frame 10/);
  });
});

describe('FrameWindow (the engine session’s frames)', () => {
  it('loads each frame once over an unbroken run, frees what a step no longer needs', async () => {
    const loads: number[] = [];
    const freed: number[] = [];
    const win = new FrameWindow<{ i: number }>(async (i) => (loads.push(i), { i }), (f) => freed.push(f.i));
    for (let i = 0; i < 5; i++) await win.frames(neighbours(i, 5, true));
    expect(loads).toEqual([0, 1, 2, 3, 4]);
    expect(freed).toEqual([0, 1, 2]);
    // A skip from 4 back to 1: the window has nothing of 0–2, frees 3 and 4.
    await win.frames(neighbours(1, 5, true));
    expect(loads.slice(5)).toEqual([0, 1, 2]);
    expect(freed.slice(3).sort()).toEqual([3, 4]);
    win.clear();
    expect(freed.slice(5).sort()).toEqual([0, 1, 2]);
  });

  it('the clip’s ends stand in for missing neighbours; a single-frame net reads one frame', () => {
    expect(neighbours(0, 10, true)).toEqual([0, 0, 1]);
    expect(neighbours(9, 10, true)).toEqual([8, 9, 9]);
    expect(neighbours(0, 1, true)).toEqual([0, 0, 0]);
    expect(neighbours(5, 10, false)).toEqual([5]);
  });
});
