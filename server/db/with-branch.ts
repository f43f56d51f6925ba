import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database';

/** Who acts: written to app.current_actor for the database's own use (e.g. audit triggers). */
export interface Actor {
  kind: 'user' | 'client' | 'station' | 'system' | 'admin';
  id: string;
}

export type BranchTransaction = Transaction<Database>;

/**
 * The one way to reach patient tables: a transaction whose first statement binds it to a
 * branch. set_config(..., true) is transaction-local, so a pooled connection cannot carry the
 * branch to its next user; RLS (DESIGN §3) does the filtering, not this code.
 */
export async function withBranch<T>(
  db: Kysely<Database>,
  branchId: number,
  actor: Actor,
  fn: (trx: BranchTransaction) => Promise<T>,
): Promise<T> {
  if (!Number.isSafeInteger(branchId) || branchId <= 0) throw new Error('withBranch: invalid branch id');
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('app.current_branch', ${String(branchId)}, true),
                     set_config('app.current_actor', ${`${actor.kind}:${actor.id}`}, true)`.execute(trx);
    return fn(trx);
  });
}
