import { useState, type FormEvent } from 'react';
import { SignIn } from './SignIn';
import { useStation } from './store';

/*
 * The locked station shows no patient data; it names whose session it is, so that the next
 * person knows to switch user rather than guess a colleague's password. The same user unlocks
 * with the password (also offline, within IT's window); anyone else signs in as themselves.
 */
export function Lock() {
  const unlock = useStation((s) => s.unlock);
  const busy = useStation((s) => s.busy);
  const error = useStation((s) => s.error);
  const holder = useStation((s) => s.status?.lockedUser ?? null);
  const [password, setPassword] = useState('');
  const [switching, setSwitching] = useState(false);
  if (switching) {
    return (
      <div>
        <SignIn title="Switch user" />
        <p className="center-row">
          <button type="button" onClick={() => setSwitching(false)}>
            Back to unlock
          </button>
        </p>
      </div>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void unlock(password).then(() => setPassword(''));
  };
  return (
    <main className="center locked">
      <form className="card" onSubmit={submit} aria-labelledby="lock-title">
        <h1 id="lock-title">Station locked</h1>
        {holder && (
          <p data-testid="locked-user">
            Signed in: <strong>{holder.displayName}</strong> <span className="muted">({holder.username})</span>
          </p>
        )}
        <label>
          {holder ? `${holder.displayName}'s password` : 'Password'}
          <input type="password" autoFocus autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Unlock
        </button>
        <button type="button" onClick={() => setSwitching(true)}>
          Switch user{holder ? ` (not ${holder.displayName})` : ''}
        </button>
      </form>
    </main>
  );
}
