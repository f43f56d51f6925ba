import { useRef, type JSX, type KeyboardEvent } from 'react';
import { Access } from './Access';
import { Audit } from './Audit';
import { Flags } from './Flags';
import { Fleet } from './Fleet';
import { Publish } from './Publish';
import { Releases } from './Releases';
import { SignIn } from './SignIn';
import { useConsole, type ConsoleView } from './store';

const VIEWS: { id: ConsoleView; label: string }[] = [
  { id: 'stations', label: 'Stations' },
  { id: 'access', label: 'Users and clients' },
  { id: 'releases', label: 'Releases' },
  { id: 'publish', label: 'Publish' },
  { id: 'audit', label: 'Audit' },
  { id: 'flags', label: 'Feature flags' },
];

const PANELS: Record<ConsoleView, () => JSX.Element | null> = { stations: Fleet, access: Access, releases: Releases, publish: Publish, audit: Audit, flags: Flags };

/** The signed-in console: a header, the tabs (arrow keys move between them), the chosen view. */
function Shell() {
  const { session, view, setView, signOut } = useConsole();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  if (!session) return null;
  const Panel = PANELS[view];
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const i = VIEWS.findIndex((v) => v.id === view);
    const next = (i + (e.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length;
    const target = VIEWS[next];
    if (!target) return;
    setView(target.id);
    tabs.current[next]?.focus();
  };
  return (
    <div className="page">
      <header>
        <h1>
          IT console — <span data-testid="branch-name">{session.branch.name}</span>
        </h1>
        <div className="who">
          {session.user.displayName}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="tabs" role="tablist" aria-label="Console views" onKeyDown={onKey}>
        {VIEWS.map((v, i) => (
          <button
            key={v.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${v.id}`}
            aria-selected={view === v.id}
            aria-controls={`panel-${v.id}`}
            tabIndex={view === v.id ? 0 : -1}
            onClick={() => setView(v.id)}
          >
            {v.label}
          </button>
        ))}
      </nav>
      <main id={`panel-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`}>
        <Panel />
      </main>
    </div>
  );
}

export function App() {
  const signedIn = useConsole((s) => s.session !== null);
  return signedIn ? <Shell /> : <SignIn />;
}
