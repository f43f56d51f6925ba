import type { StationEventName, StationEventPayload, StationEventSource, StationStatus } from '../../contract/station-api';
import { stmt, type Store } from './store';

/*
 * The station's events (contract: stationEvents). Rather than each feature remembering to
 * announce its changes, the places where state can change (every API call, every sync step)
 * poke the hub; after the current burst it compares cheap snapshots with the last ones it sent
 * and emits what differs. A feature added later is covered without touching this file, and an
 * unchanged poke sends nothing. Events without a snapshot (update status, feature flags) are
 * emitted directly by their owners.
 */

export interface StationEventHub extends StationEventSource {
  /** Something may have changed: compare and emit once the current burst is over. */
  poke(): void;
  emit<K extends StationEventName>(name: K, payload: StationEventPayload<K>): void;
  close(): void;
}

interface Snapshot {
  status: string;
  sync: string;
  outbox: string;
  /** Draft id -> its state signature, for the signed-in user only. */
  drafts: Map<string, { sig: string; patientId: string }>;
}

export interface EventHubSources {
  store: Store;
  status(): StationStatus;
  /** The signed-in user, whose drafts are announced; null when nobody is. */
  userId(): number | null;
}

export function createEventHub(src: EventHubSources): StationEventHub {
  const listeners = new Map<StationEventName, Set<(payload: unknown) => void>>();
  let last: Snapshot | null = null;
  let pending: NodeJS.Immediate | null = null;
  let closed = false;

  const emit = <K extends StationEventName>(name: K, payload: StationEventPayload<K>) => {
    for (const l of listeners.get(name) ?? []) {
      try {
        l(payload);
      } catch {
        // A listener's failure (a closed window, a dropped stream) never stops the others.
      }
    }
  };

  const take = (): Snapshot & { statusValue: StationStatus; outboxValue: { pending: number; rejected: number } } => {
    const statusValue = src.status();
    const o = stmt(src.store, "SELECT count(*) FILTER (WHERE state = 'pending') AS p, count(*) FILTER (WHERE state = 'rejected') AS r, coalesce(max(seq), 0) AS s, total(attempts) AS a FROM outbox").get() as {
      p: number;
      r: number;
      s: number;
      a: number;
    };
    const drafts = new Map<string, { sig: string; patientId: string }>();
    const user = src.userId();
    if (user !== null) {
      const rows = stmt(src.store, 'SELECT id, patient_id, updated_at, server_version, status, pending, length(text) AS len, conflict_texts IS NOT NULL AS c FROM drafts WHERE user_id = ?').all(user) as {
        id: string;
        patient_id: string;
        updated_at: number;
        server_version: number;
        status: string;
        pending: number;
        len: number;
        c: number;
      }[];
      for (const r of rows) drafts.set(r.id, { sig: `${r.updated_at}:${r.server_version}:${r.status}:${r.pending}:${r.len}:${r.c}`, patientId: r.patient_id });
    }
    // Locked or signed out, the events say nothing of anyone's work (as status hides its counts).
    const counts = user === null ? { p: 0, r: 0, s: 0, a: 0 } : o;
    return {
      status: JSON.stringify(statusValue),
      sync: JSON.stringify(statusValue.sync),
      outbox: `${counts.p}:${counts.r}:${counts.s}:${counts.a}`,
      drafts,
      statusValue,
      outboxValue: { pending: counts.p, rejected: counts.r },
    };
  };

  const compare = () => {
    pending = null;
    if (closed || listeners.size === 0) {
      last = null;
      return;
    }
    const now = take();
    const before = last;
    last = now;
    if (!before) return;
    if (now.status !== before.status) emit('status', now.statusValue);
    if (now.sync !== before.sync) emit('syncProgress', now.statusValue.sync);
    if (now.outbox !== before.outbox) emit('outboxChanged', now.outboxValue);
    const draftIds: string[] = [];
    const patientIds = new Set<string>();
    for (const [id, d] of now.drafts) {
      if (before.drafts.get(id)?.sig !== d.sig) {
        draftIds.push(id);
        patientIds.add(d.patientId);
      }
    }
    if (draftIds.length > 0) emit('draftsChanged', { draftIds, patientIds: [...patientIds] });
  };

  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      // The first listener's baseline: what it would have read with a call just now.
      if (!last) last = take();
      return () => {
        set.delete(l);
        if (set.size === 0) listeners.delete(name);
      };
    },
    poke() {
      if (closed || pending || listeners.size === 0) return;
      pending = setImmediate(compare);
    },
    emit,
    close() {
      closed = true;
      if (pending) clearImmediate(pending);
      listeners.clear();
    },
  };
}
