/**
 * Live mode in the Upscale tab: Start/Stop (Space toggles, Esc stops), the upscaled frame as the
 * clip plays, and a status line over it — achieved fps against the clip's, the share of frames
 * dropped, the side the engine runs on, the frame. Playback follows the tab's Region, Model and
 * Tile (a change restarts it); the player itself lives in live-run.ts.
 */
import { useEffect } from 'react';
import { useApp } from '../../../state/store';
import { useView } from '../../../state/view-state';
import { useModels } from '../../../state/models-store';
import { FrameCanvas } from '../../FrameCanvas';
import { isBusy, useUpscale } from '../upscale-run';
import { isLiveActive, liveUnavailable, startLive, stopLive, toggleLive, useLive, watchLiveSettings } from './live-run';
import type { LiveStats } from './live-player';
import { lighterModel } from './lighter-model';

/** Share of dropped frames above which the view suggests a smaller region or a lighter model. */
const BEHIND = 0.5;

const pct = (x: number) => `${Math.round(100 * x)}%`;
const rate = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The line under the picture: everything the overlay has no room for. */
function statusText(s: LiveStats | null, side: string | null, engineMs: number | null, fetchMs: number | null): string {
  if (!s) return 'Starting…';
  return (
    `${rate(s.fps)} fps of ${rate(s.clipFps)} · ${pct(s.droppedShare)} dropped (${s.dropped} of ${s.shown + s.dropped}) · ${side ?? '?'} · ` +
    `frame ${s.index + 1}${s.reset ? ' (new sequence)' : ''} · ${s.shown} shown, ${s.resets} state reset${s.resets === 1 ? '' : 's'} · ` +
    `step ${Math.round(s.stepMs)} ms${engineMs !== null ? ` (engine ${Math.round(engineMs)} ms${fetchMs !== null ? `, of it ${Math.round(fetchMs)} ms waiting for frames` : ''})` : ''}`
  );
}

export function LiveView() {
  const source = useApp((s) => s.source);
  const live = useLive();
  const upscaleBusy = isBusy(useUpscale((s) => s.status));
  const region = useUpscale((s) => s.settings.region);
  const vsrModel = useView((s) => s.vsrModel);
  const models = useModels((s) => s.vsr);
  const active = isLiveActive(live.status);

  useEffect(() => watchLiveSettings(), []);
  // Leaving the tab stops playback (and frees the engine session).
  useEffect(() => () => void stopLive(), []);
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      if (e.key === ' ') {
        // Another focused button takes its Space as a click; nothing to play leaves the page's Space alone.
        if (t?.tagName === 'BUTTON' && t.dataset.testid !== 'live-toggle') return;
        if (!isLiveActive() && liveUnavailable()) return;
        // (Also keeps the focused live button from taking the same Space as a click.)
        e.preventDefault();
        toggleLive();
      } else if (e.key === 'Escape' && isLiveActive()) {
        e.preventDefault();
        void stopLive();
      }
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);

  if (!source || source.isImage) return null;
  const why = active ? null : liveUnavailable();
  const { stats, info, frame } = live;
  const side = info ? (info.backend === 'webgpu' ? 'WebGPU' : 'CPU (wasm)') : null;
  const lighter = lighterModel(models, vsrModel);
  const behind = live.status === 'playing' && stats && stats.shown >= 3 && stats.droppedShare > BEHIND;

  return (
    <div className="panel" data-testid="live-panel" style={{ marginBottom: 8 }}>
      <div className="panel-actions">
        <button
          type="button"
          className={active ? undefined : 'primary'}
          data-testid="live-toggle"
          disabled={!active && (!!why || upscaleBusy)}
          title={why ?? (active ? 'Stop (Space or Esc)' : 'Play the clip upscaled on the fly (Space)')}
          onClick={() => (active ? void stopLive() : void startLive())}
          style={{ whiteSpace: 'nowrap' }}
        >
          {live.status === 'stopping' ? 'Stopping…' : active ? 'Stop live' : 'Play live'}
        </button>
        <label className="muted" style={{ whiteSpace: 'nowrap' }} title="After the clip's last frame, go on from its first (a new sequence)">
          <input type="checkbox" data-testid="live-loop" checked={live.loop} disabled={active} onChange={(e) => live.setLoop(e.target.checked)} /> Loop
        </label>
        <span className="muted">
          Live: plays the clip ×{info && live.region ? Math.round(info.width / live.region.w) : 4} on the fly with this tab’s region, model and
          tile; when the engine cannot keep up it drops frames.
        </span>
      </div>
      {live.load && (
        <div className="progress">
          <span className="progress-label">Loading {live.load.file}</span>
          <span className="progress-track">
            <span className="progress-fill" style={{ width: `${(100 * live.load.loaded) / Math.max(1, live.load.total)}%` }} />
          </span>
        </div>
      )}
      {(active || frame) && (
        <div style={{ marginTop: 8 }}>
          <div style={{ position: 'relative', display: 'inline-block', maxWidth: '100%' }}>
            <FrameCanvas frame={frame} testId="live-canvas" displayWidth={frame ? Math.min(960, Math.max(256, frame.width)) : 256} pixelAspect={source?.pixelAspect} />
            <div data-testid="live-overlay" style={{ position: 'absolute', left: 6, top: 6, padding: '1px 6px', background: 'rgba(0,0,0,0.6)', color: '#fff', font: '12px/1.4 system-ui, sans-serif', borderRadius: 3, pointerEvents: 'none', whiteSpace: 'nowrap', maxWidth: 'calc(100% - 24px)', overflow: 'hidden', textOverflow: 'ellipsis' }}>
              {live.status === 'starting' ? 'Starting…' : stats ? `${rate(stats.fps)} fps · ${pct(stats.droppedShare)} dropped · ${side ?? ''}` : side ?? ''}
              {live.status === 'idle' || live.status === 'error' ? ' · stopped' : ''}
            </div>
          </div>
          <div
            className="muted stage-times"
            data-testid="live-status"
            data-status={live.status}
            data-shown={stats?.shown ?? 0}
            data-dropped={stats?.dropped ?? 0}
            data-fps={stats ? stats.fps.toFixed(3) : '0'}
            data-dropped-share={stats ? stats.droppedShare.toFixed(4) : '0'}
            data-resets={stats?.resets ?? 0}
            data-step-ms={stats ? stats.stepMs.toFixed(1) : ''}
            data-engine-ms={live.engineMs?.toFixed(1) ?? ''}
            data-fetch-ms={live.fetchMs?.toFixed(1) ?? ''}
            data-side={info?.backend ?? ''}
          >
            {live.status === 'stopping' ? 'Stopping… · ' : active ? 'Live · ' : 'Stopped · '}
            {live.status === 'starting' ? `Starting${side ? ` on ${side}` : ''} (loading the net)…` : statusText(stats, side, live.engineMs, live.fetchMs)}
            {info && live.region && ` · ${live.region.w}×${live.region.h} of ${live.region.of.w}×${live.region.of.h} → ${info.width}×${info.height}${info.tiles > 1 ? ` in ${info.tiles} tiles` : ''}${info.recurrent ? '' : ' (one frame at a time)'}`}
            {info && !info.trained && ' · untrained placeholder weights'}
          </div>
        </div>
      )}
      {behind && (
        <div className="hint" data-testid="live-behind">
          The engine is behind the clip ({pct(stats.droppedShare)} of its frames dropped): {region === 'whole' ? 'a centred region (Region: 128×128)' : 'a smaller region'}
          {lighter ? ` or the lighter model ${lighter.id} (${(lighter.params! / 1e6).toFixed(2)} M parameters)` : ''} lets it keep up.
        </div>
      )}
      {live.message && (
        <div className="muted" data-testid="live-message" data-status={live.status}>
          {live.message}
        </div>
      )}
    </div>
  );
}
