/**
 * The engine worker: owns the one GPUDevice (ORT's) and every GPU stage.
 * Reached from the UI through comlink (engine-client.ts). Each feature adds
 * its methods as a plain object spread into the API below (degrade-api.ts,
 * vsr-api.ts); frames arrive as RGBA8 and leave as RGBA8 (transferred), and
 * stay on the GPU in between. Every ORT session here is opened with gpu/ort.ts's openSession, so
 * their calls take turns in its one queue (ORT's asyncify wasm must see one call at a time).
 */
import * as Comlink from 'comlink';
import { describeBackend, getBackend, onDeviceLost, type BackendInfo } from '../gpu/device';
import { degradeApi } from './degrade-api';
import { vsrApi } from './vsr-api';
import { setModelsBase, webModels } from '../models/source-web';
import type { VqganModel, VsrModel } from '../models/kinds';

let lostCallback: ((reason: string) => void) | undefined;
onDeviceLost((reason) => lostCallback?.(reason));

const baseApi = {
  async init(opts: { forceWasm?: boolean; modelsBase?: string } = {}): Promise<BackendInfo> {
    // Tests point the engine at the narrow test models (same topologies) with ?testmodels.
    if (opts.modelsBase && /^\/[\w/.-]*\/$/.test(opts.modelsBase)) setModelsBase(opts.modelsBase);
    return describeBackend(await getBackend(opts));
  },
  /** The models the manifest offers, per kind, in manifest order (the pickers list them). */
  async models(): Promise<{ vqgan: VqganModel[]; vsr: VsrModel[] }> {
    const models = webModels();
    return { vqgan: await models.list('vqgan'), vsr: await models.list('vsr') };
  },
  /** The client restarts the worker when this fires: a lost ORT device cannot be revived in place. */
  onLost(cb: (reason: string) => void): void {
    lostCallback = cb;
  },
};

export const engineApi = { ...baseApi, ...degradeApi, ...vsrApi };

export type EngineApi = typeof engineApi;
Comlink.expose(engineApi);
