import type { Mutation } from '../../contract/sync';
import { seal, stmt, unseal, type Store } from './store';
import { uuid7 } from './uuid7';

/* The outbox: mutations in the order they were made, each with its UUID v7, until the server answers. */

export interface OutboxItem {
  seq: number;
  id: string;
  userId: number;
  draftId: string | null;
  mutation: Mutation;
  bytes: number;
  /** Pushes tried so far, this one not counted. */
  attempts: number;
}

export function enqueue(db: Store, userId: number, draftId: string | null, m: Omit<Mutation, 'id'>, now = Date.now()): string {
  const id = uuid7(now);
  // Ids never go back on this station, even across restarts with an empty outbox and a clock
  // set back: the server ignores a same-station edit whose id sorts before the last applied one.
  stmt(db, "INSERT INTO sync_state (key, value) VALUES ('last_mutation_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(id);
  const body = JSON.stringify({ ...m, id });
  stmt(db, 'INSERT INTO outbox (id, user_id, draft_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, userId, draftId, m.kind, seal(db, body), now);
  return id;
}

export function pendingItems(db: Store, limit: number): OutboxItem[] {
  const rows = db
    .prepare("SELECT seq, id, user_id, draft_id, body, attempts FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?")
    .all(limit) as { seq: number; id: string; user_id: number; draft_id: string | null; body: string; attempts: number }[];
  return rows.map((r) => {
    const body = unseal(db, r.body);
    return { seq: r.seq, id: r.id, userId: r.user_id, draftId: r.draft_id, mutation: JSON.parse(body) as Mutation, bytes: body.length, attempts: r.attempts };
  });
}

export function removeItem(db: Store, id: string): void {
  stmt(db, 'DELETE FROM outbox WHERE id = ?').run(id);
}

export function rejectItem(db: Store, id: string, reason: string): void {
  stmt(db, "UPDATE outbox SET state = 'rejected', reason = ? WHERE id = ?").run(reason, id);
}

export function countAttempt(db: Store, ids: readonly string[]): void {
  const st = stmt(db, 'UPDATE outbox SET attempts = attempts + 1 WHERE id = ?');
  for (const id of ids) st.run(id);
}

export function progress(db: Store): { pendingItems: number; pendingBytes: number; rejectedItems: number } {
  const r = db
    .prepare("SELECT count(*) FILTER (WHERE state = 'pending') AS n, coalesce(sum(length(CAST(body AS BLOB))) FILTER (WHERE state = 'pending'), 0) AS b, count(*) FILTER (WHERE state = 'rejected') AS r FROM outbox")
    .get() as { n: number; b: number; r: number };
  return { pendingItems: r.n, pendingBytes: r.b, rejectedItems: r.r };
}

/** A user's rejected mutations, shown to that user; never another user's. */
export function rejectedItems(db: Store, userId: number) {
  const rows = db
    .prepare("SELECT id, kind, draft_id, reason, created_at FROM outbox WHERE state = 'rejected' AND user_id = ? ORDER BY seq")
    .all(userId) as { id: string; kind: string; draft_id: string | null; reason: string; created_at: number }[];
  return rows.map((r) => ({ mutationId: r.id, kind: r.kind, draftId: r.draft_id, reason: r.reason, createdAt: new Date(r.created_at).toISOString() }));
}

export function dismissRejected(db: Store, userId: number, id: string): void {
  stmt(db, "DELETE FROM outbox WHERE id = ? AND user_id = ? AND state = 'rejected'").run(id, userId);
}

/** A user's unsent changes, oldest first, for the outbox view; never another user's. */
export function pendingForUser(db: Store, userId: number) {
  const rows = db
    .prepare(
      "SELECT o.id, o.kind, o.draft_id, d.patient_id, length(CAST(o.body AS BLOB)) AS bytes, o.attempts, o.created_at FROM outbox o LEFT JOIN drafts d ON d.id = o.draft_id WHERE o.state = 'pending' AND o.user_id = ? ORDER BY o.seq LIMIT 1000",
    )
    .all(userId) as { id: string; kind: string; draft_id: string | null; patient_id: string | null; bytes: number; attempts: number; created_at: number }[];
  return rows.map((r) => ({ mutationId: r.id, kind: r.kind, draftId: r.draft_id, patientId: r.patient_id, bytes: r.bytes, attempts: r.attempts, createdAt: new Date(r.created_at).toISOString() }));
}
