import { create } from 'zustand';
import type { CachedPatient, PatientFlags, StationStatus } from '../../contract/station-api';
import { messageOf, station, StationCallError } from './api';

/*
 * The station's screen state. Nothing clinical is kept in browser storage: the station core owns
 * the data; this store holds what is on screen and is emptied on lock, sign-out and user switch.
 */

export type Route =
  | { name: 'ward' }
  /** `noteId` picks the note on the review tab (default: the user's newest submitted note). */
  | { name: 'patient'; patientId: string; tab: PatientTab; noteId?: string }
  | { name: 'outbox' };
export type PatientTab = 'chart' | 'note' | 'review';

interface StationState {
  status: StationStatus | null;
  error: string | null;
  busy: boolean;
  route: Route;
  patients: CachedPatient[];
  flags: Record<string, PatientFlags>;
  query: string;
  refreshStatus(): Promise<void>;
  /** A status from the station (a call's answer or a `status` event) becomes the screen's. */
  applyStatus(status: StationStatus): void;
  signIn(username: string, password: string, branch: string): Promise<void>;
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  signOut(): Promise<void>;
  go(route: Route): void;
  search(q: string): Promise<void>;
}

/* Screens with unsaved input (the composer) register a flush, awaited before the screen empties. */
const flushers = new Set<() => Promise<void>>();
export function registerFlush(f: () => Promise<void>): () => void {
  flushers.add(f);
  return () => flushers.delete(f);
}
async function flushAll(): Promise<void> {
  await Promise.all([...flushers].map((f) => f().catch(() => {})));
}

const cleared = { patients: [] as CachedPatient[], flags: {} as Record<string, PatientFlags>, query: '', route: { name: 'ward' } as Route };

export const useStation = create<StationState>()((set, get) => {
  const enter = async (f: () => Promise<StationStatus>) => {
    set({ busy: true, error: null });
    await flushAll();
    try {
      const status = await f();
      // A new session (or a switch) never shows what the previous user had on screen.
      set({ status, busy: false, ...cleared });
      if (status.user && !status.locked) await get().search('');
    } catch (e) {
      set({ busy: false, error: messageOf(e) });
    }
  };
  return {
    status: null,
    error: null,
    busy: false,
    ...cleared,
    applyStatus(status) {
      const was = get().status;
      if (was?.user && (status.locked || !status.user)) set({ status, ...cleared });
      // Unchanged: no new object, so no subscriber renders for nothing.
      else if (JSON.stringify(status) !== JSON.stringify(was)) set({ status });
    },
    async refreshStatus() {
      try {
        get().applyStatus(await station.status({}));
      } catch (e) {
        if (e instanceof StationCallError && e.code === 'unreachable') set({ error: messageOf(e) });
      }
    },
    signIn: (username, password, branch) => enter(() => station.signIn({ username, password, branch })),
    async unlock(password) {
      set({ busy: true, error: null });
      try {
        const status = await station.unlock({ password });
        set({ status, busy: false, ...cleared });
        await get().search('');
      } catch (e) {
        set({ busy: false, error: messageOf(e) });
      }
    },
    async lock() {
      await flushAll();
      // Empty the screen first: nothing stays visible while the call is in flight.
      set({ ...cleared });
      const status = await station.lock({});
      set({ status, error: null });
    },
    async signOut() {
      await flushAll();
      set({ ...cleared });
      const status = await station.signOut({});
      set({ status, error: null });
    },
    go(route) {
      set({ route });
    },
    async search(q) {
      set({ query: q });
      try {
        const r = await station.listPatients({ q, limit: 200 });
        if (get().query === q) set({ patients: r.patients, flags: r.flags ?? {} });
      } catch (e) {
        set({ error: messageOf(e) });
      }
    },
  };
});
