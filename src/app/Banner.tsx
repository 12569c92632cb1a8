import { useApp } from '../state/store';

/** Errors and notices: visible, dismissible, and never a reason for the app to stop working. */
export function Banner() {
  const error = useApp((s) => s.error);
  const notices = useApp((s) => s.notices);
  const setError = useApp((s) => s.setError);
  const dismiss = useApp((s) => s.dismissNotice);
  return (
    <>
      {error && (
        <div className="banner banner-error" role="alert" data-testid="error">
          <span>{error}</span>
          <button type="button" aria-label="Dismiss error" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      {notices.map((n, i) => (
        <div key={i} className="banner banner-notice" role="status" data-testid="notice">
          <span>{n}</span>
          <button type="button" aria-label="Dismiss notice" onClick={() => dismiss(i)}>
            ×
          </button>
        </div>
      ))}
    </>
  );
}
