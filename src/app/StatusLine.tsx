import { useApp } from '../state/store';

/** Which backend runs, always visible: users must know when they are on the slow wasm fallback. */
export function StatusLine() {
  const backend = useApp((s) => s.backend);
  const engineError = useApp((s) => s.engineError);
  if (engineError) return <span className="status status-error" data-testid="backend-status">Engine error: {engineError}</span>;
  if (!backend) return <span className="status" data-testid="backend-status">Starting engine…</span>;
  if (backend.kind === 'webgpu') {
    return (
      <span className="status status-gpu" data-testid="backend-status" title={`max buffer ${(backend.limits.maxBufferSize / 2 ** 20).toFixed(0)} MiB`}>
        WebGPU · {backend.adapter}
        {backend.isFallbackAdapter ? ' (software fallback adapter — slow)' : ''}
      </span>
    );
  }
  return (
    <span className="status status-wasm" data-testid="backend-status">
      wasm fallback (CPU) — {backend.reason}
    </span>
  );
}
