import { useOffline } from './offline-client';

/** A new build is installed and waiting: one click moves this page (and the others) onto it. */
export function UpdateBanner() {
  const updateReady = useOffline((s) => s.updateReady);
  const reload = useOffline((s) => s.reloadToUpdate);
  if (!updateReady) return null;
  return (
    <div className="banner banner-notice" role="status" data-testid="update-banner">
      <span>A new version is ready —</span>
      <button type="button" data-testid="update-reload" style={{ fontSize: 'inherit', border: '1px solid currentColor' }} onClick={reload}>
        Reload
      </button>
    </div>
  );
}
