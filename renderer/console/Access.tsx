import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiClientSummary, UserSummary } from '../../contract/console';
import { consoleApi } from './api';
import { ConfirmButton } from './Confirm';
import { refusal, useConsole } from './store';
import { Panel } from './Panel';

function PasswordForm({ user, onDone }: { user: UserSummary; onDone: (note: string) => void }) {
  const token = useConsole((s) => s.session?.token);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token) return;
    if (password !== again) return setError('The two passwords differ.');
    setBusy(true);
    try {
      const r = await consoleApi.setPassword(token, user.username, password);
      onDone(`Password of ${user.username} changed; ${r.sessionsEnded} session(s) ended.`);
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="inline-form" aria-label={`Set the password of ${user.username}`} onSubmit={(e) => void submit(e)}>
      <label>
        New password for {user.username}
        <input type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <label>
        The same again
        <input type="password" autoComplete="new-password" minLength={10} required value={again} onChange={(e) => setAgain(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Set password
      </button>
      <button type="button" className="secondary" onClick={() => onDone('')}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * The admin CLI's access commands for this branch: disable a user or set a new password (every
 * session of the user ends, on every station), revoke an API client. Each is audited by the
 * server; a user who also works in a branch this administrator does not administer is refused.
 */
export function Access() {
  const session = useConsole((s) => s.session);
  const token = session?.token;
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [clients, setClients] = useState<ApiClientSummary[] | null>(null);
  // Kept apart: reading the lists back after a command must not wipe the command's refusal.
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const load = useCallback(async () => {
    if (!token) return;
    try {
      const [u, c] = await Promise.all([consoleApi.users(token), consoleApi.apiClients(token)]);
      setUsers(u.users);
      setClients(c.clients);
      setLoadError(null);
    } catch (e) {
      setLoadError(refusal(e));
    }
  }, [token]);
  useEffect(() => void load(), [load]);
  if (!token || !session) return null;
  const act = async (work: () => Promise<string>) => {
    try {
      setNote(await work());
      setActionError(null);
    } catch (e) {
      setNote(null);
      setActionError(refusal(e));
    }
    await load();
  };
  return (
    <Panel id="access" title="Users and API clients" error={actionError ?? loadError} note={note} noteTestId="access-note">
      <h3>Users with a role in {session.branch.name}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Roles here</th>
            <th scope="col">Branches</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(users ?? []).map((u) => (
            <tr key={u.username} data-testid="user-row">
              <th scope="row">
                {u.displayName} <span className="muted">({u.username})</span>
              </th>
              <td>{u.roles.join(', ')}</td>
              <td>{u.branches.join(', ')}</td>
              <td>
                {u.disabled ? <span className="state state-revoked">disabled</span> : 'active'}
                {u.failedSignIns > 0 && <span className="muted"> · {u.failedSignIns} failed sign-in(s)</span>}
              </td>
              <td>
                {editing === u.username ? (
                  <PasswordForm
                    user={u}
                    onDone={(n) => {
                      setEditing(null);
                      if (n) void act(async () => n);
                    }}
                  />
                ) : (
                  <div className="controls">
                    <button type="button" onClick={() => setEditing(u.username)} aria-label={`Set password for ${u.username}`}>
                      Set password
                    </button>
                    {u.disabled && (
                      <button
                        type="button"
                        aria-label={`Enable ${u.username}`}
                        onClick={() =>
                          void act(async () => {
                            await consoleApi.enableUser(token, u.username);
                            return `User ${u.username} enabled: they may sign in again.`;
                          })
                        }
                      >
                        Enable
                      </button>
                    )}
                    {u.failedSignIns > 0 && (
                      <button
                        type="button"
                        aria-label={`Clear failed sign-ins of ${u.username}`}
                        onClick={() =>
                          void act(async () => {
                            await consoleApi.unlockUser(token, u.username);
                            return `Failed sign-ins of ${u.username} cleared on every station.`;
                          })
                        }
                      >
                        Clear failed sign-ins
                      </button>
                    )}
                    {!u.disabled && u.username !== session.user.username && (
                      <ConfirmButton
                        label={`Disable ${u.username}`}
                        question={`Disable ${u.username}? They cannot sign in, and every session of theirs ends on every station.`}
                        confirmLabel="Disable"
                        onConfirm={() => act(async () => `User ${u.username} disabled; ${(await consoleApi.disableUser(token, u.username)).sessionsEnded} session(s) ended.`)}
                      />
                    )}
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>API clients (FHIR partners) of {session.branch.name}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col">Scopes</th>
            <th scope="col">Added</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {clients?.length === 0 && (
            <tr>
              <td colSpan={5}>No API client in this branch (npm run admin -- client add).</td>
            </tr>
          )}
          {(clients ?? []).map((c) => (
            <tr key={c.id} data-testid="client-row">
              <th scope="row">
                {c.name} <span className="muted">(id {c.id})</span>
              </th>
              <td>{c.scopes.join(' ')}</td>
              <td>{new Date(c.createdAt).toLocaleDateString()}</td>
              <td>{c.revoked ? <span className="state state-revoked">revoked</span> : 'active'}</td>
              <td>
                {!c.revoked && (
                  <ConfirmButton
                    label={`Revoke ${c.name}`}
                    question={`Revoke the API client ${c.name}? Its token is refused within seconds.`}
                    confirmLabel="Revoke"
                    onConfirm={() =>
                      act(async () => {
                        await consoleApi.revokeApiClient(token, c.id);
                        return `API client ${c.name} revoked.`;
                      })
                    }
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
