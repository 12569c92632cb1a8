/**
 * The pipeline parameters the sliders edit (one PipelineParams, validated by
 * src/pipeline/params.ts). Minimal version with the API the lead announced
 * (usePipeline: params, setParams), added by the compare/share-link work so the
 * share link and the compare views can build before the lead's version lands;
 * the lead's file replaces this one.
 */
import { create } from 'zustand';
import { assertValidParams, defaultPipelineParams, type PipelineParams } from '../pipeline/params';

export interface PipelineStore {
  params: PipelineParams;
  /** Validates (strictly) and stores; a ParamsError leaves the current params. */
  setParams: (p: PipelineParams) => void;
}

export const usePipeline = create<PipelineStore>((set) => ({
  params: defaultPipelineParams(),
  setParams: (p) => set({ params: assertValidParams(p) }),
}));
