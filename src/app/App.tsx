import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp, type Tab } from '../state/store';
import { provideEngine, setEngineRestarter, startEngine, type EngineHandle } from '../engine/engine-client';
import { StatusLine } from './StatusLine';
import { Banner } from './Banner';
import { ProgressBar } from './ProgressBar';
import { FrameScrubber } from './FrameScrubber';
import { SourceView } from './SourceView';
import { DegradeView } from './degrade/DegradeView';
import { ExploreView } from './explore/ExploreView';
import { openSample, useFrameSource } from './frame-source';
import { openUserFile } from './open-user-file';
import { CompareView } from './compare/CompareView';
import { CopyLinkButton } from './compare/CopyLinkButton';
import { BlindTestView } from './blind/BlindTestView';
import { UpscaleView } from './upscale/UpscaleView';
import { startUrlSync } from '../state/url-state';
import { loadModelList } from './model-list';
import { loadMeasurements, loadPreference, saveMeasurement } from './backend-memory';
import { BackendSetting } from './BackendSetting';
import { pageModelsBase } from './models-base';
import { OfflineStatus } from './offline/OfflineStatus';
import { UpdateBanner } from './offline/UpdateBanner';

const TABS: { id: Tab; label: string }[] = [
  { id: 'degrade', label: 'Degrade' },
  { id: 'explore', label: 'Explore k' },
  { id: 'upscale', label: 'Upscale' },
  { id: 'compare', label: 'Compare' },
  { id: 'blind', label: 'Blind A-B test' },
];

export const ACCEPT = '.mp4,.webm,.mkv,.mov,.gif,.png,.jpg,.jpeg,.webp,video/*,image/*';

export function App() {
  const tab = useApp((s) => s.tab);
  const setTab = useApp((s) => s.setTab);
  const loading = useApp((s) => s.loading);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const engine = useEngine();
  void engine;
  const source = useFrameSource();

  useEffect(() => {
    void openSample({ auto: true });
  }, []);
  useEffect(() => startUrlSync({ openSample }), []);

  const onFiles = useCallback((files: FileList | null | undefined) => {
    const f = files?.[0];
    if (f) void openUserFile(f);
  }, []);

  // Window-wide drag and drop: the whole page is the drop target.
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      depth++;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      onFiles(e.dataTransfer?.files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [onFiles]);

  // Keyboard: ←/→ step frames, Home/End, O opens a file. Ignored while typing in a field.
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && (t as HTMLInputElement).type !== 'range') return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const s = useApp.getState();
      if (s.tab === 'blind') return; // the blind test owns 1/2 and arrows
      if (e.key === 'ArrowRight') s.setFrameIndex(s.frameIndex + 1);
      else if (e.key === 'ArrowLeft') s.setFrameIndex(s.frameIndex - 1);
      else if (e.key === 'Home') s.setFrameIndex(0);
      else if (e.key === 'End') s.setFrameIndex((s.source?.frameCount ?? 1) - 1);
      else if (e.key === 'o' || e.key === 'O') fileInput.current?.click();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);

  return (
    <>
      <header className="top">
        <h1>
          vqdsr<span>-web</span>
        </h1>
        <StatusLine />
        <BackendSetting />
        <span style={{ flex: 1 }} />
        <OfflineStatus />
        <span className="muted" data-testid="source-name">
          {source ? `${source.name} · ${source.width}×${source.height} · ${source.frameCount} frame${source.frameCount === 1 ? '' : 's'}` : ''}
        </span>
        <CopyLinkButton />
        <button type="button" onClick={() => fileInput.current?.click()} title="Open a clip or image (O), or drop it anywhere">
          Open…
        </button>
        <button type="button" onClick={() => void openSample()} title="Back to the bundled sample clip">
          Sample
        </button>
        <input ref={fileInput} type="file" accept={ACCEPT} hidden data-testid="file-input" onChange={(e) => onFiles(e.target.files)} />
      </header>
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </nav>
      <Banner />
      <UpdateBanner />
      {loading && <ProgressBar progress={loading} />}
      <main>
        <FrameScrubber />
        {tab === 'degrade' ? (
          <DegradeView />
        ) : tab === 'explore' ? (
          <ExploreView />
        ) : tab === 'compare' ? (
          <CompareView />
        ) : tab === 'blind' ? (
          <BlindTestView />
        ) : tab === 'upscale' ? (
          <UpscaleView />
        ) : (
          <SourceView />
        )}
      </main>
      {dragging && <div className="drop-overlay">Drop a clip or an image to open it, or an .onnx model to add it</div>}
    </>
  );
}

/** Starts the engine worker once; restarts it if the GPU device is lost. */
function useEngine(): EngineHandle | null {
  const [engine, setEngine] = useState<EngineHandle | null>(null);
  useEffect(() => {
    let current: EngineHandle | null = null;
    let disposed = false;
    let restarting = false;
    const forceWasm = new URLSearchParams(location.search).has('wasm');
    const ortCpu = new URLSearchParams(location.search).has('ortcpu');
    const restart = (reason: string) => {
      if (disposed || restarting) return;
      restarting = true;
      useApp.getState().notify(`${reason} — restarting the engine.`);
      current?.dispose(reason);
      current = null;
      void start().finally(() => (restarting = false));
    };
    setEngineRestarter(restart);
    const start = async () => {
      try {
        const h = await startEngine({
          forceWasm,
          ortCpu,
          preference: useApp.getState().backendPreference,
          measurements: loadMeasurements(),
          planHooks: {
            onMeasured: (key, m) => saveMeasurement(key, m),
            onPlan: (p) => useApp.getState().setStagePlan(p),
            onBackend: (b) => useApp.getState().updateBackend(b),
          },
          modelsBase: pageModelsBase(),
          onLost: restart,
          onCrash: restart,
        });
        if (disposed) return h.dispose();
        current = h;
        setEngine(h);
        useApp.getState().setBackend(h.backend);
        provideEngine(h);
        void loadModelList(h);
      } catch (e) {
        useApp.getState().setBackend(null, e instanceof Error ? e.message : String(e));
      }
    };
    useApp.getState().setBackendPreference(loadPreference(location.search));
    void start();
    return () => {
      disposed = true;
      current?.dispose();
    };
  }, []);
  return engine;
}

