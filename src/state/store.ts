/**
 * The app's one store (zustand). Holds plain data only — what a share link can
 * describe plus transient UI status; heavy data (frames, GPU buffers) lives in
 * the frame cache and the workers.
 */
import { create } from 'zustand';
import type { BackendInfo } from '../gpu/device';

export type Tab = 'degrade' | 'upscale' | 'explore' | 'compare' | 'blind';

export interface SourceInfo {
  kind: 'sample' | 'file';
  name: string;
  width: number;
  height: number;
  frameCount: number;
  fps: number;
  isImage: boolean;
}

export interface Progress {
  label: string;
  done: number;
  total: number;
}

export interface AppState {
  backend: BackendInfo | null;
  engineError: string | null;
  source: SourceInfo | null;
  frameIndex: number;
  tab: Tab;
  loading: Progress | null;
  /** A visible error; the app keeps working underneath. */
  error: string | null;
  notices: string[];
  setBackend(b: BackendInfo | null, err?: string | null): void;
  setSource(s: SourceInfo | null): void;
  setFrameIndex(i: number): void;
  setTab(t: Tab): void;
  setLoading(p: Progress | null): void;
  setError(e: string | null): void;
  notify(msg: string): void;
  dismissNotice(i: number): void;
}

export const useApp = create<AppState>((set, get) => ({
  backend: null,
  engineError: null,
  source: null,
  frameIndex: 0,
  tab: 'degrade',
  loading: null,
  error: null,
  notices: [],
  setBackend: (backend, engineError = null) => set({ backend, engineError }),
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
