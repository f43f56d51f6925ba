import { sql } from 'kysely';
import type { Change, FeedEntity, PullResponse } from '../../contract/sync';
import type { BranchTransaction } from '../db/with-branch';

/**
 * A page of the branch's change feed after `cursor`. Feed numbers are drawn in commit order
 * within a branch (an advisory lock per branch, see the migration), so `seq > cursor` never
 * skips a change that commits later. The branch is the transaction's (RLS); `branch_id = …`
 * only lets the primary key serve the range scan.
 */
export async function pullChanges(trx: BranchTransaction, cursor: string, limit: number): Promise<PullResponse> {
  const rows = await trx
    .selectFrom('change_feed')
    .select(['seq', 'entity', 'entity_id', 'data'])
    .where('branch_id', '=', sql<number>`nullif(current_setting('app.current_branch', true), '')::int`)
    .where('seq', '>', cursor)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const changes: Change[] = page.map((r) => ({
    seq: String(r.seq),
    entity: r.entity as FeedEntity,
    id: r.entity_id,
    data: r.data as Record<string, unknown>,
  }));
  return { changes, cursor: changes.at(-1)?.seq ?? cursor, more };
}

/** The branch's newest feed number ('0' when empty). */
export async function feedHead(trx: BranchTransaction): Promise<string> {
  const r = await trx
    .selectFrom('change_feed')
    .select(sql<string>`coalesce(max(seq), 0)::text`.as('head'))
    .where('branch_id', '=', sql<number>`nullif(current_setting('app.current_branch', true), '')::int`)
    .executeTakeFirst();
  return r?.head ?? '0';
}
