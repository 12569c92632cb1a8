import { useEffect, useState } from 'react';
import type { VariantId } from '../variants';
import type { RgbaFrame } from '../../core/frame';
import { meanOf, measureFrame, pickReference, useMetricLog, type MetricMean, type MetricResult } from './metrics-client';

export function fmtDb(v: number | undefined): string {
  return v === undefined ? '–' : v === Infinity ? '∞ dB' : `${v.toFixed(2)} dB`;
}

function describe(r: MetricResult): string {
  if (r.kind === 'full-reference') return `PSNR ${fmtDb(r.psnr)} · SSIM ${r.ssim.toFixed(4)} (Y, vs original)`;
  if (r.kind === 'no-reference') return `NIQE ${Number.isFinite(r.niqe) ? r.niqe.toFixed(3) : 'n/a'} (no reference; lower is better)`;
  return `no metric: ${r.reason}`;
}

function describeMean(m: MetricMean): string {
  const n = `mean of ${m.frames} frame${m.frames === 1 ? '' : 's'}`;
  if (m.kind === 'full-reference') return `${n}: ${fmtDb(m.psnr)} · ${m.ssim!.toFixed(4)}`;
  return `${n}: NIQE ${Number.isFinite(m.niqe!) ? m.niqe!.toFixed(3) : 'n/a'}`;
}

/**
 * The numbers under an image: PSNR/SSIM on Y against the original when there
 * is one of the same size, NIQE otherwise; this frame's values and the mean
 * over the frames measured so far in this context (source + parameters).
 */
export function MetricsLine({ id, frame, reference, frameIndex, context, testId }: { id: VariantId; frame: RgbaFrame | null; reference: RgbaFrame | null; frameIndex: number; context: string; testId?: string }) {
  const [result, setResult] = useState<MetricResult | null>(null);
  const log = useMetricLog((s) => (s.context === context ? s.byVariant[id] : undefined));
  const record = useMetricLog((s) => s.record);
  useEffect(() => {
    setResult(null);
    if (!frame) return;
    // Wait for the original unless this image is the original itself (then it has no reference: NIQE).
    if (id !== 'original' && !reference) return;
    let stale = false;
    measureFrame(frame, id === 'original' ? null : reference).then(
      (r) => {
        if (stale) return;
        setResult(r);
        record(context, id, frameIndex, r);
      },
      // Metrics are a side line: a frame the metrics worker cannot measure shows no numbers.
      (e: unknown) => {
        if (!stale) console.warn('metrics:', e);
      },
    );
    return () => {
      stale = true;
    };
  }, [frame, reference, id, frameIndex, context, record]);
  const kind = frame && pickReference(frame, id === 'original' ? null : reference) ? 'full-reference' : 'no-reference';
  const mean = meanOf(log, kind);
  return (
    <div className="metrics" data-testid={testId} data-kind={result?.kind ?? 'pending'}>
      <span>{result ? describe(result) : frame ? 'measuring…' : ''}</span>
      {mean && mean.frames > 1 && <span className="muted"> · {describeMean(mean)}</span>}
    </div>
  );
}
