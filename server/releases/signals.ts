import pg from 'pg';
import { sql } from 'kysely';
import { ReleaseSignal } from '../../contract/releases';
import type { SystemDb } from '../db/system-db';

/*
 * Live signalling of releases and rollbacks to online stations. Actions NOTIFY inside their own
 * transaction (delivered at commit, to every server instance that LISTENs); each instance fans the
 * signal out to its subscribers: the /updates/events stream now, the sync live channel later.
 */

export const RELEASE_NOTIFY_CHANNEL = 'wardstation_releases';

export async function notifyStations(q: SystemDb, signal: ReleaseSignal): Promise<void> {
  await sql`SELECT pg_notify(${RELEASE_NOTIFY_CHANNEL}, ${JSON.stringify(signal)})`.execute(q);
}

export type SignalListener = (signal: ReleaseSignal) => void;

export interface SignalHub {
  /** For the live channel: called for every release, rollback or flag change. Returns unsubscribe. */
  subscribe(fn: SignalListener): () => void;
  publish(signal: ReleaseSignal): void;
  readonly subscribers: number;
}

export function createSignalHub(): SignalHub {
  const listeners = new Set<SignalListener>();
  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    publish(signal) {
      for (const fn of listeners) {
        try {
          fn(signal);
        } catch {
          /* one broken subscriber must not starve the others */
        }
      }
    },
    get subscribers() {
      return listeners.size;
    },
  };
}

/** One dedicated connection LISTENs and feeds the hub; reconnects after a drop. Returns stop(). */
export function listenForSignals(connectionString: string, hub: SignalHub, onError: (kind: string) => void): () => Promise<void> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    const c = new pg.Client({ connectionString, application_name: 'wardstation-signals' });
    c.on('notification', (msg) => {
      if (msg.channel !== RELEASE_NOTIFY_CHANNEL || !msg.payload) return;
      const parsed = ReleaseSignal.safeParse(JSON.parse(msg.payload));
      if (parsed.success) hub.publish(parsed.data);
    });
    c.on('error', () => {
      onError('listen_connection_lost');
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${RELEASE_NOTIFY_CHANNEL}`);
      if (stopped) await c.end();
      else client = c;
    } catch {
      onError('listen_connect_failed');
      await c.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (stopped || retry) return;
    client = null;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 1000);
  };
  void connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
