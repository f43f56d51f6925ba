import { useEffect } from 'react';
import { stationEventsClient } from './api';
import { Lock } from './Lock';
import { Outbox } from './Outbox';
import { PatientScreen } from './Patient';
import { SignIn } from './SignIn';
import { useStation } from './store';
import { SyncBar } from './SyncBar';
import { useIdleLock } from './idle';
import { Ward } from './Ward';

export function App() {
  // Primitive selections: a status event (frequent while a sync runs) re-renders only what
  // shows a changed value, never the whole screen under the composer.
  const started = useStation((s) => s.status !== null);
  const enrolled = useStation((s) => s.status?.enrolled ?? false);
  const locked = useStation((s) => s.status?.locked ?? false);
  const hasUser = useStation((s) => Boolean(s.status?.user));
  const idleLockSeconds = useStation((s) => s.status?.idleLockSeconds);
  const route = useStation((s) => s.route);
  const refresh = useStation((s) => s.refreshStatus);
  const startError = useStation((s) => (s.status === null ? s.error : null));
  const applyStatus = useStation((s) => s.applyStatus);
  // No polling: the station says when its status changes; read it once at start and whenever
  // the event channel reopens (what changed while it was down).
  useEffect(() => {
    void refresh();
    const stops = [stationEventsClient.on('status', applyStatus), stationEventsClient.onOpen(() => void refresh())];
    return () => stops.forEach((stop) => stop());
  }, [refresh, applyStatus]);
  const signedIn = hasUser && !locked;
  useIdleLock(signedIn, idleLockSeconds ? idleLockSeconds * 1000 : undefined);

  if (!started) {
    return startError ? (
      <main className="center">
        <h1>The station cannot be reached</h1>
        <p role="alert" className="error" data-testid="start-error">
          {startError}
        </p>
      </main>
    ) : (
      <main className="center" aria-busy="true">
        Starting the station…
      </main>
    );
  }
  if (!enrolled) {
    return (
      <main className="center">
        <h1>Station not enrolled</h1>
        <p>IT must enrol this station before anyone can sign in.</p>
      </main>
    );
  }
  if (locked) return <Lock />;
  if (!hasUser) return <SignIn />;
  return (
    <div className="shell">
      <Header />
      <SyncBar />
      <main id="main" className="content">
        {route.name === 'ward' && <Ward />}
        {route.name === 'patient' && <PatientScreen patientId={route.patientId} tab={route.tab} noteId={route.noteId} />}
        {route.name === 'outbox' && <Outbox />}
      </main>
    </div>
  );
}

function Header() {
  const displayName = useStation((s) => s.status?.user?.displayName);
  const roles = useStation((s) => s.status?.user?.roles.join(', '));
  const go = useStation((s) => s.go);
  const lock = useStation((s) => s.lock);
  const signOut = useStation((s) => s.signOut);
  const route = useStation((s) => s.route);
  return (
    <header className="top">
      <nav aria-label="Station">
        <button type="button" aria-current={route.name === 'ward' ? 'page' : undefined} onClick={() => go({ name: 'ward' })}>
          Ward list
        </button>
        <button type="button" aria-current={route.name === 'outbox' ? 'page' : undefined} onClick={() => go({ name: 'outbox' })}>
          Outbox
        </button>
      </nav>
      <span className="who" data-testid="current-user">
        {displayName} <span className="muted">({roles})</span>
      </span>
      <button type="button" onClick={() => void lock()} title="Lock (Ctrl+L)">
        Lock <kbd>Ctrl+L</kbd>
      </button>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}
