/**
 * Degrade tab: the pipeline's sliders beside the HR frame and the LR frame it
 * makes, updated live. Shows per-stage times, the backend that ran, and the
 * codec's encoded size.
 */
import { useState } from 'react';
import { usePipeline } from '../../state/params-store';
import { useApp } from '../../state/store';
import { FrameCanvas } from '../FrameCanvas';
import { useCurrentFrame } from '../frame-source';
import { PipelinePanels } from './PipelinePanels';
import { degradeFrame, type LrResult } from './degrade-client';
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
  const { output, busy, error } = useLatest<typeof input & object, LrResult>(
    input,
    async (i) => {
      try {
        return await degradeFrame(i.index, i.params, (p) => setProgress(p.file ? p : null));
      } finally {
        setProgress(null);
      }
    },
    [index, params, source, hr],
  );
  const lr = output?.frame ?? null;
  return (
    <div className="degrade-view">
      <PipelinePanels />
      <div className="degrade-frames">
        {progress?.file && <ProgressBar progress={{ label: `Loading ${progress.file}`, done: Math.round((progress.loaded ?? 0) / 1024), total: Math.round((progress.bytes ?? 0) / 1024) }} />}
        <div className="row">
          <FrameCanvas frame={hr} label="HR (source)" testId="frame-canvas" />
          <FrameCanvas frame={lr} label={`LR${busy ? ' · updating…' : ''}`} testId="lr-canvas" pixelated displayWidth={hr?.width} />
        </div>
        {error && (
          <div className="banner banner-error" role="alert" data-testid="degrade-error">
            {error}
          </div>
        )}
        {output && (
          <div className="muted stage-times" data-testid="stage-times">
            {output.backend === 'webgpu' ? 'GPU' : 'CPU (wasm)'}:{' '}
            {STAGE_LABELS.filter(([k]) => output.times[k] !== undefined)
              .map(([k, label, kind]) => `${label} ${(output.times[k]! / (kind === 'clip' ? 1 : output.windowFrames)).toFixed(1)} ms`)
              .join(' · ')}
            {output.encodedBytes !== undefined && (
              <span data-testid="encoded-size" data-bytes={output.encodedBytes}>
                {' '}
                · encoded {output.encodedBytes < 10240 ? `${output.encodedBytes} B` : `${(output.encodedBytes / 1024).toFixed(1)} KiB`} for {output.windowFrames} frames ({((output.encodedBytes * 8) / output.windowFrames / 1000).toFixed(1)} kbit/frame)
              </span>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
