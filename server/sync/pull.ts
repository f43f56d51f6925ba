import { sql } from 'kysely';
import type { PullResponse } from '../../contract/sync';
import { currentBranchId, type BranchTransaction } from '../db/with-branch';

/**
 * A page of the branch's change feed after `cursor`. Feed numbers are drawn in commit order
 * within a branch (an advisory lock per branch, see the migration), so `seq > cursor` never
 * skips a change that commits later. The branch is the transaction's (RLS); `branch_id = …`
 * only lets the primary key serve the range scan.
 */
export async function pullChanges(trx: BranchTransaction, cursor: string, limit: number): Promise<PullResponse> {
  const page = await pullChangesJson(trx, cursor, limit);
  return JSON.parse(page.json) as PullResponse;
}

/**
 * The same page as JSON text: each row's stored jsonb comes as text and is spliced in unparsed.
 * A ward's bootstrap is tens of thousands of rows; parsing and re-serializing each in Node
 * would dominate it.
 */
export async function pullChangesJson(trx: BranchTransaction, cursor: string, limit: number): Promise<{ json: string; count: number; cursor: string; more: boolean }> {
  const r = await sql<{ seq: string; entity: string; id: string; data: string }>`
    SELECT seq::text AS seq, entity, entity_id::text AS id, data::text AS data FROM change_feed
     WHERE branch_id = ${currentBranchId()} AND seq > ${cursor}::bigint
     ORDER BY change_feed.seq LIMIT ${limit + 1}`.execute(trx);
  const more = r.rows.length > limit;
  const rows = more ? r.rows.slice(0, limit) : r.rows;
  // seq, entity and id are digits, a fixed word and a uuid: nothing to escape; data is JSON text.
  const parts = rows.map((x) => `{"seq":"${x.seq}","entity":"${x.entity}","id":"${x.id}","data":${x.data}}`);
  const next = rows.at(-1)?.seq ?? cursor;
  return { json: `{"changes":[${parts.join(',')}],"cursor":"${next}","more":${more}}`, count: rows.length, cursor: next, more };
}

/** The branch's newest feed number ('0' when empty). */
export async function feedHead(trx: BranchTransaction): Promise<string> {
  const r = await trx
    .selectFrom('change_feed')
    .select(sql<string>`coalesce(max(seq), 0)::text`.as('head'))
    .where('branch_id', '=', currentBranchId())
    .executeTakeFirst();
  return r?.head ?? '0';
}
