/**
 * "auto" in the Upscale tab's model list: the app measures the clip's LR frames (noise, edge
 * sharpness: src/pipeline/vsr/input-probe.ts) and runs the VSR net the manifest's router picks for
 * them, as `vqdsr upscale --model auto` does. Offered where the manifest routes two or more models
 * (build_manifest.py copies training/fit_router.ts's fit in); on by default there, off as soon as the
 * user picks a model by name or a link names one.
 *
 * The pick is made once per clip and input (the clip as it is, or after the degradation pipeline
 * with its settings), from PROBE_FRAMES frames spread over the clip, and written into the view's
 * `vsrModel`: every consumer (run, Live, the output size, share links) sees a plain model id, and a
 * link made while auto was on restores the model it picked. The probe runs on the frames the net is
 * fed before any output-size resampling (enhance's ×1/4 shrink happens in the engine), i.e. what the
 * user's clip looks like, which is what the choice is about.
 */
import { create } from 'zustand';
import type { RgbaFrame } from '../../core/frame';
import type { VsrModel } from '../../models/kinds';
import { pickModel, probeFrameIndices, probeFrames, type AutoPick } from '../../pipeline/vsr/input-probe';
import { useApp } from '../../state/store';
import { useModels } from '../../state/models-store';
import { usePipeline } from '../../state/params-store';
import { useView } from '../../state/view-state';
import { degradeFrame } from '../degrade/degrade-client';
import { currentSourceId, getFrame } from '../frame-source';

export interface AutoModelStore {
  /** The latest pick and the input it was made for. */
  pick: (AutoPick & { key: string }) | null;
  /** A pick is being measured. */
  measuring: boolean;
  error: string | null;
}

export const useAutoModel = create<AutoModelStore>(() => ({ pick: null, measuring: false, error: null }));

/** Whether auto can choose among these models (two or more carry a route). */
export function autoOffered(models: readonly VsrModel[]): boolean {
  return models.filter((m) => m.route).length >= 2;
}

/** Whether runs and previews go by auto's pick now. */
export function autoActive(): boolean {
  return useView.getState().vsrAuto && autoOffered(useModels.getState().vsr) && useApp.getState().source !== null;
}

/** Where the Upscale tab takes its LR frames from (its Source setting). */
export type AutoInput = 'clip' | 'degraded';

/** What a pick depends on: the clip, and the input the net gets from it. */
function inputKey(source: AutoInput): string {
  return `${currentSourceId()}|${source}${source === 'degraded' ? `|${JSON.stringify(usePipeline.getState().params)}` : ''}`;
}

let inflight: { key: string; promise: Promise<string | null> } | null = null;
/** Picks by input key: switching the Source back and forth does not measure again. */
const remembered = new Map<string, AutoPick & { key: string }>();
const REMEMBER = 16;

/**
 * The model auto picks for the open clip and current input (measured once per input, then
 * remembered), written into the view's model; null where auto is off or not offered. A failure to
 * read the frames leaves the current model and says why in the store.
 */
export function resolveAutoModel(input: AutoInput): Promise<string | null> {
  if (!autoActive()) return Promise.resolve(null);
  const key = inputKey(input);
  const done = remembered.get(key);
  if (done) {
    if (useAutoModel.getState().pick !== done) useAutoModel.setState({ pick: done, error: null });
    if (useView.getState().vsrModel !== done.id) useView.getState().setVsrModel(done.id);
    return Promise.resolve(done.id);
  }
  if (inflight?.key === key) return inflight.promise;
  const source = useApp.getState().source!;
  const fromClip = input === 'clip';
  const params = structuredClone(usePipeline.getState().params);
  const promise = (async (): Promise<string | null> => {
    useAutoModel.setState({ measuring: true, error: null });
    try {
      const frames: RgbaFrame[] = [];
      for (const i of probeFrameIndices(source.frameCount)) frames.push(fromClip ? await getFrame(i) : (await degradeFrame(i, params)).frame);
      const pick = pickModel(useModels.getState().vsr, probeFrames(frames));
      if (!pick) return null;
      const entry = { ...pick, key };
      remembered.set(key, entry);
      while (remembered.size > REMEMBER) remembered.delete(remembered.keys().next().value as string);
      // Still auto, and still this input (the user may have moved on while the frames decoded).
      if (autoActive() && inputKey(input) === key) {
        useAutoModel.setState({ pick: entry });
        useView.getState().setVsrModel(pick.id);
      }
      return pick.id;
    } catch (e) {
      useAutoModel.setState({ error: `auto could not measure the clip (${e instanceof Error ? e.message : String(e)}); running ${useView.getState().vsrModel}` });
      return null;
    } finally {
      useAutoModel.setState({ measuring: false });
      if (inflight?.key === key) inflight = null;
    }
  })();
  inflight = { key, promise };
  return promise;
}
