import type { Progress } from '../state/store';

export function ProgressBar({ progress, onCancel }: { progress: Progress; onCancel?: () => void }) {
  const pct = progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} data-testid="progress">
      <span className="progress-label">
        {progress.label} {progress.total > 0 ? `${progress.done} / ${progress.total}${progress.unit ? ` ${progress.unit}` : ''}` : ''}
      </span>
      <span className="progress-track">
        <span className="progress-fill" style={{ width: `${pct}%` }} />
      </span>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
