import { useApp, type StageStatus } from '../state/store';
import { describeDeferral, describeMeasuring } from '../gpu/backend-choice';

/** The probe's "measuring …" line or the plan's own line. */
function stageText(p: StageStatus): string {
  return 'measuring' in p ? describeMeasuring(p.stage, p.model) : p.text;
}

/**
 * Which backend runs, always visible: users must know when they are on the slow wasm fallback,
 * and, with a WebGPU adapter, which side each heavy stage was given and why — and whether WebGPU
 * is up at all (the engine leaves it down while every stage it plans runs on the CPU).
 */
export function StatusLine() {
  const backend = useApp((s) => s.backend);
  const plans = useApp((s) => s.stagePlans);
  const engineError = useApp((s) => s.engineError);
  if (engineError) return <span className="status status-error" data-testid="backend-status">Engine error: {engineError}</span>;
  if (!backend) return <span className="status" data-testid="backend-status">Starting engine…</span>;
  if (backend.kind === 'webgpu') {
    const lines = Object.values(plans).map(stageText);
    const down = !backend.started && backend.deferred ? describeDeferral(backend.deferred) : null;
    const title = [`WebGPU · ${backend.adapter}`, ...(down ? [down] : []), ...lines, `max buffer ${(backend.limits.maxBufferSize / 2 ** 20).toFixed(0)} MiB`].join('\n');
    return (
      <span className="status status-gpu" data-testid="backend-status" data-webgpu={backend.started ? 'started' : 'not-started'} title={title}>
        WebGPU · {backend.adapter}
        {backend.isFallbackAdapter ? ' (software fallback adapter — slow)' : ''}
        {down && <span data-testid="webgpu-deferred"> · {down}</span>}
        {lines.length > 0 && (
          <span className="stage-plans" data-testid="stage-plans">
            {lines.map((l) => (
              <span key={l}> · {l}</span>
            ))}
          </span>
        )}
      </span>
    );
  }
  return (
    <span className="status status-wasm" data-testid="backend-status">
      wasm fallback (CPU) — {backend.reason}
    </span>
  );
}
