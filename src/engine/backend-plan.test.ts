import { describe, expect, it } from 'vitest';
import { BackendPlanner, measureProbe, type PlanSubject, type StageProbe } from './backend-plan';
import { CPU_MARGIN, decideSide, describePlan, isMeasurement, measurementKey, type StageMeasurement } from '../gpu/backend-choice';

/**
 * Virtual time: a probe run advances `clock` by its cost (after a real await, so callers still
 * interleave as with real work). Timings then cannot depend on the machine's load.
 */
function virtualClock() {
  let t = 0;
  return { now: () => t, spend: async (ms: number) => void (await Promise.resolve(), (t += ms)) };
}

/** A probe whose sides take gpuMs / cpuMs of virtual time per run, counting runs. */
function fakeProbe(gpuMs: number, cpuMs: number, fail?: 'gpu' | 'cpu', clock = virtualClock()) {
  const runs = { gpu: 0, cpu: 0, disposed: 0 };
  const probe: StageProbe = {
    size: 32,
    async gpu() {
      runs.gpu++;
      if (fail === 'gpu') throw new Error('device lost');
      await clock.spend(gpuMs);
    },
    async cpu() {
      runs.cpu++;
      if (fail === 'cpu') throw new Error('wasm out of memory');
      await clock.spend(cpuMs);
    },
    dispose: () => void runs.disposed++,
  };
  return { probe, runs, now: clock.now };
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
    for (const bad of [null, 3, {}, { gpuMs: -1, cpuMs: 2, size: 32, at: 'x' }, { gpuMs: 1, cpuMs: null, size: 32, at: 'x' }, { gpuMs: 1, cpuMs: 2, size: 32 }]) {
      expect(isMeasurement(bad)).toBe(false);
    }
  });
});

describe('measureProbe', () => {
  it('warms each side up before timing it and keeps the fastest timed run', async () => {
    const { probe, runs, now } = fakeProbe(15, 5);
    const m = await measureProbe(probe, now);
    expect(runs.cpu).toBe(3); // warm-up + 2 timed
    expect(runs.gpu).toBe(3); // warm-up + 1 timed, then (not far off: < 4×) 1 more
    expect(m).toMatchObject({ gpuMs: 15, cpuMs: 5, size: 32 });
    expect(decideSide(m)).toBe('wasm');
  });

  it('times a far slower GPU only once', async () => {
    const { probe, runs, now } = fakeProbe(60, 2);
    expect(await measureProbe(probe, now)).toMatchObject({ gpuMs: 60, cpuMs: 2 });
    expect(runs.gpu).toBe(2);
  });

  it('lets the working side win when the other throws, and fails only when both do', async () => {
    const gpuFails = fakeProbe(5, 5, 'gpu');
    const g = await measureProbe(gpuFails.probe, gpuFails.now);
    expect(g.gpuMs).toBe(Infinity);
    expect(decideSide(g)).toBe('wasm');
    const cpuFails = fakeProbe(5, 5, 'cpu');
    const c = await measureProbe(cpuFails.probe, cpuFails.now);
    expect(decideSide(c)).toBe('webgpu');
    const both: StageProbe = { size: 1, gpu: () => Promise.reject(new Error('a')), cpu: () => Promise.reject(new Error('b')), dispose() {} };
    await expect(measureProbe(both)).rejects.toThrow(/both sides/);
  });
});

describe('BackendPlanner', () => {
  it('measures once per stage and model, shares the probe between concurrent callers, and reports it', async () => {
    const measured: string[] = [];
    const events: string[] = [];
    const { probe, runs, now } = fakeProbe(30, 2);
    const planner = new BackendPlanner('SwiftShader', 'auto', new Map(), 'test', {
      onMeasured: (k) => measured.push(k),
      onPlan: (p) => events.push('measuring' in p ? 'measuring' : p.side),
      now,
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
});
