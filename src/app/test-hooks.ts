/**
 * In a test build only (src/test-build.d.ts: elsewhere the minifier drops the block below), with
 * `?testhooks` in the page URL, exposes the params
 * store on window so a test can set exact PipelineParams — the same values the
 * CLI gets through --params — and compare the two paths' pixels.
 */
import { usePipeline } from '../state/params-store';
import type { PipelineParams } from '../pipeline/params';
import { getEngine } from '../engine/engine-client';

declare global {
  interface Window {
    __vqdsrTest?: {
      setParams(p: PipelineParams): void;
      getParams(): PipelineParams;
      /** Destroy the engine's GPUDevice (false without WebGPU). */
      loseDevice(): Promise<boolean>;
      /** Throw in the engine worker outside any call: the worker's error event. */
      crashEngine(): Promise<void>;
      /** Live VSR sessions open in the engine (0 once Live mode has stopped and released its run). */
      liveSessions(): Promise<number>;
    };
  }
}

if (__VQDSR_TEST_BUILD__ && typeof location !== 'undefined' && new URLSearchParams(location.search).has('testhooks')) {
  window.__vqdsrTest = {
    setParams: (p) => usePipeline.getState().setParams(p),
    getParams: () => structuredClone(usePipeline.getState().params),
    loseDevice: async () => (await getEngine()).api.testLoseDevice(),
    crashEngine: async () => (await getEngine()).api.testCrash(),
    liveSessions: async () => (await getEngine()).api.vsrLiveSessions(),
  };
}
