/**
 * The engine's backend at start: WebGPU brought up now, or left down until first need.
 *
 * Bringing WebGPU up costs onnxruntime-web's WebGPU build (its 27 MB wasm fetched and compiled) and
 * a GPUDevice. Where the plan remembered for this adapter puts every stage on the CPU (a software
 * adapter such as SwiftShader: VSR 90× slower there than on wasm) or the setting does, that buys
 * nothing, so the engine asks for the adapter only (its name keys the plan) and leaves the rest to
 * the planner, which brings WebGPU up when a plan needs it: a probe (a stage or model not measured
 * here, "measure again"), a stage remembered or forced onto WebGPU (the setting, `?webgpu`). With no
 * plan remembered it starts now, as the first probe needs it anyway — except on a software adapter,
 * which is not probed unasked (gpu/backend-choice.ts's deferWebGpu says which).
 */
import { BackendPlanner, type PlannerHooks } from './backend-plan';
import { deferWebGpu, isMeasurement, type BackendPreference, type StageMeasurement } from '../gpu/backend-choice';
import type { AdapterFound, BackendInfo } from '../gpu/device';

/** The two steps of gpu/device.ts, injectable for the tests. */
export interface WebGpuControl {
  /** The adapter: cheap, starts nothing. */
  findAdapter(): Promise<AdapterFound>;
  /** Brings WebGPU up once (later calls get the same answer); the wasm fallback where it fails. */
  start(): Promise<BackendInfo>;
}

export interface EngineBackendOptions {
  preference: BackendPreference;
  /** What earlier probes found, as the UI stored them (validated here). */
  measurements: Record<string, unknown>;
  /** ORT's version and the browser: part of each measurement's key. */
  runtime: string;
  hooks?: PlannerHooks;
}

export interface EngineBackend {
  info: BackendInfo;
  planner: BackendPlanner;
}

export async function startEngineBackend(ctl: WebGpuControl, o: EngineBackendOptions): Promise<EngineBackend> {
  const remembered = new Map<string, StageMeasurement>();
  for (const [k, v] of Object.entries(o.measurements)) if (isMeasurement(v)) remembered.set(k, v);
  const found = await ctl.findAdapter();
  const software = found.kind === 'webgpu' && found.isFallbackAdapter;
  const planner = (adapter: string | null, hooks: PlannerHooks = {}) =>
    new BackendPlanner(adapter, o.preference, remembered, o.runtime, { ...o.hooks, ...hooks }, software);
  if (found.kind !== 'webgpu') return { info: found, planner: planner(null) };
  const deferred = deferWebGpu({ adapter: found.adapter, preference: o.preference, measurements: remembered, runtime: o.runtime, softwareAdapter: software });
  if (deferred === null) {
    const info = await ctl.start();
    // WebGPU failing to come up leaves the CPU as the only side, as no adapter would.
    return { info, planner: planner(info.kind === 'webgpu' ? found.adapter : null) };
  }
  const startWebGpu = async () => {
    const info = await ctl.start();
    return info.kind === 'webgpu' ? null : info.reason;
  };
  return { info: { ...found, started: false, deferred }, planner: planner(found.adapter, { startWebGpu }) };
}
