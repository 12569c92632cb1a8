/**
 * The engine worker: owns the one GPUDevice (ORT's) and every GPU stage.
 * Reached from the UI through comlink (engine-client.ts). Each feature adds
 * its methods as a plain object spread into the API below (degrade-api.ts,
 * vsr-api.ts); frames arrive as RGBA8 and leave as RGBA8 (transferred), and
 * stay on the GPU in between. Two onnxruntime-web builds live here: the WebGPU build (gpu/device.ts)
 * for webgpu EP sessions, the plain wasm build (ort-wasm.ts) for every wasm EP session — a machine
 * that runs everything on the CPU never loads the first one's wasm, and one whose remembered plan
 * runs everything on the CPU loads it only when a stage needs WebGPU (backend-start.ts). Every ORT
 * session here is opened with gpu/ort.ts's openSession, so their calls take turns in its one queue
 * (ORT's asyncify wasm must see one call at a time).
 */
import * as Comlink from 'comlink';
import { backendStarted, describeBackend, findAdapter, getBackend, onBackendStarted, onDeviceLost, ort, type BackendInfo } from '../gpu/device';
import { degradeApi } from './degrade-api';
import { setLiteNetWanted, vsrApi } from './vsr-api';
import { vsrLiveApi } from './vsr-live-api';
import { byoApi } from './byo-api';
import { listByoModels } from '../models/byo-store-web';
import { setModelsBase, webModels } from '../models/source-web';
import type { VqganModel, VsrModel } from '../models/kinds';
import { getPlanner, setPlanner, type PlannerHooks } from './backend-plan';
import { startEngineBackend } from './backend-start';
import type { BackendPreference } from '../gpu/backend-choice';

/** What the UI hears from the engine's backend: each plan, new measurements, WebGPU brought up late. */
export interface EngineBackendHooks extends PlannerHooks {
  /** WebGPU, left down at start, came up (or failed to: the wasm fallback and why) on first need. */
  onBackend?(info: BackendInfo): void;
}

let lostCallback: ((reason: string) => void) | undefined;
let planHooks: EngineBackendHooks = {};
/** Init left WebGPU down (backend-start.ts): its start, when a stage needs it, is news to the UI. */
let deferredAtInit = false;
onDeviceLost((reason) => lostCallback?.(reason));
onBackendStarted((b) => {
  if (deferredAtInit) planHooks.onBackend?.(describeBackend(b));
});

const baseApi = {
  /**
   * Bring the backend up. `preference` picks the side per heavy stage ('auto' measures);
   * `measurements` are what earlier probes on this browser found (the UI keeps them).
   */
  async init(
    opts: { forceWasm?: boolean; ortCpu?: boolean; modelsBase?: string; preference?: BackendPreference; measurements?: Record<string, unknown> } = {},
  ): Promise<BackendInfo> {
    setLiteNetWanted(!opts.ortCpu);
    // Tests point the engine at the narrow test models (same topologies) with ?testmodels (test builds only).
    if (__VQDSR_TEST_BUILD__ && opts.modelsBase && /^\/[\w/.-]*\/$/.test(opts.modelsBase)) setModelsBase(opts.modelsBase);
    const runtime = `ort-web ${ort.env.versions?.web ?? '?'} ${navigator.userAgent}`;
    const { info, planner } = await startEngineBackend(
      { findAdapter: () => findAdapter(opts), start: async () => describeBackend(await getBackend(opts)) },
      {
        preference: opts.preference ?? 'auto',
        measurements: opts.measurements ?? {},
        runtime,
        hooks: {
          onMeasured: (key, m) => planHooks.onMeasured?.(key, m),
          onPlan: (plan) => planHooks.onPlan?.(plan),
        },
      },
    );
    deferredAtInit = info.kind === 'webgpu' && !info.started;
    setPlanner(planner);
    return info;
  },
  /** Where the UI hears of each stage's side (status line), of new measurements (to store them) and of WebGPU brought up late. */
  onBackendPlan(hooks: EngineBackendHooks): void {
    planHooks = hooks;
  },
  /** Test hook (?testhooks): lose the GPU device the way a driver reset does (false: no device, none started). */
  async testLoseDevice(): Promise<boolean> {
    if (!__VQDSR_TEST_BUILD__) throw new Error('test hooks are not part of this build');
    if (!backendStarted()) return false;
    const b = await getBackend();
    if (b.kind !== 'webgpu') return false;
    b.device.destroy();
    return true;
  },
  /** Test hook (?testhooks): an error no call handler catches, as a wasm abort in a callback gives. */
  async testCrash(): Promise<void> {
    if (!__VQDSR_TEST_BUILD__) throw new Error('test hooks are not part of this build');
    setTimeout(() => {
      throw new Error('test crash (?testhooks)');
    }, 0);
  },
  /** The backend setting changed: later runs follow it (a run in flight keeps its side). */
  async setBackendPreference(p: BackendPreference, forgetMeasurements = false): Promise<void> {
    const planner = getPlanner();
    if (forgetMeasurements) planner?.forget();
    planner?.setPreference(p);
  },
  /**
   * The models the manifest offers, per kind, in manifest order (the pickers list them), then the
   * VSR models the user brought and the browser keeps (a storage failure leaves just ours).
   */
  async models(): Promise<{ vqgan: VqganModel[]; vsr: VsrModel[] }> {
    const models = webModels();
    const yours = await listByoModels().catch((e: unknown) => {
      console.warn('your models could not be read from the browser storage:', e);
      return [];
    });
    return { vqgan: await models.list('vqgan'), vsr: [...(await models.list('vsr')), ...yours] };
  },
  /** The client restarts the worker when this fires: a lost ORT device cannot be revived in place. */
  onLost(cb: (reason: string) => void): void {
    lostCallback = cb;
  },
};

export const engineApi = { ...baseApi, ...degradeApi, ...vsrApi, ...vsrLiveApi, ...byoApi };

export type EngineApi = typeof engineApi;
Comlink.expose(engineApi);
