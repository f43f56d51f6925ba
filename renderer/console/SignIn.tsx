import { useState, type FormEvent } from 'react';
import { useConsole } from './store';

export function SignIn() {
  const { signIn, busy, error } = useConsole();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [branch, setBranch] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(username.trim(), password, branch.trim().toLowerCase());
  };
  return (
    <main className="signin">
      <h1>IT console</h1>
      <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <label>
          Username
          <input name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          Branch code
          <input name="branch" required value={branch} onChange={(e) => setBranch(e.target.value)} placeholder="north" />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p id="signin-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
