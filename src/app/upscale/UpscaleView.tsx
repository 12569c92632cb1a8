/**
 * Upscale tab: run the recurrent VSR net ×4 over the open clip (or image), watch the current frame,
 * pause / resume / cancel, and save the result as MP4, WebM or a zip of PNG frames (a PNG for an
 * image). The run itself lives in upscale-run.ts.
 */
import { useEffect } from 'react';
import { useApp } from '../../state/store';
import { useView } from '../../state/view-state';
import { useModels } from '../../state/models-store';
import { usePipeline } from '../../state/params-store';
import { autoOffered, resolveAutoModel, useAutoModel, type AutoModelStore } from './auto-model';
import { FrameCanvas } from '../FrameCanvas';
import { currentSourceId } from '../frame-source';
import { QUALITY, X264_PRESETS, type VideoFormat, type X264Preset } from '../../media/export-args';
import { canPickSaveFile, downloadFile, exportUnavailable, saveWithPicker } from '../../media/export-client';
import {
  OUTPUT_CHOICES,
  OUTPUT_LABELS,
  REGIONS,
  cancelUpscale,
  isBusy,
  pauseUpscale,
  prepareUpscale,
  resumeUpscale,
  startUpscale,
  useUpscale,
  type OutputChoice,
  type Region,
} from './upscale-run';
import './vsr-variant';
import { ByoPanel } from '../byo/ByoPanel';
import { ENSEMBLE_SIZES, type EnsembleSize } from '../../pipeline/vsr/self-ensemble';
import { OutputSizeField } from './OutputSizeField';
import { LiveView } from './live/LiveView';

const TILES = [null, 64, 128, 256, 512] as const;

function clock(s: number): string {
  const t = Math.max(0, Math.round(s));
  const m = Math.floor(t / 60);
  return `${m}:${String(t % 60).padStart(2, '0')}`;
}

/** The model list's value for auto (as `vqdsr upscale --model auto`: no shipped model is named so). */
const AUTO = 'auto';

function autoLabel(on: boolean, auto: AutoModelStore, current: string): string {
  if (!on) return 'auto (pick from the clip)';
  if (auto.measuring) return 'auto (measuring the clip…)';
  return `auto: ${current}`;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 2 ** 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

export function UpscaleView() {
  const source = useApp((s) => s.source);
  const u = useUpscale();
  const { settings, setSettings, status } = u;
  const vsrModel = useView((s) => s.vsrModel);
  const chooseVsrModel = useView((s) => s.chooseVsrModel);
  const vsrAuto = useView((s) => s.vsrAuto);
  const setVsrAuto = useView((s) => s.setVsrAuto);
  const auto = useAutoModel();
  const models = useModels((s) => s.vsr);
  const modelsError = useModels((s) => s.error);
  const busy = isBusy(status);
  // Another file opened: the whole clip by default, and a run on the old one stops. (Not on a
  // remount of the tab, nor when the cache corrects the frame count of the same file.)
  useEffect(() => {
    if (!source) return;
    const id = currentSourceId();
    if (useUpscale.getState().sourceId === id) return;
    cancelUpscale();
    useUpscale.setState({ sourceId: id, result: null, output: null, input: null, message: null, status: 'idle', metrics: null, done: 0, total: 0 });
    useUpscale.getState().setSettings({ from: 0, to: source.frameCount });
  }, [source]);

  // auto: measure the clip (once per clip and input) and take the model the router picks for it.
  // On the degraded input its settings matter too; a slider drag re-measures once it rests (a run
  // measures the input it gets in any case: startUpscale).
  const offered = autoOffered(models);
  const params = usePipeline((s) => s.params);
  const degradedParams = settings.source === 'degraded' ? params : null;
  useEffect(() => {
    if (!source || busy || !vsrAuto || !offered) return;
    const t = setTimeout(() => void resolveAutoModel(settings.source), degradedParams ? 500 : 0);
    return () => clearTimeout(t);
  }, [source, busy, vsrAuto, offered, settings.source, degradedParams]);

  // The model made ready while the user chooses (loaded, and on first use per GPU measured), so
  // Start goes straight to the first frame. Not while a run is on: it loads what it needs itself.
  useEffect(() => {
    if (!source || busy) return;
    const t = setTimeout(() => void prepareUpscale(vsrModel), 0);
    return () => clearTimeout(t);
  }, [source, vsrModel, busy]);

  if (!source) return <p className="muted">Open a clip or an image to upscale it.</p>;
  const isImage = source.isImage;
  const noExport = exportUnavailable();
  const video = settings.output in QUALITY ? (settings.output as VideoFormat) : null;
  const q = video ? QUALITY[video] : null;
  const model = models.find((m) => m.id === vsrModel);
  const pct = u.total > 0 ? (100 * u.done) / u.total : 0;

  return (
    <div className="degrade-view upscale-view">
      <div className="panels">
        <div className="panel">
          <div className="muted">
            {model?.byo
              ? `Upscale ×${model.scale} with your model ${model.byo.fileName} (${model.frames === 'single' ? 'one frame at a time' : `recurrent, state width ${model.stateChannels}`})`
              : `Upscale ×4 with the recurrent VSR net${model ? ` (${model.id}, state width ${model.stateChannels})` : ''}`}
          </div>
          <fieldset disabled={busy} style={{ border: 0, padding: 0, margin: 0 }}>
            <label className="field" title="What the net sees">
              <span>Source</span>
              <select data-testid="upscale-source" value={settings.source} onChange={(e) => setSettings({ source: e.target.value as 'clip' | 'degraded' })}>
                <option value="clip">the clip as it is (real-world)</option>
                <option value="degraded">after the degradation pipeline</option>
              </select>
              <span />
            </label>
            {!isImage && (
              <label className="field">
                <span>Frames</span>
                <span style={{ display: 'flex', gap: 4, alignItems: 'center' }}>
                  <input data-testid="upscale-from" type="number" min={1} max={source.frameCount} value={settings.from + 1} style={{ width: 64 }} onChange={(e) => setSettings({ from: Math.max(0, Number(e.target.value) - 1) })} />
                  to
                  <input data-testid="upscale-to" type="number" min={1} max={source.frameCount} value={settings.to} style={{ width: 64 }} onChange={(e) => setSettings({ to: Number(e.target.value) })} />
                </span>
                <span className="muted">of {source.frameCount}</span>
              </label>
            )}
            <label className="field" title="Upscale only a centred window of the LR frames (a quick look at a large clip)">
              <span>Region (LR)</span>
              <select data-testid="upscale-region" value={settings.region} onChange={(e) => setSettings({ region: e.target.value as Region })}>
                {REGIONS.map((r) => (
                  <option key={r} value={r}>
                    {r === 'whole' ? 'whole frame' : `centre ${r.replace('x', '×')}`}
                  </option>
                ))}
              </select>
              <span />
            </label>
            <OutputSizeField />
            <label className="field">
              <span>Model</span>
              <select
                data-testid="upscale-model"
                value={offered && vsrAuto ? AUTO : vsrModel}
                onChange={(e) => (e.target.value === AUTO ? setVsrAuto(true) : chooseVsrModel(e.target.value))}
                title={offered ? 'auto measures the clip (noise, edge sharpness) and picks the net for it; or name one' : undefined}
              >
                {offered && <option value={AUTO}>{autoLabel(vsrAuto, auto, vsrModel)}</option>}
                {!model && <option value={vsrModel}>{vsrModel}{models.length ? ' (not in the manifest)' : ''}</option>}
                {models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.byo ? `${m.byo.fileName} (your model, ×${m.scale})` : m.id}
                    {m.label ? ` — ${m.label}` : ''}
                    {m.trained ? '' : ' (untrained placeholder)'}
                  </option>
                ))}
              </select>
              <span className="muted field-note" data-testid="upscale-auto-reason">{modelsError ?? (offered && vsrAuto ? (auto.error ?? (auto.pick && !auto.measuring ? auto.pick.reason : '')) : '')}</span>
            </label>
            <label className="field" title="Self-ensemble: the clip also runs mirrored (2, 4) and transposed (8), each pass with its own recurrent state, and the passes are averaged — a little sharper and steadier, that many times the time">
              <span>Passes</span>
              <select data-testid="upscale-ensemble" value={settings.ensemble ?? 1} onChange={(e) => setSettings({ ensemble: Number(e.target.value) as EnsembleSize })}>
                {ENSEMBLE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n === 1 ? '1 (fastest)' : `${n} (self-ensemble, ${n}× the time)`}
                  </option>
                ))}
              </select>
              <span />
            </label>
            <label className="field" title="Frames larger than this (LR pixels) run as overlapping tiles, each with its own recurrent state">
              <span>Tile</span>
              <select data-testid="upscale-tile" value={settings.tile ?? ''} onChange={(e) => setSettings({ tile: e.target.value ? Number(e.target.value) : null })}>
                {TILES.map((t) => (
                  <option key={t ?? 'auto'} value={t ?? ''}>
                    {t === null ? 'auto (device limit)' : `${t} px`}
                  </option>
                ))}
              </select>
              <span />
            </label>
            {!isImage && (
              <label className="field">
                <span>Save as</span>
                <select data-testid="upscale-output" value={settings.output} onChange={(e) => setSettings({ output: e.target.value as OutputChoice })}>
                  {OUTPUT_CHOICES.map((o) => (
                    <option key={o} value={o} disabled={o !== 'none' && !!noExport}>
                      {OUTPUT_LABELS[o]}
                    </option>
                  ))}
                </select>
                <span />
              </label>
            )}
            {!isImage && q && (
              <label className="field" title={q.label}>
                <span>Quality (CRF)</span>
                <input data-testid="upscale-crf" type="range" min={q.min} max={q.max} value={settings.crf} onChange={(e) => setSettings({ crf: Number(e.target.value) })} />
                <span>{settings.crf}</span>
              </label>
            )}
            {!isImage && settings.output === 'mp4' && (
              <label className="field" title="x264 speed: slower presets give smaller files at the same CRF">
                <span>x264 preset</span>
                <select value={settings.preset} onChange={(e) => setSettings({ preset: e.target.value as X264Preset })}>
                  {X264_PRESETS.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
                <span />
              </label>
            )}
          </fieldset>
          {isImage && <div className="hint">Still image: one PNG at the output size.</div>}
          {noExport && !isImage && <div className="hint">{noExport}</div>}
          <div className="panel-actions" style={{ marginTop: 8 }}>
            {!busy && (
              <button type="button" className="primary" data-testid="upscale-start" onClick={() => void startUpscale()}>
                {isImage ? 'Upscale image' : 'Upscale'}
              </button>
            )}
            {!busy && u.prepared?.model === vsrModel && (
              <span className="muted" data-testid="upscale-ready" data-state={u.prepared.state}>
                {u.prepared.state === 'preparing'
                  ? `Getting ${vsrModel} ready…`
                  : u.prepared.state === 'ready'
                    ? `${vsrModel} ready on ${u.prepared.side === 'webgpu' ? 'the GPU (WebGPU)' : 'the CPU (wasm)'} (${((u.prepared.ms ?? 0) / 1000).toFixed(1)} s)`
                    : `${vsrModel} could not be made ready; Upscale will try again`}
              </span>
            )}
            {status === 'running' && (
              <button type="button" data-testid="upscale-pause" onClick={pauseUpscale}>
                Pause
              </button>
            )}
            {status === 'paused' && (
              <button type="button" data-testid="upscale-resume" onClick={resumeUpscale}>
                Resume
              </button>
            )}
            {(status === 'running' || status === 'paused' || status === 'loading') && (
              <button type="button" data-testid="upscale-cancel" onClick={cancelUpscale}>
                Cancel
              </button>
            )}
          </div>
        </div>
        <ByoPanel />
      </div>
      <div className="degrade-frames">
        <LiveView />
        {u.load && (
          <div className="progress">
            <span className="progress-label">Loading {u.load.file}</span>
            <span className="progress-track">
              <span className="progress-fill" style={{ width: `${(100 * u.load.loaded) / Math.max(1, u.load.total)}%` }} />
            </span>
          </div>
        )}
        {(busy || u.done > 0) && (
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={u.total} aria-valuenow={u.done} data-testid="upscale-progress" data-done={u.done} data-total={u.total}>
            <span className="progress-label">
              {status === 'loading' ? 'Starting' : status === 'paused' ? 'Paused' : status === 'finishing' ? 'Writing the file' : 'Upscaled'} {u.done} / {u.total} frames
              {u.fps > 0 && ` · ${u.fps >= 10 ? u.fps.toFixed(1) : u.fps.toFixed(2)} fps`}
              {u.etaS !== null && busy && ` · ${clock(u.etaS)} left`}
            </span>
            <span className="progress-track">
              <span className="progress-fill" style={{ width: `${pct}%` }} />
            </span>
          </div>
        )}
        <div className="row">
          <FrameCanvas frame={u.input} label={`LR input${u.index !== null ? ` · frame ${u.index + 1}` : ''}`} testId="upscale-input" pixelated displayWidth={u.input ? Math.min(320, u.input.width * 2) : undefined} pixelAspect={source?.pixelAspect} emptyHint="The LR frame the net reads appears here during a run" />
          <FrameCanvas frame={u.output} label={u.output ? `VSR · ${u.output.width}×${u.output.height}` : 'VSR'} testId="upscale-canvas" displayWidth={u.output ? Math.min(960, u.output.width) : undefined} pixelAspect={source?.pixelAspect} emptyHint="Press Upscale for the ×4 result of the chosen frames, or Play live (Space) to watch it on the fly" />
        </div>
        {u.metrics && (
          <div className="muted stage-times" data-testid="upscale-metrics">
            Against the original (Y):{' '}
            {u.metrics.last && `frame ${u.metrics.last.index + 1} PSNR ${u.metrics.last.psnr.toFixed(2)} dB, SSIM ${u.metrics.last.ssim.toFixed(4)} · `}
            mean over {u.metrics.frames} frame{u.metrics.frames === 1 ? '' : 's'}: PSNR {u.metrics.meanPsnr.toFixed(2)} dB, SSIM {u.metrics.meanSsim.toFixed(4)}
          </div>
        )}
        {u.message && (
          <div className="muted" data-testid="upscale-status" data-status={status} data-timing={u.timing ? JSON.stringify(u.timing) : undefined}>
            {u.message}
            {u.backend && ` · ${u.backend}, ${u.tiles} tile${u.tiles === 1 ? '' : 's'}${u.kernels ? ` (${u.kernels})` : ''}`}
          </div>
        )}
        {u.result && (
          <div className="panel panel-actions" data-testid="upscale-result">
            <span>
              {u.result.name} · {bytes(u.result.bytes)} · {u.result.frames} frame{u.result.frames === 1 ? '' : 's'}
            </span>
            <button type="button" className="primary" data-testid="upscale-download" onClick={() => downloadFile(u.result!.file, u.result!.name)}>
              Download
            </button>
            {canPickSaveFile() && u.result.format !== 'png' && (
              <button
                type="button"
                data-testid="upscale-save-as"
                onClick={() => {
                  const r = u.result!;
                  saveWithPicker(r.file, r.name, r.format === 'png' ? 'png-zip' : r.format).catch((e) => useApp.getState().setError(`Could not save: ${e instanceof Error ? e.message : String(e)}`));
                }}
              >
                Save to file…
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
