import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from './context';

/*
 * Live streams (the sync live channel, the release events) authenticate once, when they open.
 * The guard re-checks every open stream's session and station together, in one query per
 * interval for the whole instance, and closes the streams whose session ended (logout, password
 * change, disabled user, expiry) or whose station was revoked: within seconds, on every instance,
 * with no per-stream polling.
 */

export interface StreamGuard {
  /** Watches one stream; `close` is called once when its session or station no longer holds. Returns unwatch. */
  watch(who: { sessionId?: string; stationId?: string }, close: () => void): () => void;
}

interface Watcher {
  sessionId: string | null;
  stationId: string | null;
  close: () => void;
}

const DEFAULT_INTERVAL_MS = 2000;
const guards = new WeakMap<FastifyInstance, StreamGuard>();

export function streamGuard(app: FastifyInstance, ctx: AppContext): StreamGuard {
  const existing = guards.get(app);
  if (existing) return existing;
  const watchers = new Set<Watcher>();
  let timer: NodeJS.Timeout | null = null;
  let checking = false;

  const check = async () => {
    if (checking || watchers.size === 0) return;
    checking = true;
    try {
      const list = [...watchers];
      const sessionIds = [...new Set(list.flatMap((w) => (w.sessionId ? [w.sessionId] : [])))];
      const stationIds = [...new Set(list.flatMap((w) => (w.stationId ? [w.stationId] : [])))];
      const db = ctx.db;
      const [sessions, stations] = await Promise.all([
        sessionIds.length
          ? db
              .selectFrom('sessions as s')
              .innerJoin('users as u', 'u.id', 's.user_id')
              .leftJoin('stations as st', 'st.id', 's.station_id')
              .select('s.id')
              .where('s.id', 'in', sessionIds)
              .where('s.revoked_at', 'is', null)
              .where('u.disabled_at', 'is', null)
              .where('s.expires_at', '>', sql<Date>`now()`)
              .where((eb) => eb.or([eb('s.station_id', 'is', null), eb('st.revoked_at', 'is', null)]))
              .execute()
          : [],
        stationIds.length ? db.selectFrom('stations').select('id').where('id', 'in', stationIds).where('revoked_at', 'is', null).execute() : [],
      ]);
      const liveSessions = new Set(sessions.map((s) => s.id));
      const liveStations = new Set(stations.map((s) => s.id));
      for (const w of list) {
        if ((w.sessionId && !liveSessions.has(w.sessionId)) || (w.stationId && !liveStations.has(w.stationId))) {
          watchers.delete(w);
          w.close();
        }
      }
    } catch (e) {
      // A failed check closes nothing: the next one decides.
      ctx.log.warn('stream guard check failed', { error: e instanceof Error ? e.message : 'unknown' });
    } finally {
      checking = false;
    }
  };

  const guard: StreamGuard = {
    watch(who, close) {
      const w: Watcher = { sessionId: who.sessionId ?? null, stationId: who.stationId ?? null, close };
      watchers.add(w);
      if (!timer) {
        timer = setInterval(() => void check(), ctx.streamCheckMs ?? DEFAULT_INTERVAL_MS);
        timer.unref();
      }
      return () => {
        watchers.delete(w);
      };
    },
  };
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    watchers.clear();
  });
  guards.set(app, guard);
  return guard;
}
