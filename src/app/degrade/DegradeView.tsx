/**
 * Degrade tab: the pipeline's sliders beside the HR frame and the LR frame it
 * makes, updated live. Shows per-stage times (and which stages were kept from
 * the previous run), the backend that ran, the codec's encoded size, and how
 * long the preview took from the change to the screen.
 */
import { useEffect, useState } from 'react';
import { usePipeline } from '../../state/params-store';
import { useApp } from '../../state/store';
import { FrameCanvas } from '../FrameCanvas';
import { useCurrentFrame } from '../frame-source';
import { PipelinePanels } from './PipelinePanels';
import { degradeFrame, nextPreviewTicket, supersedeRunningPreviews, type LrResult } from './degrade-client';
import { useLatest } from './useLatest';
import { ProgressBar } from '../ProgressBar';
import type { DegradeProgress } from '../../engine/degrade-api';
import { FRAME_STAGES, STAGES, type StageTimes } from '../../pipeline/stages';

/** Per-frame times in the pipeline's order, then the clip's (the codec round trip of the window). */
const STAGE_LABELS: [keyof StageTimes, string, 'frame' | 'clip'][] = [
  ...FRAME_STAGES.map((s): [keyof StageTimes, string, 'frame'] => [s.name, s.label, 'frame']),
  ['quantize', 'uint8', 'frame'],
  ...STAGES.filter((s) => s.kind === 'clip').map((s): [keyof StageTimes, string, 'clip'] => [s.name, s.label, 'clip']),
];

export function DegradeView() {
  const params = usePipeline((s) => s.params);
  const source = useApp((s) => s.source);
  const index = useApp((s) => s.frameIndex);
  const hr = useCurrentFrame();
  const [progress, setProgress] = useState<DegradeProgress | null>(null);
  const input = source && hr ? { index, params, sourceName: source.name } : null;
  const { output, busy, error, changedAt } = useLatest<typeof input & object, LrResult>(
    input,
    async (i) => {
      try {
        return await degradeFrame(i.index, i.params, (p) => setProgress(p.file ? p : null), nextPreviewTicket());
      } finally {
        setProgress(null);
      }
    },
    [index, params, source, hr],
    // The sliders moved on while a preview runs: stop it at its next stage (latest wins).
    () => void supersedeRunningPreviews(),
  );
  const lr = output?.frame ?? null;
  // Change → LR frame on screen, read after the frame that shows it.
  const [shownMs, setShownMs] = useState<number | null>(null);
  useEffect(() => {
    if (!output) return;
    const id = requestAnimationFrame(() => setShownMs(performance.now() - changedAt));
    return () => cancelAnimationFrame(id);
  }, [output, changedAt]);
  return (
    <div className="degrade-view">
      <PipelinePanels />
      <div className="degrade-frames">
        {progress?.file && <ProgressBar progress={{ label: `Loading ${progress.file}`, done: Math.round((progress.loaded ?? 0) / 1024), total: Math.round((progress.bytes ?? 0) / 1024), unit: 'KiB' }} />}
        <div className="row">
          <FrameCanvas frame={hr} label="HR (source)" testId="frame-canvas" pixelAspect={source?.pixelAspect} />
          <FrameCanvas frame={lr} label={`LR${busy ? ' · updating…' : ''}`} testId="lr-canvas" pixelated displayWidth={hr?.width} pixelAspect={source?.pixelAspect} />
        </div>
        {error && (
          <div className="banner banner-error" role="alert" data-testid="degrade-error">
            {error}
          </div>
        )}
        {output && (
          <div className="muted stage-times" data-testid="stage-times">
            {output.backend === 'webgpu' ? 'GPU' : 'CPU (wasm)'}: {stageSummary(output)}
            {output.encodedBytes !== undefined && (
              <span data-testid="encoded-size" data-bytes={output.encodedBytes}>
                {' '}
                · encoded {output.encodedBytes < 10240 ? `${output.encodedBytes} B` : `${(output.encodedBytes / 1024).toFixed(1)} KiB`} for {output.windowFrames} frames ({((output.encodedBytes * 8) / output.windowFrames / 1000).toFixed(1)} kbit/frame)
              </span>
            )}
          </div>
        )}
        {output && (
          <div className="muted stage-times" data-testid="preview-latency">
            engine {output.engineMs.toFixed(0)} ms · messaging {Math.max(0, output.callMs - output.engineMs).toFixed(0)} ms
            {shownMs !== null && ` · on screen ${shownMs.toFixed(0)} ms after the change`}
          </div>
        )}
      </div>
    </div>
  );
}

const ms = (v: number) => v.toFixed(1);

/**
 * "blur 41.2 ms · noise kept · … · VQD 180.3 ms (encoder 80.1 · k-NN 12.0 · decoder 88.2) · uint8 0.9 ms · codec 230.5 ms":
 * per frame for the per-frame stages, per window for the codec; "kept" for a stage whose output
 * came from the previous run (a slider after it moved).
 */
function stageSummary(o: LrResult): string {
  const perFrame = (v: number, kind: 'frame' | 'clip') => v / (kind === 'clip' ? 1 : o.windowFrames);
  const kept = (k: keyof StageTimes) => o.reused.includes(k as (typeof o.reused)[number]);
  return STAGE_LABELS.filter(([k]) => o.times[k] !== undefined || kept(k))
    .map(([k, label, kind]) => {
      const t = o.times[k];
      // (The GPU path times a kept stage too — the sync after a cache hit — but ran nothing.)
      if (t === undefined || kept(k)) return `${label} kept`;
      const parts = k === 'vqd' && o.vqdParts ? vqdPartsText(o.vqdParts, o.windowFrames) : '';
      return `${label} ${ms(perFrame(t, kind))} ms${parts}`;
    })
    .join(' · ');
}

function vqdPartsText(p: NonNullable<LrResult['vqdParts']>, frames: number): string {
  const parts: string[] = [];
  if (p.encoder !== undefined) parts.push(`encoder ${ms(p.encoder / frames)}`);
  else parts.push('encoder kept');
  if (p.knn !== undefined) parts.push(`k-NN ${ms(p.knn / frames)}`);
  if (p.decoder !== undefined) parts.push(`decoder ${ms(p.decoder / frames)}`);
  return ` (${parts.join(' · ')})`;
}
