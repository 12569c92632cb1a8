import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { COMPARE_MODES, useView, type CompareMode } from '../../state/view-state';
import { useModels } from '../../state/models-store';
import { renderVariant, variantChoices, variantLabel, type VariantId } from '../variants';
import { CompareStage } from './CompareStage';
import { ZoomWindows } from './ZoomWindows';
import { MetricsLine } from './MetricsLine';
import { maybeInstallTestVariants } from './test-variants';
import { useAvailableVariants, useVariantFrame } from './frames';
import { measureFrame, useMetricLog } from './metrics-client';
import './compare.css';

maybeInstallTestVariants();

const MODE_LABELS: Record<CompareMode, string> = { split: 'Split', side: 'Side by side', windows: 'Zoom windows' };

/** Source + parameters: the metric log's context (numbers from another context are not averaged in). */
export function useMetricContext(): string {
  const source = useApp((s) => s.source);
  const params = usePipeline((s) => s.params);
  return source ? `${source.kind}:${source.name}:${source.frameCount}:${JSON.stringify(params)}` : '';
}

/** A variant picker: the fixed variants and one per VSR model the engine's manifest lists. */
export function VariantSelect({ value, onChange, available, testId, label }: { value: VariantId; onChange: (v: VariantId) => void; available: VariantId[]; testId: string; label: string }) {
  const vsrModels = useModels((s) => s.vsr);
  const choices = variantChoices(vsrModels.map((m) => m.id));
  if (!choices.includes(value)) choices.push(value);
  return (
    <label className="variant-select">
      <span>{label}</span>
      <select value={value} data-testid={testId} onChange={(e) => onChange(e.target.value as VariantId)}>
        {choices.map((id) => (
          <option key={id} value={id} disabled={!available.includes(id) && id !== value}>
            {variantLabel(id)}
            {available.includes(id) ? '' : ' (not available yet)'}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Compare any two variants of the current frame: split line (Squoosh-style),
 * side by side, or the paper's zoom windows; one shared pan/zoom; metrics under each image.
 */
export function CompareView() {
  const compare = useView((s) => s.compare);
  const setCompare = useView((s) => s.setCompare);
  const frameIndex = useApp((s) => s.frameIndex);
  const source = useApp((s) => s.source);
  const available = useAvailableVariants();
  const a = useVariantFrame(compare.a, frameIndex);
  const b = useVariantFrame(compare.b, frameIndex);
  const original = useVariantFrame('original', frameIndex);
  const context = useMetricContext();
  const labelA = variantLabel(compare.a);
  const labelB = variantLabel(compare.b);

  return (
    <section className="compare" data-testid="compare-view">
      <div className="compare-bar">
        <VariantSelect label="A" value={compare.a} onChange={(v) => setCompare({ a: v })} available={available} testId="compare-a" />
        <button type="button" title="Swap A and B" onClick={() => setCompare({ a: compare.b, b: compare.a })} data-testid="compare-swap">
          ⇄
        </button>
        <VariantSelect label="B" value={compare.b} onChange={(v) => setCompare({ b: v })} available={available} testId="compare-b" />
        <span className="seg" role="group" aria-label="Layout">
          {COMPARE_MODES.map((m) => (
            <button key={m} type="button" aria-pressed={compare.mode === m} data-testid={`mode-${m}`} onClick={() => setCompare({ mode: m })}>
              {MODE_LABELS[m]}
            </button>
          ))}
        </span>
        <MeasureAll ids={[compare.a, compare.b]} frameCount={source?.frameCount ?? 0} context={context} />
      </div>
      {compare.mode === 'windows' ? (
        <ZoomWindows
          main={a}
          a={a}
          b={b}
          labelA={`A · ${labelA}`}
          labelB={`B · ${labelB}`}
          region={compare.region}
          onRegion={(region) => setCompare({ region })}
          caption={<span className="muted">Whole frame (A). Move the pointer to choose the region; the wheel changes its size.</span>}
        />
      ) : (
        <CompareStage a={a} b={b} labelA={labelA} labelB={labelB} mode={compare.mode} />
      )}
      <div className="compare-metrics">
        <div>
          <strong>A</strong> {labelA}
          {a.frame ? ` · ${a.frame.width}×${a.frame.height}` : ''}
          <MetricsLine id={compare.a} frame={a.frame} reference={original.frame} frameIndex={frameIndex} context={context} testId="metrics-a" />
        </div>
        <div>
          <strong>B</strong> {labelB}
          {b.frame ? ` · ${b.frame.width}×${b.frame.height}` : ''}
          <MetricsLine id={compare.b} frame={b.frame} reference={original.frame} frameIndex={frameIndex} context={context} testId="metrics-b" />
        </div>
      </div>
      <p className="hint">
        Drag to pan · wheel or pinch to zoom about the pointer · with the image focused <kbd>+</kbd> <kbd>−</kbd> <kbd>0</kbd> (fit) <kbd>1</kbd> (100 %) · drag the split line or focus it and use <kbd>←</kbd>{' '}
        <kbd>→</kbd>. At 100 % and above pixels are drawn as blocks (nearest neighbour); a smaller image (the LR) is stretched to the larger one.
      </p>
    </section>
  );
}

/** Measures A and B on every frame of the clip (so the means cover the whole clip), with progress and a stop button. */
function MeasureAll({ ids, frameCount, context }: { ids: VariantId[]; frameCount: number; context: string }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  const run = async () => {
    const ac = new AbortController();
    abort.current = ac;
    const record = useMetricLog.getState().record;
    const uniq = [...new Set(ids)];
    const total = frameCount * uniq.length;
    setProgress({ done: 0, total });
    try {
      for (let i = 0, done = 0; i < frameCount && !ac.signal.aborted; i++) {
        const ref = await renderVariant('original', i, ac.signal);
        for (const id of uniq) {
          if (ac.signal.aborted) break;
          const f = await renderVariant(id, i, ac.signal);
          record(context, id, i, await measureFrame(f, id === 'original' ? null : ref));
          setProgress({ done: ++done, total });
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) useApp.getState().notify(`Measuring stopped: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setProgress(null);
      abort.current = null;
    }
  };
  if (progress) {
    return (
      <button type="button" onClick={() => abort.current?.abort()} data-testid="measure-all">
        Measuring {progress.done} / {progress.total} — stop
      </button>
    );
  }
  return (
    <button type="button" onClick={() => void run()} disabled={frameCount === 0} title="PSNR/SSIM or NIQE of A and B on every frame, for the means" data-testid="measure-all">
      Measure all frames
    </button>
  );
}
