import { sql, type Kysely } from 'kysely';
import pg from 'pg';
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

/** One read's audit row: audit_append's arguments (server/audit/record.ts builds them). */
export interface ReadAuditRow {
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  patient_id: string | null;
  detail: Record<string, unknown>;
}

interface Waiting {
  branchId: number;
  /** app.current_actor of the read ('kind:id', validated by withBranch). */
  actor: string;
  rows: readonly ReadAuditRow[];
  resolve(): void;
  reject(e: unknown): void;
}

/** At most this many rows per transaction: the message stays small, the locks short. */
const MAX_ROWS = 256;

export interface ReadAuditBatcher {
  append(branchId: number, actor: string, rows: readonly ReadAuditRow[]): Promise<void>;
  /** Reads of this branch waiting for a batch that has not started yet (tests). */
  queued(branchId: number): number;
}

/**
 * The batch as one message: BEGIN, one audit_append_reads call (migration 2026-12-04T0130: each
 * row appended by audit_append under its own branch and actor, set as withBranch sets them), COMMIT.
 * Rows go by branch, ascending, so that two servers' batches take the chains' branch locks in the
 * same order and cannot deadlock; within a branch, in the order the reads queued them.
 */
function batchStatement(batch: readonly Waiting[]): string {
  const rows = [...batch]
    .sort((a, b) => a.branchId - b.branchId)
    .flatMap((w) => w.rows.map((r) => ({ branch: w.branchId, actor: w.actor, ...r })));
  return `BEGIN; SELECT audit_append_reads(${pg.escapeLiteral(JSON.stringify(rows))}::jsonb); COMMIT`;
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
