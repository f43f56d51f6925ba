import type { DatabaseError } from 'pg';
import type { SystemDb } from './system-db';
import { appendReadAudits, runAtCommit, takeAtCommit, withBranch, withBranchUnaudited, type Actor, type AtCommit, type BranchTransaction } from './with-branch';

/**
 * The primary, and optionally a streaming replica (DATABASE_READ_URL) for reads that need not
 * see their own writes: FHIR searches and reads, patient reads, the sync pull. The replica is the
 * same catalog, reached as the same app role with the same withBranch settings, so the same RLS
 * policies bind every statement there.
 */
export interface Databases {
  db: SystemDb;
  readDb?: SystemDb | undefined;
}

/**
 * A read-only unit of work in a branch, on the replica when there is one. A standby cannot
 * write, so the unit of work may only queue its audit row (recordReadAudit): that row is written
 * on the primary, by the primary's read-audit batch (server/db/read-audit.ts), before this
 * returns. Nothing read on the replica reaches the caller unless its audit row has committed on
 * the primary.
 *
 * When the replica cannot serve (down, or a query cancelled by a replay conflict), the primary
 * does: a replica adds capacity, never a way to fail. `fallback` also sends an answer the replica
 * did not have (a row written a moment ago, not yet replayed) to the primary.
 */
export async function withBranchRead<T>(
  dbs: Databases,
  branchId: number,
  actor: Actor,
  fn: (trx: BranchTransaction) => Promise<T>,
  fallback: (result: T) => boolean = () => false,
): Promise<T> {
  // Read-only units of work (withBranchUnaudited's readOnly): one round trip per statement.
  const readOn = async (db: SystemDb) => {
    let audit: AtCommit[] = [];
    const read = await withBranchUnaudited(
      db,
      branchId,
      actor,
      async (trx) => {
        const r = await fn(trx);
        audit = takeAtCommit(trx);
        return r;
      },
      { readOnly: true },
    );
    return { ...read, audit };
  };
  let read: Awaited<ReturnType<typeof readOn>>;
  if (!dbs.readDb) read = await readOn(dbs.db);
  else {
    try {
      read = await readOn(dbs.readDb);
    } catch (e) {
      if (!replicaFailure(e)) throw e;
      read = await readOn(dbs.db);
    }
    if (fallback(read.result)) read = await readOn(dbs.db);
  }
  if (read.audit.length > 0) {
    await withBranch(dbs.db, branchId, actor, async (trx) => {
      for (const a of read.audit) runAtCommit(trx, a.statement, a.after);
    });
  }
  // Written on the primary before the answer leaves (server/db/read-audit.ts).
  if (read.readAudits.length > 0) await appendReadAudits(dbs.db, branchId, actor, read.readAudits);
  return read.result;
}

/** The replica, not the request, failed: no connection, or a recovery conflict cancelled the read. */
export function replicaFailure(e: unknown): boolean {
  const code = (e as Partial<DatabaseError> | null)?.code;
  if (typeof code !== 'string') return e instanceof Error && /Connection terminated|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET/.test(e.message);
  // 40001: canceling statement due to conflict with recovery; 57P0x: shut down or terminated;
  // 08xxx: connection failures; 53300: too many connections.
  return code === '40001' || code.startsWith('57P') || code.startsWith('08') || code === '53300';
}
