import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { branchLimiterOf } from './branch-limiter';
import type { Database } from './database';
import { aheadEnd, aheadOfEach, aheadOfNext, sendsStatementsAhead } from './pool';
import { readAuditBatcherOf, type ReadAuditRow } from './read-audit';
import type { SystemDb } from './system-db';

/** Who acts: written to app.current_actor for the database's own use (e.g. audit triggers). */
export interface Actor {
  kind: 'user' | 'client' | 'station' | 'system' | 'admin';
  id: string;
}

/** The only handle outside server/db whose type has patient tables; withBranch hands it out. */
export type BranchTransaction = Transaction<Database>;

/**
 * The branch the current transaction is bound to, as SQL: the one copy of the RLS policy's
 * predicate for code that must name the branch (an insert's branch_id, a lock key). NULLIF keeps
 * a pooled connection's leftover '' from raising a cast error (DESIGN §3).
 */
export function currentBranchId(): RawBuilder<number> {
  return sql<number>`nullif(current_setting('app.current_branch', true), '')::int`;
}

const ACTOR_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A statement sent with a unit of work's COMMIT, and optionally one sent right after it. */
export interface AtCommit {
  statement: string;
  after?: string;
}

const atCommit = new WeakMap<object, AtCommit[]>();

/**
 * Sends `statement` (complete SQL text, values already quoted as literals) in the same message
 * as this unit of work's COMMIT. For a last write that takes a lock held to commit (the audit
 * chain's branch lock): the lock is then held for the server's own time, not also for a round
 * trip to this process and back. It fails the unit of work like any statement. `after` (once
 * per unit of work, however often given) runs in the same message after the COMMIT, in its own
 * transaction; withBranch returns only once it has run, and fails if it fails.
 */
export function runAtCommit(trx: BranchTransaction, statement: string, after?: string): void {
  const entry: AtCommit = after === undefined ? { statement } : { statement, after };
  const list = atCommit.get(trx);
  if (list) list.push(entry);
  else atCommit.set(trx, [entry]);
}

/**
 * Takes back the statements queued with runAtCommit, so that this unit of work's COMMIT does not
 * run them: a read served by a standby hands its read-audit row to a unit of work on the primary
 * (server/db/read-replica.ts), since a standby cannot write.
 */
export function takeAtCommit(trx: BranchTransaction): AtCommit[] {
  const list = atCommit.get(trx) ?? [];
  atCommit.delete(trx);
  return list;
}

const readAudits = new WeakMap<object, ReadAuditRow[]>();

/**
 * Queues the audit row of a read for the read-audit batch (server/db/read-audit.ts): it is
 * written after this unit of work ends, in a transaction of its own shared with other reads, and
 * withBranch returns only once that transaction committed durably. A unit of work that fails
 * writes none.
 */
export function queueReadAudit(trx: BranchTransaction, row: ReadAuditRow): void {
  const list = readAudits.get(trx);
  if (list) list.push(row);
  else readAudits.set(trx, [row]);
}

/** A unit of work's answer and the read-audit rows it queued, not yet written. */
export interface Audited<T> {
  result: T;
  readAudits: ReadAuditRow[];
}

/**
 * The one way to reach patient tables: a transaction bound to a branch before its first
 * statement. set_config(..., true) is transaction-local, so a pooled connection cannot carry
 * the branch to its next user; RLS (DESIGN §3) does the filtering, not this code.
 *
 * BEGIN and both set_config calls travel in the same write as the unit of work's first statement
 * (server/db/pool.ts, statements sent ahead; one simple-protocol message of their own where the
 * pool's clients cannot): a unit of work then costs the round trips of its own statements plus
 * its COMMIT. The values are inlined only after validation (an integer, and an id of a fixed
 * alphabet).
 */
export async function withBranch<T>(
  db: SystemDb | Kysely<Database>,
  branchId: number,
  actor: Actor,
  fn: (trx: BranchTransaction) => Promise<T>,
): Promise<T> {
  const { result, readAudits: rows } = await withBranchUnaudited(db, branchId, actor, fn);
  // The unit of work has given back its connection and its branch slot: waiting for the batch
  // holds neither (a batch needs a connection of the same pool).
  if (rows.length > 0) await appendReadAudits(db, branchId, actor, rows);
  return result;
}

/**
 * withBranch without writing the read-audit rows the unit of work queued: they are handed back,
 * for a caller that writes them elsewhere (a read served by a standby: server/db/read-replica.ts).
 * Its answer must not leave before appendReadAudits has returned for them.
 */
export async function withBranchUnaudited<T>(
  db: SystemDb | Kysely<Database>,
  branchId: number,
  actor: Actor,
  fn: (trx: BranchTransaction) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<Audited<T>> {
  if (!Number.isSafeInteger(branchId) || branchId <= 0) throw new Error('withBranch: invalid branch id');
  if (!ACTOR_ID.test(actor.id)) throw new Error('withBranch: invalid actor id');
  const settings = `SELECT set_config('app.current_branch', '${branchId}', true), set_config('app.current_actor', '${actor.kind}:${actor.id}', true)`;
  const ahead = sendsStatementsAhead(db);
  const work =
    options.readOnly && ahead
      ? () => readOnlyUnit(db, settings, fn)
      : () => unitOfWork(db, sql.raw(ahead ? aheadOfNext(['BEGIN', settings]) : `BEGIN; ${settings}`), fn);
  const limiter = branchLimiterOf(db);
  return limiter ? limiter.run(branchId, work) : work();
}

/**
 * A unit of work that only reads, without BEGIN and COMMIT: the branch's settings are sent ahead
 * of each of its statements, in the same write, and each pair runs as one implicit transaction
 * (extended protocol, up to the pair's Sync), read-only. Under READ COMMITTED each statement of a
 * transaction takes its own snapshot anyway, so the statements see what they would have seen in
 * one; RLS filters every one of them by the same transaction-local setting as in withBranch, which
 * ends with the statement. A read then costs one round trip per statement. The settings stop at
 * the end of the unit of work, and the pool drops them at every checkout and release.
 */
async function readOnlyUnit<T>(db: SystemDb | Kysely<Database>, settings: string, fn: (trx: BranchTransaction) => Promise<T>): Promise<Audited<T>> {
  return (db as Kysely<Database>).connection().execute(async (conn) => {
    await sql.raw(aheadOfEach(`${settings}, set_config('transaction_read_only', 'on', true)`)).execute(conn);
    let result: T;
    try {
      result = await fn(conn as unknown as BranchTransaction);
    } catch (e) {
      readAudits.delete(conn);
      throw e;
    } finally {
      await sql.raw(aheadEnd()).execute(conn);
    }
    const rows = readAudits.get(conn) ?? [];
    readAudits.delete(conn);
    return { result, readAudits: rows };
  });
}

/** Writes read-audit rows through the read-audit batch of `db` (the primary); resolves once they are durable. */
export function appendReadAudits(db: SystemDb | Kysely<Database>, branchId: number, actor: Actor, rows: readonly ReadAuditRow[]): Promise<void> {
  if (!Number.isSafeInteger(branchId) || branchId <= 0) throw new Error('withBranch: invalid branch id');
  if (!ACTOR_ID.test(actor.id)) throw new Error('withBranch: invalid actor id');
  return readAuditBatcherOf(db).append(branchId, `${actor.kind}:${actor.id}`, rows);
}

async function unitOfWork<T>(db: SystemDb | Kysely<Database>, begin: RawBuilder<unknown>, fn: (trx: BranchTransaction) => Promise<T>): Promise<Audited<T>> {
  return (db as Kysely<Database>).connection().execute(async (conn) => {
    await begin.execute(conn);
    let result: T;
    try {
      // A connection-bound Kysely inside our own BEGIN/COMMIT is a transaction in every way
      // the domain code can observe; the type says so.
      result = await fn(conn as unknown as BranchTransaction);
    } catch (e) {
      readAudits.delete(conn);
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw e;
    }
    const rows = readAudits.get(conn) ?? [];
    readAudits.delete(conn);
    try {
      // COMMIT of an aborted transaction answers ROLLBACK without an error: a unit of work that
      // swallowed a database error would be acknowledged and lost. The SELECT before it fails in
      // an aborted transaction, and a failing statement skips the rest of a simple query.
      // After the commit, in the same message, the change feed's live channel hears of it
      // (server/sync/sql/feed.sql: a NOTIFY inside the transaction would serialize writers).
      const queued = atCommit.get(conn) ?? [];
      const last = queued.map((x) => `${x.statement}; `).join('');
      const after = [...new Set(queued.flatMap((x) => (x.after === undefined ? [] : [x.after])))].map((x) => `; ${x}`).join('');
      await sql.raw(`SELECT 1; ${last}COMMIT; SELECT change_feed_announce()${after}`).execute(conn);
    } catch (e) {
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw e;
    }
    return { result, readAudits: rows };
  });
}
