import { create } from 'zustand';
import type { LoginResponse } from '../../contract/auth';
import type { StationSummary } from '../../contract/console';
import { asSentence } from '../../contract/errors';
import { ApiError, consoleApi } from './api';

/*
 * The console's state. The session token lives only in memory: a reload or a closed tab signs
 * the administrator out, and nothing is left in the browser's storage.
 */
export type ConsoleView = 'stations' | 'access' | 'releases' | 'publish' | 'audit' | 'flags';

interface ConsoleState {
  view: ConsoleView;
  setView(view: ConsoleView): void;
  session: LoginResponse | null;
  stations: StationSummary[];
  loadedAt: Date | null;
  error: string | null;
  busy: boolean;
  signIn(username: string, password: string, branch: string): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

/** What went wrong and what to do, for an IT administrator. */
export function message(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) {
      return e.message.includes('invalid username')
        ? 'Sign-in failed: check the username, password and branch. A forgotten password is reset by another administrator (npm run admin -- user password).'
        : 'Your session has ended. Sign in again.';
    }
    if (e.status === 403) return 'This account is not an IT administrator of this branch. Sign in with an IT administrator account.';
    // The server's message names the wait (contract/errors.ts signInThrottledMessage).
    return asSentence(e.message);
  }
  return 'The server cannot be reached. Check that it is running and that this computer reaches it, then reload the page.';
}

/** A refused command: the server's own sentence says why (another branch, a short password, …). */
export function refusal(e: unknown): string {
  if (e instanceof ApiError && (e.status === 400 || e.status === 403 || e.status === 404 || e.status === 409)) return e.message;
  return message(e);
}

export const useConsole = create<ConsoleState>()((set, get) => ({
  view: 'stations',
  setView: (view) => set({ view }),
  session: null,
  stations: [],
  loadedAt: null,
  error: null,
  busy: false,
  async signIn(username, password, branch) {
    set({ busy: true, error: null });
    try {
      const session = await consoleApi.login({ username, password, branch });
      if (!session.user.roles.includes('it_admin')) {
        await consoleApi.logout(session.token);
        set({ busy: false, error: 'This account is not an IT administrator of the branch.' });
        return;
      }
      set({ session, busy: false });
      await get().refresh();
    } catch (e) {
      set({ busy: false, error: message(e) });
    }
  },
  async signOut() {
    const s = get().session;
    set({ session: null, stations: [], loadedAt: null, error: null, view: 'stations' });
    if (s) await consoleApi.logout(s.token).catch(() => undefined);
  },
  async refresh() {
    const s = get().session;
    if (!s) return;
    try {
      const { stations } = await consoleApi.stations(s.token);
      set({ stations, loadedAt: new Date(), error: null });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) set({ session: null, stations: [] });
      set({ error: message(e) });
    }
  },
}));
