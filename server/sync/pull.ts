import { sql } from 'kysely';
import type { PullResponse } from '../../contract/sync';
import { currentBranchId, type BranchTransaction } from '../db/with-branch';

/**
 * A page of the branch's change feed after `cursor`. Only numbers below the feed's horizon are
 * read (every transaction below it has ended; sql/feed.sql), so `seq > cursor` never skips a
 * change that commits later. The branch is the transaction's (RLS); `branch_id = …` only lets
 * the primary key serve the range scan.
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
       AND seq < (SELECT change_feed_horizon())
     ORDER BY change_feed.seq LIMIT ${limit + 1}`.execute(trx);
  const more = r.rows.length > limit;
  const rows = more ? r.rows.slice(0, limit) : r.rows;
  // seq, entity and id are digits, a fixed word and a uuid: nothing to escape; data is JSON text.
  const parts = rows.map((x) => `{"seq":"${x.seq}","entity":"${x.entity}","id":"${x.id}","data":${x.data}}`);
  const next = rows.at(-1)?.seq ?? cursor;
  return { json: `{"changes":[${parts.join(',')}],"cursor":"${next}","more":${more}}`, count: rows.length, cursor: next, more };
}

/**
 * The branch's newest pullable feed number ('0' when empty), and the horizon: numbers at or
 * above it may still be written by transactions that have not ended. The horizon is computed
 * once (MATERIALIZED): it reads the backends afresh on each call, and a planner that inlined it
 * into each reference could compare and report different horizons in one statement.
 */
export async function feedHead(trx: BranchTransaction): Promise<{ head: string; horizon: string }> {
  const r = await sql<{ head: string; horizon: string }>`
    WITH h AS MATERIALIZED (SELECT change_feed_horizon() AS horizon)
    SELECT coalesce((SELECT max(seq) FROM change_feed WHERE branch_id = ${currentBranchId()} AND seq < h.horizon), 0)::text AS head,
           h.horizon::text AS horizon
      FROM h`.execute(trx);
  return r.rows[0] ?? { head: '0', horizon: '0' };
}
