import { useEffect, useRef } from 'react';
import { useStation } from './store';

const kb = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} kB`);

/** The offline banner and the sync progress: how much is still to send, and what was refused. */
export function SyncBar() {
  const sync = useStation((s) => s.status?.sync);
  const go = useStation((s) => s.go);
  const update = useStation((s) => s.status?.update);
  // The update line is a feature IT can switch off per branch (flag updates.notice).
  const notice = useStation((s) => s.status?.flags?.['updates.notice']?.enabled !== false);
  const peak = useRef(0);
  const pending = sync?.pendingItems ?? 0;
  useEffect(() => {
    if (pending === 0) peak.current = 0;
  }, [pending]);
  if (!sync) return null;
  peak.current = Math.max(peak.current, pending);
  const offline = sync.state !== 'online';
  return (
    <div className="syncbar" role="status" aria-live="polite">
      {offline && (
        <p className="offline" data-testid="offline-banner">
          {sync.state === 'offline' ? 'Offline' : 'Connection unstable'}: your work is saved on this station and will sync when the server is back.
        </p>
      )}
      {notice && update?.state === 'ready' && update.downloadedVersion && (
        // Calm, never a dialog: the install waits for the station to be locked or idle.
        <p className="update-ready" data-testid="update-ready">
          Update ready: installs when this station is locked.
        </p>
      )}
      <div className="progress">
        <span data-testid="sync-pending">{pending === 0 ? (offline ? 'Nothing waiting to be sent' : 'Everything is synced') : `${pending} change${pending > 1 ? 's' : ''} waiting (${kb(sync.pendingBytes)})`}</span>
        <progress aria-label="Sync progress" max={Math.max(1, peak.current)} value={Math.max(1, peak.current) - pending} />
        {sync.rejectedItems > 0 && (
          <button type="button" className="link" onClick={() => go({ name: 'outbox' })}>
            {sync.rejectedItems} refused by the server
          </button>
        )}
      </div>
    </div>
  );
}
