/**
 * The app's one store (zustand). Holds plain data only — what a share link can
 * describe plus transient UI status; heavy data (frames, GPU buffers) lives in
 * the frame cache and the workers.
 */
import { create } from 'zustand';
import type { BackendInfo } from '../gpu/device';
import type { BackendPreference, PlannedStage, StagePlan } from '../gpu/backend-choice';

export type Tab = 'degrade' | 'upscale' | 'explore' | 'compare' | 'blind';

export interface SourceInfo {
  kind: 'sample' | 'file';
  name: string;
  width: number;
  height: number;
  frameCount: number;
  fps: number;
  isImage: boolean;
  /** Non-square stored pixels (anamorphic video; media/frames.ts MediaInfo.pixelAspect): exports keep it. */
  pixelAspect?: { num: number; den: number };
  /** The stream is interlaced; its frames come deinterlaced (media/codec-args.ts DEINTERLACE_FILTER). */
  interlaced?: true;
}

export interface Progress {
  label: string;
  done: number;
  total: number;
  /** What done and total count, where it is not obvious (e.g. 'KiB'). */
  unit?: string;
}

/** A stage's side as the status line shows it: decided, or being measured right now. */
export type StageStatus = StagePlan | { stage: PlannedStage; model: string; measuring: true };

export interface AppState {
  backend: BackendInfo | null;
  /** Side per heavy stage and model ('vsr#vsr', 'degrade#vqgan'), as the engine decided it. */
  stagePlans: Record<string, StageStatus>;
  backendPreference: BackendPreference;
  engineError: string | null;
  source: SourceInfo | null;
  frameIndex: number;
  tab: Tab;
  loading: Progress | null;
  /** A visible error; the app keeps working underneath. */
  error: string | null;
  notices: string[];
  setBackend: (b: BackendInfo | null, err?: string | null) => void;
  /** The same engine's backend changed (WebGPU brought up on first need): its plans still hold. */
  updateBackend: (b: BackendInfo) => void;
  setStagePlan: (p: StageStatus) => void;
  /** A new setting: the plans made under the old one no longer hold. */
  setBackendPreference: (p: BackendPreference) => void;
  setSource: (s: SourceInfo | null) => void;
  setFrameIndex: (i: number) => void;
  setTab: (t: Tab) => void;
  setLoading: (p: Progress | null) => void;
  setError: (e: string | null) => void;
  notify: (msg: string) => void;
  dismissNotice: (i: number) => void;
}

export const useApp = create<AppState>((set, get) => ({
  backend: null,
  stagePlans: {},
  backendPreference: 'auto',
  engineError: null,
  source: null,
  frameIndex: 0,
  tab: 'degrade',
  loading: null,
  error: null,
  notices: [],
  setBackend: (backend, engineError = null) => set({ backend, engineError, stagePlans: {} }),
  updateBackend: (backend) => set({ backend }),
  setStagePlan: (p) => set({ stagePlans: { ...get().stagePlans, [`${p.stage}#${p.model}`]: p } }),
  setBackendPreference: (backendPreference) => set({ backendPreference, stagePlans: {} }),
  setSource: (source) => set({ source, frameIndex: 0 }),
  setFrameIndex: (i) => {
    const n = get().source?.frameCount ?? 1;
    set({ frameIndex: Math.max(0, Math.min(n - 1, Math.round(i))) });
  },
  setTab: (tab) => set({ tab }),
  setLoading: (loading) => set({ loading }),
  setError: (error) => set({ error }),
  notify: (msg) => set({ notices: [...get().notices.slice(-4), msg] }),
  dismissNotice: (i) => set({ notices: get().notices.filter((_, j) => j !== i) }),
}));
