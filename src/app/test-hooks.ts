/**
 * With `?testhooks` in the page URL (end-to-end tests only), exposes the params
 * store on window so a test can set exact PipelineParams — the same values the
 * CLI gets through --params — and compare the two paths' pixels.
 */
import { usePipeline } from '../state/params-store';
import type { PipelineParams } from '../pipeline/params';

declare global {
  interface Window {
    __vqdsrTest?: { setParams(p: PipelineParams): void; getParams(): PipelineParams };
  }
}

if (typeof location !== 'undefined' && new URLSearchParams(location.search).has('testhooks')) {
  window.__vqdsrTest = {
    setParams: (p) => usePipeline.getState().setParams(p),
    getParams: () => structuredClone(usePipeline.getState().params),
  };
}
