import { useOffline } from './offline-client';

/**
 * Whether the app works with the network off, in the header: "Saving for offline… 40%", then
 * "Works offline" (the title says what is stored), or why not. Nothing where there is no service
 * worker (the dev server).
 */
export function OfflineStatus() {
  const { state, phase, done, total, version, detail } = useOffline();
  if (state === 'off') return null;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
  const text =
    state === 'ready'
      ? 'Works offline'
      : state === 'failed'
        ? 'Offline copy incomplete'
        : `Saving ${phase === 'models' ? 'models' : 'the app'} for offline… ${pct}%`;
  const title = [detail, version && `version ${version}`].filter(Boolean).join('\n') || undefined;
  return (
    <span className={`muted${state === 'failed' ? ' status-error' : ''}`} data-testid="offline-status" data-state={state} data-version={version ?? ''} title={title}>
      {text}
    </span>
  );
}
