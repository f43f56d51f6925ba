import { useEffect, useState } from 'react';
import type { StationSummary } from '../../contract/console';
import { consoleApi } from './api';
import { ConfirmButton } from './Confirm';
import { refusal, useConsole } from './store';
import { Panel } from './Panel';

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
  const [note, setNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(() => void refresh(), 15_000);
    return () => clearInterval(timer);
  }, [refresh]);
  if (!session) return null;
  const revoke = async (s: StationSummary) => {
    try {
      const r = await consoleApi.revokeStation(session.token, s.id);
      setNote(`Station ${s.name} revoked; ${r.sessionsEnded} session(s) ended.`);
      setActionError(null);
    } catch (e) {
      setNote(null);
      setActionError(refusal(e));
    }
    await refresh();
  };
  const now = loadedAt?.getTime() ?? 0;
  const versions = new Map<string, number>();
  for (const s of stations) versions.set(s.appVersion ?? 'unknown', (versions.get(s.appVersion ?? 'unknown') ?? 0) + 1);
  return (
    <Panel id="fleet" title={`Stations (${stations.length})`} onRefresh={() => void refresh()} error={error ?? actionError} note={note} noteTestId="fleet-note">
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
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {stations.length === 0 && (
            <tr>
              <td colSpan={6}>No station is enrolled in this branch yet (npm run admin -- station enrol).</td>
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
              <td>
                {!s.revoked && (
                  <ConfirmButton
                    label={`Revoke ${s.name}`}
                    question={`Revoke ${s.name}? Its credential stops working and every session signed in there ends within seconds.`}
                    confirmLabel="Revoke station"
                    onConfirm={() => revoke(s)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
