/**
 * The models the engine's manifest offers, as plain data for the pickers (the Upscale tab's model
 * select, the VSR variants of Compare and the blind test) and the Degrade tab's model note. Filled once the engine is up
 * (app/upscale/vsr-variant.ts); empty until then.
 */
import { create } from 'zustand';
import type { VqganModel, VsrModel } from '../models/kinds';

export interface ModelsStore {
  /** Degraders and VSR models, in manifest order. */
  vqgan: VqganModel[];
  vsr: VsrModel[];
  /** Why the list could not be read (shown by the Upscale tab). */
  error: string | null;
}

export const useModels = create<ModelsStore>(() => ({ vqgan: [], vsr: [], error: null }));
