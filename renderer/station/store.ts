import { create } from 'zustand';
import type { CachedPatient, LookAlike, WardBadges, StationStatus } from '../../contract/station-api';
import { messageOf, station, StationCallError } from './api';

/*
 * The station's screen state. Nothing clinical is kept in browser storage: the station core owns
 * the data; this store holds what is on screen and is emptied on lock, sign-out and user switch.
 */

export type Route =
  | { name: 'ward' }
  /** `noteId` picks the note: on the review tab (default: the user's newest submitted note), or the open draft in the composer (default: the newest). */
  | { name: 'patient'; patientId: string; tab: PatientTab; noteId?: string }
  | { name: 'outbox' };
export type PatientTab = 'chart' | 'vitals' | 'note' | 'review';

interface StationState {
  status: StationStatus | null;
  error: string | null;
  busy: boolean;
  route: Route;
  patients: CachedPatient[];
  flags: Record<string, WardBadges>;
  lookAlikes: Record<string, LookAlike[]>;
  mine: string[];
  query: string;
  /** Which list: one ward (the station's own unless `wardId` picks another), my patients, or every ward. */
  scope: ListScope;
  wardId: number | null;
  refreshStatus(): Promise<void>;
  /** A status from the station (a call's answer or a `status` event) becomes the screen's. */
  applyStatus(status: StationStatus): void;
  /** `branch` is left out at an enrolled station that knows its branch. */
  signIn(username: string, password: string, branch?: string): Promise<void>;
  unlock(password: string): Promise<void>;
  lock(): Promise<void>;
  signOut(): Promise<void>;
  go(route: Route): void;
  search(q: string): Promise<void>;
  showList(scope: ListScope, wardId?: number | null): Promise<void>;
  /** Bumped when this station records something (vitals, an allergy): charts on screen read again. */
  localVersion: number;
  bump(): void;
  toggleMine(patientId: string, mine: boolean): Promise<void>;
}
export type ListScope = 'ward' | 'mine' | 'all';

/* Screens with unsaved input (the composer) register a flush, awaited before the screen empties. */
const flushers = new Set<() => Promise<void>>();
export function registerFlush(f: () => Promise<void>): () => void {
  flushers.add(f);
  return () => flushers.delete(f);
}
async function flushAll(): Promise<void> {
  await Promise.all([...flushers].map((f) => f().catch(() => {})));
}

const cleared = {
  patients: [] as CachedPatient[],
  flags: {} as Record<string, WardBadges>,
  lookAlikes: {} as Record<string, LookAlike[]>,
  mine: [] as string[],
  query: '',
  scope: 'ward' as ListScope,
  wardId: null as number | null,
  route: { name: 'ward' } as Route,
};

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
        // Unreachable, or a page of an earlier start of the station: say so in words (the start screen shows it).
        if (e instanceof StationCallError && (e.code === 'unreachable' || e.code === 'unauthorized')) set({ error: messageOf(e) });
      }
    },
    signIn: (username, password, branch) => enter(() => station.signIn({ username, password, ...(branch ? { branch } : {}) })),
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
    localVersion: 0,
    bump() {
      set({ localVersion: get().localVersion + 1 });
    },
    async search(q) {
      set({ query: q });
      const { scope, wardId } = get();
      try {
        const r = await station.listPatients({ q, limit: 200, scope, ...(wardId !== null ? { wardId } : {}) });
        const now = get();
        if (now.query === q && now.scope === scope && now.wardId === wardId) set({ patients: r.patients, flags: r.flags ?? {}, lookAlikes: r.lookAlikes ?? {}, mine: r.mine ?? [] });
      } catch (e) {
        set({ error: messageOf(e) });
      }
    },
    async showList(scope, wardId = get().wardId) {
      set({ scope, wardId });
      await get().search(get().query);
    },
    async toggleMine(patientId, mine) {
      try {
        await station.setMyPatient({ patientId, mine });
        await get().search(get().query);
      } catch (e) {
        set({ error: messageOf(e) });
      }
    },
  };
});
