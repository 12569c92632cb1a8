import { describe, expect, it } from 'vitest';
import { BackendPlanner, measureProbe, type PlanSubject, type StageProbe } from './backend-plan';
import { CPU_MARGIN, decideSide, describePlan, isMeasurement, measurementKey, type StageMeasurement } from '../gpu/backend-choice';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A probe whose sides take about gpuMs / cpuMs each run, counting runs. */
function fakeProbe(gpuMs: number, cpuMs: number, fail?: 'gpu' | 'cpu') {
  const runs = { gpu: 0, cpu: 0, disposed: 0 };
  const probe: StageProbe = {
    size: 32,
    async gpu() {
      runs.gpu++;
      if (fail === 'gpu') throw new Error('device lost');
      await sleep(gpuMs);
    },
    async cpu() {
      runs.cpu++;
      if (fail === 'cpu') throw new Error('wasm out of memory');
      await sleep(cpuMs);
    },
    dispose: () => void runs.disposed++,
  };
  return { probe, runs };
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
    const { probe, runs } = fakeProbe(15, 5);
    const m = await measureProbe(probe);
    expect(runs.cpu).toBe(3); // warm-up + 2 timed
    expect(runs.gpu).toBe(3); // warm-up + 1 timed, then (not far off) 1 more
    expect(m.gpuMs).toBeGreaterThanOrEqual(12);
    expect(m.cpuMs).toBeLessThan(m.gpuMs);
    expect(decideSide(m)).toBe('wasm');
  });

  it('times a far slower GPU only once', async () => {
    const { probe, runs } = fakeProbe(60, 2);
    await measureProbe(probe);
    expect(runs.gpu).toBe(2);
  });

  it('lets the working side win when the other throws, and fails only when both do', async () => {
    const g = await measureProbe(fakeProbe(5, 5, 'gpu').probe);
    expect(g.gpuMs).toBe(Infinity);
    expect(decideSide(g)).toBe('wasm');
    const c = await measureProbe(fakeProbe(5, 5, 'cpu').probe);
    expect(decideSide(c)).toBe('webgpu');
    const both: StageProbe = { size: 1, gpu: () => Promise.reject(new Error('a')), cpu: () => Promise.reject(new Error('b')), dispose() {} };
    await expect(measureProbe(both)).rejects.toThrow(/both sides/);
  });
});

describe('BackendPlanner', () => {
  it('measures once per stage and model, shares the probe between concurrent callers, and reports it', async () => {
    const measured: string[] = [];
    const events: string[] = [];
    const planner = new BackendPlanner('SwiftShader', 'auto', new Map(), 'test', {
      onMeasured: (k) => measured.push(k),
      onPlan: (p) => events.push('measuring' in p ? 'measuring' : p.side),
    });
    const { probe, runs } = fakeProbe(30, 2);
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
