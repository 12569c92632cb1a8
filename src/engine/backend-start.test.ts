import { describe, expect, it } from 'vitest';
import { startEngineBackend, type WebGpuControl } from './backend-start';
import type { PlanSubject, StageProbe } from './backend-plan';
import { deferWebGpu, describeDeferral, measurementKey, type BackendPreference, type PlannedStage, type StageMeasurement } from '../gpu/backend-choice';
import type { AdapterFound, BackendInfo } from '../gpu/device';

const ADAPTER = 'google swiftshader';
const RT = 'ort-web 1.30.0 Chromium';
const LIMITS = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27, maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };

const key = (stage: PlannedStage, model: string, adapter = ADAPTER, runtime = RT) => measurementKey({ adapter, stage, model, files: [`${model}-sha`], runtime });
/** What SwiftShader measured: the CPU far ahead (cpu) or WebGPU ahead (gpu). */
const cpuWins: StageMeasurement = { gpuMs: 7400, cpuMs: 77, size: 32, at: '2026-12-01T00:00:00Z' };
const gpuWins: StageMeasurement = { gpuMs: 5, cpuMs: 77, size: 32, at: '2026-12-01T00:00:00Z' };

const HARDWARE: AdapterFound = { kind: 'webgpu', adapter: ADAPTER, isFallbackAdapter: false, limits: LIMITS };
/** The same adapter flagged as the browser's software fallback (SwiftShader is, in Chromium). */
const SOFTWARE: AdapterFound = { ...HARDWARE, isFallbackAdapter: true };

/**
 * A fake device.ts: brings WebGPU up once, as it does (`start`: bring-ups, `asks`: calls);
 * `fails` makes bringing it up fail.
 */
function control(found: AdapterFound = HARDWARE, fails?: string) {
  const calls = { adapter: 0, start: 0, asks: 0 };
  let up: Promise<BackendInfo> | undefined;
  const bringUp = async (): Promise<BackendInfo> => {
    calls.start++;
    await Promise.resolve();
    if (found.kind !== 'webgpu') return found;
    return fails ? { kind: 'wasm', reason: fails } : { ...found, started: true };
  };
  const ctl: WebGpuControl = {
    findAdapter: async () => (calls.adapter++, found),
    start: () => (calls.asks++, (up ??= bringUp())),
  };
  return { ctl, calls };
}

/** A plan subject whose probe (never timed here: it only counts) fails the test if it runs unasked. */
function subject(stage: PlannedStage, model: string): PlanSubject & { probes: number } {
  const probe: StageProbe = { size: 32, gpu: async () => undefined, cpu: async () => undefined, dispose: () => undefined };
  const s = { stage, model, files: [`${model}-sha`], probes: 0, probe: async () => (s.probes++, probe) };
  return s;
}

async function start(preference: BackendPreference, measurements: Record<string, unknown>, c = control()) {
  const plans: string[] = [];
  const eb = await startEngineBackend(c.ctl, { preference, measurements, runtime: RT, hooks: { onPlan: (p) => plans.push('measuring' in p ? 'measuring' : p.text) } });
  return { ...eb, calls: c.calls, plans };
}

describe('deferWebGpu', () => {
  const all = (m: Record<string, StageMeasurement>) => Object.entries(m);
  it('leaves WebGPU down only where every measurement remembered for this adapter and runtime chose the CPU, or the setting says CPU', () => {
    const d = (preference: BackendPreference, m: Record<string, StageMeasurement>) => deferWebGpu({ adapter: ADAPTER, preference, measurements: all(m), runtime: RT });
    expect(d('auto', { [key('vsr', 'vsr')]: cpuWins, [key('degrade', 'vqgan')]: cpuWins })).toBe('remembered-cpu');
    expect(d('auto', { [key('vsr', 'vsr')]: cpuWins, [key('degrade', 'vqgan')]: gpuWins })).toBeNull(); // one stage runs on WebGPU
    expect(d('auto', {})).toBeNull(); // nothing remembered: the first run measures
    // Measured on another adapter, or under another ORT/browser: not this adapter's plan.
    expect(d('auto', { [key('vsr', 'vsr', 'nvidia ampere')]: cpuWins })).toBeNull();
    expect(d('auto', { [key('vsr', 'vsr', ADAPTER, 'ort-web 1.29.0 Chromium')]: cpuWins })).toBeNull();
    expect(d('auto', { [key('vsr', 'vsr')]: cpuWins, [key('vsr', 'vsr', 'nvidia ampere')]: gpuWins })).toBe('remembered-cpu');
    // An adapter whose name is a prefix of another's does not take the other's measurements.
    expect(deferWebGpu({ adapter: 'google', preference: 'auto', measurements: all({ [key('vsr', 'vsr')]: cpuWins }), runtime: RT })).toBeNull();
    expect(d('webgpu', { [key('vsr', 'vsr')]: cpuWins })).toBeNull(); // forced (?webgpu, the setting)
    expect(d('wasm', {})).toBe('set-to-cpu');
    expect(describeDeferral('remembered-cpu')).toMatch(/not started.*remembered for this adapter/);
  });

  it('leaves a software adapter down when nothing remembered needs it', () => {
    const d = (preference: BackendPreference, m: Record<string, StageMeasurement>) =>
      deferWebGpu({ adapter: ADAPTER, preference, measurements: all(m), runtime: RT, softwareAdapter: true });
    expect(d('auto', {})).toBe('software-adapter'); // not probed unasked, so nothing needs it
    expect(d('auto', { [key('vsr', 'vsr', 'nvidia ampere')]: gpuWins })).toBe('software-adapter'); // another adapter's plan
    expect(d('auto', { [key('vsr', 'vsr')]: cpuWins })).toBe('remembered-cpu'); // measured here ("measure again")
    expect(d('auto', { [key('vsr', 'vsr')]: gpuWins })).toBeNull(); // …and WebGPU won: it starts
    expect(d('webgpu', {})).toBeNull();
    expect(d('wasm', {})).toBe('set-to-cpu');
    expect(describeDeferral('software-adapter')).toMatch(/not started: everything runs on the CPU.*Measure again/);
  });
});

describe('startEngineBackend', () => {
  it('remembered all-CPU plan: WebGPU is not brought up at start, nor by the stages it remembers', async () => {
    const measurements = { [key('vsr', 'vsr')]: cpuWins, [key('degrade', 'vqgan')]: cpuWins };
    const { info, planner, calls, plans } = await start('auto', measurements);
    expect(calls.start).toBe(0);
    expect(info).toMatchObject({ kind: 'webgpu', adapter: ADAPTER, started: false, deferred: 'remembered-cpu' });
    const vsr = subject('vsr', 'vsr');
    expect(await planner.plan(vsr)).toMatchObject({ side: 'wasm', why: 'remembered' });
    expect(await planner.plan(subject('degrade', 'vqgan'))).toMatchObject({ side: 'wasm', why: 'remembered' });
    expect(vsr.probes).toBe(0);
    expect(calls.start).toBe(0);
    expect(plans).toEqual(['VSR on CPU (wasm): 96× faster than this GPU, measured earlier', 'Degrade on CPU (wasm): 96× faster than this GPU, measured earlier']);
  });

  it('…and brings it up on first need: a stage never measured here, "measure again", the setting forcing WebGPU', async () => {
    const measurements = { [key('vsr', 'vsr')]: cpuWins };
    const fresh = await start('auto', measurements);
    const other = subject('vsr', 'vsr-restore');
    await fresh.planner.plan(other);
    expect(fresh.calls.start).toBe(1); // before the probe, which times both sides
    expect(other.probes).toBe(1);
    expect(fresh.plans[0]).toBe('measuring');

    const again = await start('auto', measurements);
    again.planner.forget(); // "measure again"
    await again.planner.plan(subject('vsr', 'vsr'));
    expect(again.calls.start).toBe(1);

    const forced = await start('auto', measurements);
    forced.planner.setPreference('webgpu');
    expect(await forced.planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'webgpu', why: 'forced' });
    expect(forced.calls.start).toBe(1);
  });

  it('no remembered plan: WebGPU comes up at start, and the first run measures', async () => {
    const { info, planner, calls } = await start('auto', {});
    expect(calls.start).toBe(1);
    expect(info).toMatchObject({ kind: 'webgpu', started: true });
    const s = subject('vsr', 'vsr');
    expect((await planner.plan(s)).why).toBe('measured');
    expect(s.probes).toBe(1);
    expect(calls.start).toBe(1); // not again
  });

  it('forced WebGPU (?webgpu), or a remembered plan with a stage on WebGPU: WebGPU comes up at start', async () => {
    const forced = await start('webgpu', { [key('vsr', 'vsr')]: cpuWins });
    expect(forced.calls.start).toBe(1);
    expect(forced.info).toMatchObject({ started: true });
    const mixed = await start('auto', { [key('vsr', 'vsr')]: cpuWins, [key('degrade', 'vqgan')]: gpuWins });
    expect(mixed.calls.start).toBe(1);
  });

  it('the setting on the CPU leaves WebGPU down until the setting changes', async () => {
    const { info, planner, calls } = await start('wasm', {});
    expect(info).toMatchObject({ started: false, deferred: 'set-to-cpu' });
    expect(await planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'wasm', why: 'forced' });
    expect(calls.start).toBe(0);
    planner.setPreference('auto');
    await planner.plan(subject('vsr', 'vsr'));
    expect(calls.start).toBe(1);
  });

  it('WebGPU failing to come up on first need: the stage runs on the CPU and says why, without a probe', async () => {
    const c = control(undefined, 'onnxruntime-web could not start on WebGPU: no device');
    const { planner, calls } = await start('auto', { [key('vsr', 'vsr')]: cpuWins }, c);
    const s = subject('vsr', 'vsr-restore');
    expect(await planner.plan(s)).toMatchObject({ side: 'wasm', why: 'no-webgpu', text: 'VSR on CPU (wasm): onnxruntime-web could not start on WebGPU: no device' });
    expect(s.probes).toBe(0);
    planner.setPreference('webgpu');
    expect(await planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'wasm', why: 'no-webgpu' });
    expect(calls).toMatchObject({ start: 1, asks: 2 }); // asked by each plan; answered from the one attempt
  });

  it('software adapter: every stage on the CPU without a probe, WebGPU left down, until "measure again" or the setting', async () => {
    const { info, planner, calls, plans } = await start('auto', {}, control(SOFTWARE));
    expect(info).toMatchObject({ kind: 'webgpu', started: false, deferred: 'software-adapter' });
    const vsr = subject('vsr', 'vsr');
    const degrade = subject('degrade', 'vqgan');
    expect(await planner.plan(vsr)).toMatchObject({ side: 'wasm', why: 'software-adapter' });
    expect(await planner.plan(degrade)).toMatchObject({ side: 'wasm', why: 'software-adapter' });
    expect(vsr.probes + degrade.probes).toBe(0);
    expect(calls.start).toBe(0);
    expect(plans).toEqual([
      'VSR on CPU (wasm): software adapter, not measured',
      'Degrade on CPU (wasm): software adapter, not measured',
    ]);
    planner.forget(); // "measure again": probed like any adapter, WebGPU brought up for it
    expect((await planner.plan(vsr)).why).toBe('measured');
    expect(vsr.probes).toBe(1);
    expect(calls.start).toBe(1);

    // A measurement remembered for it is used, and a stage never measured stays on the CPU unprobed.
    const later = await start('auto', { [key('vsr', 'vsr')]: cpuWins }, control(SOFTWARE));
    expect(later.info).toMatchObject({ started: false, deferred: 'remembered-cpu' });
    expect(await later.planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'wasm', why: 'remembered' });
    const unmeasured = subject('vsr', 'vsr-restore');
    expect(await later.planner.plan(unmeasured)).toMatchObject({ side: 'wasm', why: 'software-adapter' });
    expect(unmeasured.probes).toBe(0);
    expect(later.calls.start).toBe(0);

    // The setting forces WebGPU on it all the same.
    const forced = await start('auto', {}, control(SOFTWARE));
    forced.planner.setPreference('webgpu');
    expect(await forced.planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'webgpu', why: 'forced' });
    expect(forced.calls.start).toBe(1);
  });

  it('failing at start, or no adapter: the CPU only, nothing left to bring up', async () => {
    const failed = await start('auto', {}, control(undefined, 'onnxruntime-web could not start on WebGPU: x'));
    expect(failed.info).toEqual({ kind: 'wasm', reason: 'onnxruntime-web could not start on WebGPU: x' });
    expect(await failed.planner.plan(subject('vsr', 'vsr'))).toMatchObject({ side: 'wasm', why: 'no-webgpu' });
    expect(failed.calls.start).toBe(1);
    const none = await start('webgpu', {}, control({ kind: 'wasm', reason: 'No WebGPU adapter' }));
    expect(none.info).toEqual({ kind: 'wasm', reason: 'No WebGPU adapter' });
    expect(none.calls.start).toBe(0);
  });
});
