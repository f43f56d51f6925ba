import { useState, type FormEvent } from 'react';
import { useStation } from './store';

export function SignIn({ title = 'Sign in to the ward station' }: { title?: string }) {
  const signIn = useStation((s) => s.signIn);
  const busy = useStation((s) => s.busy);
  const error = useStation((s) => s.error);
  // An enrolled station that knows its branch does not ask for it: one way less to fail.
  const known = useStation((s) => s.status?.station ?? null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [branch, setBranch] = useState('north');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(username, password, known ? undefined : branch).then(() => setPassword(''));
  };
  return (
    <main className="center">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">{title}</h1>
        <label>
          Username
          <input autoFocus autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {known ? (
          <p className="muted" data-testid="station-place">
            {known.branch.name} · {known.ward.name}
          </p>
        ) : (
          <label>
            Branch code
            <input value={branch} onChange={(e) => setBranch(e.target.value.trim().toLowerCase())} required />
          </label>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <p className="muted small">Offline, a user who signed in here recently can still sign in with the same password.</p>
      </form>
    </main>
  );
}
