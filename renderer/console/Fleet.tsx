import { useEffect } from 'react';
import type { StationSummary } from '../../contract/console';
import { useConsole } from './store';

const ONLINE_WITHIN_MS = 2 * 60 * 1000;

function lastContact(s: StationSummary, now: number): string {
  if (!s.lastSeenAt) return 'never';
  const ago = Math.max(0, Math.round((now - Date.parse(s.lastSeenAt)) / 1000));
  if (ago < 60) return `${ago} s ago`;
  if (ago < 3600) return `${Math.round(ago / 60)} min ago`;
  if (ago < 86400) return `${Math.round(ago / 3600)} h ago`;
  return new Date(s.lastSeenAt).toLocaleString();
}

function state(s: StationSummary, now: number): 'revoked' | 'online' | 'offline' {
  if (s.revoked) return 'revoked';
  return s.lastSeenAt && now - Date.parse(s.lastSeenAt) < ONLINE_WITHIN_MS ? 'online' : 'offline';
}

/** The fleet of the branch: every station, its ward, version and last contact. */
export function Fleet() {
  const { session, stations, loadedAt, error, refresh } = useConsole();
  useEffect(() => {
    const timer = setInterval(() => void refresh(), 15_000);
    return () => clearInterval(timer);
  }, [refresh]);
  if (!session) return null;
  const now = loadedAt?.getTime() ?? 0;
  const versions = new Map<string, number>();
  for (const s of stations) versions.set(s.appVersion ?? 'unknown', (versions.get(s.appVersion ?? 'unknown') ?? 0) + 1);
  return (
    <section aria-labelledby="fleet-title">
      <div className="section-head">
        <h2 id="fleet-title">Stations ({stations.length})</h2>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p className="versions" aria-label="Versions in the fleet">
        {[...versions.entries()].map(([v, n]) => (
          <span key={v} className="chip">
            {v}: {n}
          </span>
        ))}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Station</th>
            <th scope="col">Ward</th>
            <th scope="col">Version</th>
            <th scope="col">Last contact</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {stations.length === 0 && (
            <tr>
              <td colSpan={5}>No station is enrolled in this branch yet (npm run admin -- station enrol).</td>
            </tr>
          )}
          {stations.map((s) => (
            <tr key={s.id} data-testid="station-row">
              <th scope="row">{s.name}</th>
              <td>{s.ward.name}</td>
              <td>{s.appVersion ?? '—'}</td>
              <td>{lastContact(s, now)}</td>
              <td>
                <span className={`state state-${state(s, now)}`}>{state(s, now)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
