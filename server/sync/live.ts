import pg from 'pg';
import type { SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { feedHead } from './pull';

export type LiveListener = (cursor: string) => void;

export interface FeedHub {
  /** Calls `listener` with the branch's newest cursor after every commit to its feed. */
  subscribe(branchId: number, listener: LiveListener): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'wardstation_feed';
const SYSTEM = { kind: 'system', id: 'sync-live' } as const;
const HORIZON_RECHECK_MS = 2;
const HORIZON_RECHECK_MAX_MS = 250;

/**
 * Fan-out across server instances: every instance LISTENs on one dedicated connection, and
 * withBranch announces '<branch>:<number>' right after a commit that appended to the feed. A number becomes pullable only when the
 * feed's horizon passes it (no older transaction still running; sql/feed.sql), so the hub reads
 * the branch's pullable head through withBranch and, while the horizon is still short of what
 * was announced, looks again shortly. Only that branch's subscribers get its head, so nothing of
 * one branch can reach another branch's stream.
 */
export function createFeedHub(db: SystemDb, databaseUrl: string): FeedHub {
  const subscribers = new Map<number, Set<LiveListener>>();
  const awaited = new Map<number, bigint>(); // branch -> highest announced number not yet below the horizon
  const reading = new Set<number>();
  const again = new Set<number>();
  const timers = new Map<number, NodeJS.Timeout>();
  const rechecks = new Map<number, number>();
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const publish = async (branchId: number): Promise<void> => {
    if (closed || !subscribers.has(branchId)) return;
    if (reading.has(branchId)) {
      again.add(branchId); // read once more when this read ends: a commit may have come meanwhile
      return;
    }
    reading.add(branchId);
    try {
      const { head, horizon } = await withBranch(db, branchId, SYSTEM, feedHead);
      for (const l of subscribers.get(branchId) ?? []) l(head);
      const want = awaited.get(branchId);
      if (want !== undefined && BigInt(horizon) > want) {
        awaited.delete(branchId);
        rechecks.delete(branchId);
      }
    } catch {
      // the next notification or the re-check below tries again
    } finally {
      reading.delete(branchId);
    }
    if (again.delete(branchId)) return publish(branchId);
    if (awaited.has(branchId) && !timers.has(branchId)) {
      // A transaction older than the announced one is still running: its end is not notified.
      // Look again soon, then less often (a long report transaction may hold the horizon).
      const k = rechecks.get(branchId) ?? 0;
      rechecks.set(branchId, k + 1);
      timers.set(
        branchId,
        setTimeout(() => {
          timers.delete(branchId);
          void publish(branchId);
        }, Math.min(HORIZON_RECHECK_MS * 2 ** k, HORIZON_RECHECK_MAX_MS)),
      );
    }
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'wardstation-live' });
    c.on('notification', (n) => {
      // '<branch>:<number>' from change_feed_announce(), after commit.
      const m = /^(\d+):(\d+)$/.exec(n.payload ?? '');
      if (!m) return;
      const branchId = Number(m[1]);
      if (!subscribers.has(branchId)) return;
      const n2 = BigInt(m[2]!);
      if ((awaited.get(branchId) ?? -1n) < n2) awaited.set(branchId, n2);
      void publish(branchId);
    });
    c.on('error', () => reconnect(c));
    c.on('end', () => reconnect(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      client = c;
      // Changes committed while disconnected: tell everyone the current head.
      for (const b of subscribers.keys()) void publish(b);
    } catch {
      reconnect(c);
    }
  };
  const reconnect = (c: pg.Client) => {
    if (client === c) client = null;
    c.end().catch(() => {});
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 1000);
  };
  const ready = connect();

  return {
    subscribe(branchId, listener) {
      let set = subscribers.get(branchId);
      if (!set) subscribers.set(branchId, (set = new Set()));
      set.add(listener);
      void ready.then(() => publish(branchId));
      return () => {
        set.delete(listener);
        if (set.size === 0) {
          subscribers.delete(branchId);
          awaited.delete(branchId);
        }
      };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await ready;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
