import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { branchLimiterOf } from './branch-limiter';
import type { Database } from './database';
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

/**
 * The one way to reach patient tables: a transaction bound to a branch before its first
 * statement. set_config(..., true) is transaction-local, so a pooled connection cannot carry
 * the branch to its next user; RLS (DESIGN §3) does the filtering, not this code.
 *
 * BEGIN and both set_config calls travel as one simple-protocol message: a unit of work then
 * costs the same round trips as the bare statements in a transaction (bench/rls.ts measures it).
 * The values are inlined only after validation (an integer, and an id of a fixed alphabet).
 */
export async function withBranch<T>(
  db: SystemDb | Kysely<Database>,
  branchId: number,
  actor: Actor,
  fn: (trx: BranchTransaction) => Promise<T>,
): Promise<T> {
  if (!Number.isSafeInteger(branchId) || branchId <= 0) throw new Error('withBranch: invalid branch id');
  if (!ACTOR_ID.test(actor.id)) throw new Error('withBranch: invalid actor id');
  const begin = sql.raw(
    `BEGIN; SELECT set_config('app.current_branch', '${branchId}', true), set_config('app.current_actor', '${actor.kind}:${actor.id}', true)`,
  );
  const limiter = branchLimiterOf(db);
  if (limiter) return limiter.run(branchId, () => unitOfWork(db, begin, fn));
  return unitOfWork(db, begin, fn);
}

async function unitOfWork<T>(db: SystemDb | Kysely<Database>, begin: RawBuilder<unknown>, fn: (trx: BranchTransaction) => Promise<T>): Promise<T> {
  return (db as Kysely<Database>).connection().execute(async (conn) => {
    await begin.execute(conn);
    let result: T;
    try {
      // A connection-bound Kysely inside our own BEGIN/COMMIT is a transaction in every way
      // the domain code can observe; the type says so.
      result = await fn(conn as unknown as BranchTransaction);
    } catch (e) {
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw e;
    }
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
    return result;
  });
}
