import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { SystemDb } from './system-db';

/*
 * Group commit of read-audit rows. A read's audit row is not written by the read's own unit of
 * work: the read hands it here once its unit of work has ended (connection and branch slot
 * released), and waits. One transaction at a time appends every row queued so far, in one message
 * with its COMMIT: each branch's chain lock is taken once per batch, and the commit is flushed to
 * disk once for all of them. (One batch per branch at a time was tried first: with reads spread
 * over 20 branches its batches held one or two rows, and a commit per batch cost more than the
 * audit statement in the read's own transaction had.) The rows stay one per read, each with its
 * own actor, patients and detail, hashed into the chain by the same trigger as any other row.
 * A read is answered only after the batch holding its row committed durably; a batch that fails
 * fails every read in it (ReadAuditError), so nothing is answered without its audit row.
 */

/** A batch's failure, given to each read in it instead of its answer. */
export class ReadAuditError extends Error {
  readonly code = 'READ_AUDIT_FAILED';
  constructor(cause: unknown) {
    super('the read could not be audited, so its answer is withheld', { cause });
  }
}

interface Waiting {
  branchId: number;
  /** app.current_actor of the read ('kind:id', validated by withBranch). */
  actor: string;
  /** audit_append's arguments, one tuple per row, values already quoted (server/audit/record.ts). */
  rows: readonly string[];
  resolve(): void;
  reject(e: unknown): void;
}

/** At most this many rows per transaction: the message stays small, the locks short. */
const MAX_ROWS = 256;

export interface ReadAuditBatcher {
  append(branchId: number, actor: string, rows: readonly string[]): Promise<void>;
  /** Reads of this branch waiting for a batch that has not started yet (tests). */
  queued(branchId: number): number;
}

/**
 * The batch as one message: per branch (ascending, so that two servers' batches take the chains'
 * branch locks in the same order and cannot deadlock) and per actor, the transaction's settings
 * as withBranch sets them, then one statement appending that group's rows in order.
 */
function batchStatement(batch: readonly Waiting[]): string {
  const groups = new Map<string, { branchId: number; actor: string; rows: string[] }>();
  for (const w of [...batch].sort((a, b) => a.branchId - b.branchId)) {
    const key = `${w.branchId}\u0000${w.actor}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { branchId: w.branchId, actor: w.actor, rows: [] }));
    g.rows.push(...w.rows);
  }
  const parts = ['BEGIN'];
  for (const g of groups.values()) {
    // audit_append takes the branch and the actor from these settings, as in any unit of work.
    parts.push(`SELECT set_config('app.current_branch', '${g.branchId}', true), set_config('app.current_actor', '${g.actor}', true)`);
    parts.push(`SELECT count(audit_append(v.a, v.t, v.e, v.p::uuid, v.d::jsonb)) FROM (VALUES ${g.rows.join(', ')}) v(a, t, e, p, d)`);
  }
  parts.push('COMMIT');
  return parts.join('; ');
}

function createBatcher(db: SystemDb | Kysely<Database>): ReadAuditBatcher {
  let queue: Waiting[] = [];
  let running = false;

  const runBatch = async (batch: readonly Waiting[]): Promise<void> => {
    // Not through the branch limiter: the reads it serves have released their slots, and a batch
    // queued behind other reads would only add their latency to every read in it.
    await (db as Kysely<Database>).connection().execute(async (conn) => {
      try {
        await sql.raw(batchStatement(batch)).execute(conn);
      } catch (e) {
        // A failing statement skips the rest of the message, COMMIT included: the transaction is
        // left open and aborted.
        await sql.raw('ROLLBACK').execute(conn).catch(() => {});
        throw e;
      }
    });
  };

  // One batch at a time: the reads that arrive while it commits make up the next one.
  const drain = (): void => {
    if (running || queue.length === 0) return;
    let rows = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || rows + queue[n]!.rows.length <= MAX_ROWS)) rows += queue[n++]!.rows.length;
    const batch = queue.slice(0, n);
    queue = queue.slice(n);
    running = true;
    runBatch(batch)
      .then(
        () => {
          for (const w of batch) w.resolve();
        },
        (e: unknown) => {
          const err = new ReadAuditError(e);
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        running = false;
        drain();
      });
  };

  return {
    append(branchId, actor, rows) {
      if (rows.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ branchId, actor, rows, resolve, reject });
        drain();
      });
    },
    queued(branchId) {
      return queue.filter((w) => w.branchId === branchId).length;
    },
  };
}

const batchers = new WeakMap<object, ReadAuditBatcher>();

/** The batcher that writes read-audit rows through `db` (the primary), one per handle. */
export function readAuditBatcherOf(db: SystemDb | Kysely<Database>): ReadAuditBatcher {
  let b = batchers.get(db);
  if (!b) batchers.set(db, (b = createBatcher(db)));
  return b;
}
