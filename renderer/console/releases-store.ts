import { create } from 'zustand';
import type { FleetVersions, RolloutStatus } from '../../contract/releases';
import { ApiError, consoleApi } from './api';
import { message, useConsole } from './store';

/*
 * The Releases view's state: the channel's current rollout and the fleet's versions. Every
 * action reloads both, so the page shows what the server decided (a halt, a refusal), not what
 * the button hoped for.
 */
export const CHANNEL = 'stable';

export interface ThresholdInput {
  maxErrorRatio: number;
  minErrorRate: number;
  minStations: number;
}

interface ReleasesState {
  rollout: RolloutStatus | null;
  fleet: FleetVersions | null;
  /** True once the server said there is no rollout on the channel. */
  noRollout: boolean;
  error: string | null;
  busy: boolean;
  load(): Promise<void>;
  moveTo(ring: string): Promise<void>;
  change(action: 'pause' | 'resume' | 'rollback'): Promise<void>;
  setThreshold(t: ThresholdInput): Promise<void>;
}

function token(): string | null {
  return useConsole.getState().session?.token ?? null;
}

export const useReleases = create<ReleasesState>()((set, get) => {
  /** Runs one action, then reloads; a refusal is shown and the page still reloads. */
  async function act(work: (t: string, r: RolloutStatus) => Promise<unknown>): Promise<void> {
    const t = token();
    const r = get().rollout;
    if (!t || !r) return;
    set({ busy: true, error: null });
    try {
      await work(t, r);
      await get().load();
    } catch (e) {
      await get().load();
      set({ error: message(e) });
    } finally {
      set({ busy: false });
    }
  }
  return {
    rollout: null,
    fleet: null,
    noRollout: false,
    error: null,
    busy: false,
    async load() {
      const t = token();
      if (!t) return;
      try {
        const fleet = await consoleApi.fleetVersions(t);
        try {
          const rollout = await consoleApi.rollout(t, CHANNEL);
          set({ rollout, fleet, noRollout: false, error: null });
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
          set({ rollout: null, fleet, noRollout: true, error: null });
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) useConsole.setState({ session: null, stations: [] });
        set({ error: message(e) });
      }
    },
    moveTo: (ring) => act((t, r) => consoleApi.moveRollout(t, { channel: r.channel, version: r.version, ring })),
    change: (action) => act((t, r) => consoleApi.changeRollout(t, action, { channel: r.channel, version: r.version })),
    setThreshold: (th) => act((t, r) => consoleApi.setThreshold(t, { channel: r.channel, version: r.version, ...th })),
  };
});
