import { useCallback, useEffect, useState } from 'react';
import type { FeatureFlag } from '../../contract/flags';
import { consoleApi } from './api';
import { message, useConsole } from './store';
import { Panel } from './Panel';

/** The flags the station honours (main/core delivers them with sync; the renderer reads them from its status). */
const KNOWN: { key: string; label: string }[] = [
  { key: 'dictation.enabled', label: 'Dictation in the note composer' },
  { key: 'updates.notice', label: 'The "update ready" line on stations' },
];

/** Feature flags of the branch: on or off, reaching online stations within seconds. */
export function Flags() {
  const token = useConsole((s) => s.session?.token);
  const [flags, setFlags] = useState<FeatureFlag[] | null>(null);
  // Kept apart: reading the flags back after a change must not wipe the change's refusal.
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const load = useCallback(async () => {
    if (!token) return;
    try {
      setFlags((await consoleApi.flags(token)).flags);
      setLoadError(null);
    } catch (e) {
      setLoadError(message(e));
    }
  }, [token]);
  useEffect(() => void load(), [load]);
  if (!token) return null;
  const rows = [...KNOWN.map((k) => k.key), ...(flags ?? []).map((f) => f.key).filter((k) => !KNOWN.some((x) => x.key === k))];
  const toggle = async (key: string, enabled: boolean) => {
    setSaving(key);
    // Shown at once; the list is read back from the server after the change (or the error).
    setFlags((prev) => {
      const rest = (prev ?? []).filter((f) => f.key !== key);
      const was = prev?.find((f) => f.key === key);
      return [...rest, { key, enabled, value: was?.value ?? null, updatedAt: new Date().toISOString(), updatedBy: 'you' }].sort((a, b) => a.key.localeCompare(b.key));
    });
    try {
      await consoleApi.setFlag(token, key, enabled);
      setActionError(null);
      await load();
    } catch (e) {
      setActionError(message(e));
      await load();
    } finally {
      setSaving(null);
    }
  };
  return (
    <Panel id="flags" title="Feature flags" error={actionError ?? loadError}>
      <p className="muted">A change reaches the branch's online stations within seconds; offline stations get it when they sync.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Flag</th>
            <th scope="col">What it controls</th>
            <th scope="col">State</th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((key) => {
            const f = flags?.find((x) => x.key === key);
            const on = f ? f.enabled : true; // a flag never set leaves the feature on
            const label = KNOWN.find((k) => k.key === key)?.label ?? '';
            return (
              <tr key={key} data-testid="flag-row">
                <td>
                  <code>{key}</code>
                </td>
                <td>{label}</td>
                <td>
                  <input type="checkbox" aria-label={key} checked={on} disabled={saving === key || flags === null} onChange={(e) => void toggle(key, e.target.checked)} /> {on ? 'On' : 'Off'}
                </td>
                <td>{f ? `${new Date(f.updatedAt).toLocaleString()} by ${f.updatedBy}` : 'never set'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Panel>
  );
}
