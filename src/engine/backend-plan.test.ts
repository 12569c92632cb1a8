import { describe, expect, it, vi } from 'vitest';
import { BackendPlanner, measureProbe, type PlanSubject, type StageProbe, type Timer } from './backend-plan';
import { CPU_MARGIN, GPU_TRIAL_FLOOR_MS, decideSide, describePlan, gpuTrialLimitMs, isMeasurement, measurementKey, type StageMeasurement } from '../gpu/backend-choice';

/**
 * Virtual time: a probe run advances `clock` by its cost (after a real await, so callers still
 * interleave as with real work), firing the timers it passes before the run itself ends, as a timer
 * would fire during a long real run. Timings then cannot depend on the machine's load.
 */
function virtualClock() {
  let t = 0;
  const timers: { due: number; fire: () => void }[] = [];
  const timer: Timer = (ms) => {
    const entry: { due: number; fire: () => void } = { due: t + ms, fire: () => undefined };
    const done = new Promise<void>((resolve) => (entry.fire = resolve));
    timers.push(entry);
    return {
      done,
      cancel: () => {
        const i = timers.indexOf(entry);
        if (i >= 0) timers.splice(i, 1);
      },
    };
  };
  const spend = async (ms: number) => {
    await Promise.resolve();
    t += ms;
    for (const e of timers.filter((x) => x.due <= t)) {
      timers.splice(timers.indexOf(e), 1);
      e.fire();
    }
    await new Promise((r) => setTimeout(r, 0)); // the run ends after the timers it outlasted fired
  };
  return { now: () => t, timer, spend, pendingTimers: () => timers.length };
}

/** A probe whose sides take gpuMs / cpuMs of virtual time per run (gpuMs: or per run, in order), counting runs. */
function fakeProbe(gpuMs: number | number[], cpuMs: number, fail?: 'gpu' | 'cpu', clock = virtualClock()) {
  const runs = { gpu: 0, cpu: 0, disposed: 0, gpuEnded: 0 };
  const probe: StageProbe = {
    size: 32,
    async gpu() {
      const ms = Array.isArray(gpuMs) ? gpuMs[runs.gpu] : gpuMs;
      runs.gpu++;
      if (fail === 'gpu') throw new Error('device lost');
      await clock.spend(ms);
      runs.gpuEnded++;
    },
    async cpu() {
      runs.cpu++;
      if (fail === 'cpu') throw new Error('wasm out of memory');
      await clock.spend(cpuMs);
    },
    dispose: () => void runs.disposed++,
  };
  return { probe, runs, time: { now: clock.now, timer: clock.timer }, clock };
}

function subject(probe: StageProbe, files = ['aaa']): PlanSubject & { probes: number } {
  const s = { stage: 'vsr' as const, model: 'vsr', files, probes: 0, probe: async () => (s.probes++, probe) };
  return s;
}

describe('decideSide', () => {
  it('gives the CPU the stage only when it is clearly faster', () => {
    expect(decideSide({ gpuMs: 7400, cpuMs: 77 })).toBe('wasm');
    expect(decideSide({ gpuMs: 5, cpuMs: 77 })).toBe('webgpu');
    expect(decideSide({ gpuMs: 100, cpuMs: 100 / CPU_MARGIN + 1 })).toBe('webgpu'); // a near tie stays on the GPU
    expect(decideSide({ gpuMs: 100, cpuMs: 100 / CPU_MARGIN - 1 })).toBe('wasm');
    expect(decideSide({ gpuMs: Infinity, cpuMs: 50 })).toBe('wasm'); // a side that failed loses
    expect(decideSide({ gpuMs: 50, cpuMs: Infinity })).toBe('webgpu');
  });

  it('says which side and by how much', () => {
    const m: StageMeasurement = { gpuMs: 7400, cpuMs: 77, size: 32, at: '2026-12-02' };
    expect(describePlan({ stage: 'vsr', model: 'vsr', side: 'wasm', why: 'measured', measurement: m })).toBe('VSR on CPU (wasm): 96× faster than this GPU');
    expect(describePlan({ stage: 'degrade', model: 'vqgan', side: 'webgpu', why: 'remembered', measurement: { ...m, gpuMs: 20, cpuMs: 50 } })).toBe(
      'Degrade on WebGPU: 2.5× faster than the CPU, measured earlier',
    );
    expect(describePlan({ stage: 'vsr', model: 'vsr', side: 'webgpu', why: 'forced' })).toBe('VSR on WebGPU (set by you)');
  });

  it('accepts only well-formed stored measurements', () => {
    expect(isMeasurement({ gpuMs: 1, cpuMs: 2, size: 32, at: 'x' })).toBe(true);
    for (const bad of [null, 3, {}, { gpuMs: -1, cpuMs: 2, size: 32, at: 'x' }, { gpuMs: 1, cpuMs: null, size: 32, at: 'x' }, { gpuMs: 1, cpuMs: 2, size: 32 }, { gpuMs: 1, cpuMs: 2, size: 32, at: 'x', gpuCut: 'yes' }]) {
      expect(isMeasurement(bad)).toBe(false);
    }
  });
});

describe('measureProbe', () => {
  it('warms each side up before timing it and keeps the fastest timed run', async () => {
    const { probe, runs, time } = fakeProbe(15, 5);
    const { measurement: m, pending } = await measureProbe(probe, time);
    expect(runs.cpu).toBe(3); // warm-up + 2 timed
    expect(runs.gpu).toBe(3); // warm-up + 1 timed, then (not far off: < 4×) 1 more
    expect(m).toMatchObject({ gpuMs: 15, cpuMs: 5, size: 32 });
    expect(m.gpuCut).toBeUndefined();
    expect(pending).toBeNull();
    expect(decideSide(m)).toBe('wasm');
  });

  it('times a far slower GPU only once', async () => {
    const { probe, runs, time } = fakeProbe(60, 2);
    expect((await measureProbe(probe, time)).measurement).toMatchObject({ gpuMs: 60, cpuMs: 2 });
    expect(runs.gpu).toBe(2);
  });

  it('stops watching a GPU run that outlasts its limit, answers for the CPU, and says when the run has ended', async () => {
    // SwiftShader's degrade probe (2 cores): 90 ms on the CPU, ~30 s for the GPU's first run.
    const { probe, runs, time, clock } = fakeProbe(30_000, 90);
    const limit = gpuTrialLimitMs(90);
    expect(limit).toBe(Math.max(GPU_TRIAL_FLOOR_MS, 50 * 90));
    const { measurement: m, pending } = await measureProbe(probe, time);
    expect(m).toMatchObject({ cpuMs: 90, gpuCut: true });
    expect(m.gpuMs).toBe(limit); // a lower bound: how long it was waited for
    expect(decideSide(m)).toBe('wasm');
    expect(isMeasurement(m)).toBe(true); // remembered like any other
    expect(runs.gpu).toBe(1); // no timed run after a cut warm-up
    expect(runs.gpuEnded).toBe(0); // answered while the run was still going
    expect(pending).not.toBeNull();
    await pending;
    expect(runs.gpuEnded).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('cuts a timed run as well, and keeps a finished timed run over a cut later one', async () => {
    const slowTimed = fakeProbe([200, 20_000], 10); // quick compile, a hopeless run
    const a = await measureProbe(slowTimed.probe, slowTimed.time);
    expect(a.measurement).toMatchObject({ gpuCut: true });
    expect(slowTimed.runs.gpu).toBe(2);
    await a.pending;
    const hiccup = fakeProbe([100, 30, 20_000], 10); // a timed run of 30 ms, then one that stalls
    const b = await measureProbe(hiccup.probe, hiccup.time);
    expect(b.measurement.gpuMs).toBe(30);
    expect(b.measurement.gpuCut).toBeUndefined();
    expect(b.pending).not.toBeNull(); // still not to be disposed under the stalled run
    await b.pending;
  });

  it('waits however long for the GPU when the CPU side failed', async () => {
    const { probe, time } = fakeProbe(60_000, 5, 'cpu');
    const { measurement: m, pending } = await measureProbe(probe, time);
    expect(m).toMatchObject({ gpuMs: 60_000, cpuMs: Infinity });
    expect(m.gpuCut).toBeUndefined();
    expect(pending).toBeNull();
  });

  it('lets the working side win when the other throws, and fails only when both do', async () => {
    const gpuFails = fakeProbe(5, 5, 'gpu');
    const g = (await measureProbe(gpuFails.probe, gpuFails.time)).measurement;
    expect(g.gpuMs).toBe(Infinity);
    expect(decideSide(g)).toBe('wasm');
    const cpuFails = fakeProbe(5, 5, 'cpu');
    const c = (await measureProbe(cpuFails.probe, cpuFails.time)).measurement;
    expect(decideSide(c)).toBe('webgpu');
    // A second timed run that throws keeps the first one's time.
    const clock = virtualClock();
    let n = 0;
    const flaky: StageProbe = {
      size: 1,
      gpu: async () => {
        if (++n === 3) throw new Error('lost');
        await clock.spend(5);
      },
      cpu: () => clock.spend(10),
      dispose() {},
    };
    expect((await measureProbe(flaky, clock)).measurement.gpuMs).toBe(5);
    expect(n).toBe(3);
    const both: StageProbe = { size: 1, gpu: () => Promise.reject(new Error('a')), cpu: () => Promise.reject(new Error('b')), dispose() {} };
    await expect(measureProbe(both)).rejects.toThrow(/both sides/);
  });
});

describe('BackendPlanner', () => {
  it('measures once per stage and model, shares the probe between concurrent callers, and reports it', async () => {
    const measured: string[] = [];
    const events: string[] = [];
    const { probe, runs, time } = fakeProbe(30, 2);
    const planner = new BackendPlanner('SwiftShader', 'auto', new Map(), 'test', {
      onMeasured: (k) => measured.push(k),
      onPlan: (p) => events.push('measuring' in p ? 'measuring' : p.side),
      ...time,
    });
    const s = subject(probe);
    const [a, b] = await Promise.all([planner.plan(s), planner.plan(s)]);
    expect(a).toBe(b);
    expect(s.probes).toBe(1);
    expect(runs.disposed).toBe(1);
    expect(a.side).toBe('wasm');
    expect(a.why).toBe('measured');
    expect(measured).toEqual([measurementKey({ adapter: 'SwiftShader', stage: 'vsr', model: 'vsr', files: ['aaa'], runtime: 'test' })]);
    expect(events).toEqual(['measuring', 'wasm']);
    expect((await planner.plan(s)).why).toBe('measured'); // the same plan, no second probe
    expect(s.probes).toBe(1);
  });

  it('uses a remembered measurement for the same adapter and files, and probes again for new files', async () => {
    const key = measurementKey({ adapter: 'GPU X', stage: 'vsr', model: 'vsr', files: ['aaa'], runtime: 'rt' });
    const stored = { [key]: { gpuMs: 3, cpuMs: 80, size: 32, at: 'then' }, junk: { gpuMs: 'fast' } };
    const planner = BackendPlanner.fromStored('GPU X', 'auto', stored, 'rt');
    const { probe } = fakeProbe(1, 1);
    const old = subject(probe);
    const plan = await planner.plan(old);
    expect(plan).toMatchObject({ side: 'webgpu', why: 'remembered' });
    expect(old.probes).toBe(0);
    const other = BackendPlanner.fromStored('GPU X', 'auto', stored, 'rt');
    const fresh = subject(probe, ['bbb']);
    expect((await other.plan(fresh)).why).toBe('measured');
    expect(fresh.probes).toBe(1);
  });

  it('follows a forced setting without probing, and has no choice without WebGPU', async () => {
    const { probe } = fakeProbe(1, 50);
    const s = subject(probe);
    const planner = new BackendPlanner('GPU', 'wasm', new Map(), 'rt');
    expect(await planner.plan(s)).toMatchObject({ side: 'wasm', why: 'forced' });
    planner.setPreference('webgpu');
    expect(await planner.plan(s)).toMatchObject({ side: 'webgpu', why: 'forced' });
    expect(s.probes).toBe(0);
    const none = new BackendPlanner(null, 'webgpu', new Map(), 'rt');
    expect(await none.plan(s)).toMatchObject({ side: 'wasm', why: 'no-webgpu' });
  });

  it('does not remember a measurement where a side failed', async () => {
    const measured: string[] = [];
    const planner = new BackendPlanner('GPU', 'auto', new Map(), 'rt', { onMeasured: (k) => measured.push(k) });
    const plan = await planner.plan(subject(fakeProbe(1, 1, 'gpu').probe));
    expect(plan.side).toBe('wasm');
    expect(measured).toEqual([]);
  });

  it('plans as soon as a GPU run is cut, and frees the probe only once that run has ended', async () => {
    const measured: StageMeasurement[] = [];
    const { probe, runs, time } = fakeProbe(30_000, 90);
    const planner = new BackendPlanner('SwiftShader', 'auto', new Map(), 'rt', { onMeasured: (_k, m) => measured.push(m), ...time });
    const plan = await planner.plan(subject(probe));
    expect(plan).toMatchObject({ side: 'wasm', why: 'measured' });
    expect(plan.text).toBe(`VSR on CPU (wasm): WebGPU's trial run had not finished after ${(gpuTrialLimitMs(90) / 1000).toFixed(1)} s, the CPU's took 90 ms`);
    expect(measured[0]?.gpuCut).toBe(true);
    expect(runs.gpuEnded).toBe(0);
    expect(runs.disposed).toBe(0); // the GPU run still holds the probe's buffers
    await vi.waitFor(() => expect(runs.disposed).toBe(1));
    expect(runs.gpuEnded).toBe(1);
  });
});
