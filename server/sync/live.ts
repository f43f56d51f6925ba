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

/**
 * Fan-out across server instances: every instance LISTENs on one dedicated connection, and the
 * feed trigger NOTIFYs '<branch>:<head>' at commit. The hub hands the head only to that
 * branch's subscribers, so nothing of one branch can reach another branch's stream. A new
 * subscriber (or a reconnect) reads its branch's head through withBranch.
 */
export function createFeedHub(db: SystemDb, databaseUrl: string): FeedHub {
  const subscribers = new Map<number, Set<LiveListener>>();
  const pending = new Set<number>();
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const publish = async (branchId: number) => {
    if (pending.has(branchId)) return; // a read of this head is already under way
    pending.add(branchId);
    try {
      await Promise.resolve();
      pending.delete(branchId);
      const head = await withBranch(db, branchId, SYSTEM, feedHead);
      for (const l of subscribers.get(branchId) ?? []) l(head);
    } catch {
      pending.delete(branchId);
    }
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'wardstation-live' });
    c.on('notification', (n) => {
      // '<branch>:<head>' from the feed trigger, delivered in commit order.
      const m = /^(\d+):(\d+)$/.exec(n.payload ?? '');
      if (!m) return;
      for (const l of subscribers.get(Number(m[1])) ?? []) l(m[2]!);
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
        if (set.size === 0) subscribers.delete(branchId);
      };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await ready;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
