import { sql } from 'kysely';
import type { PullResponse } from '../../contract/sync';
import type { BranchTransaction } from '../db/with-branch';

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
 * The same page as JSON text, assembled by PostgreSQL from the stored jsonb: a ward's bootstrap
 * is tens of thousands of rows, and parsing and re-serializing each in Node would dominate it.
 */
export async function pullChangesJson(trx: BranchTransaction, cursor: string, limit: number): Promise<{ json: string; count: number; cursor: string }> {
  const r = await sql<{ json: string; count: number; last: string | null; more: boolean }>`
    WITH page AS (
      SELECT seq, entity, entity_id, data FROM change_feed
       WHERE branch_id = nullif(current_setting('app.current_branch', true), '')::int AND seq > ${cursor}::bigint
       ORDER BY seq LIMIT ${limit + 1}
    ), shown AS (SELECT * FROM page ORDER BY seq LIMIT ${limit})
    SELECT coalesce(json_agg(json_build_object('seq', seq::text, 'entity', entity, 'id', entity_id, 'data', data) ORDER BY seq), '[]')::text AS json,
           count(*)::int AS count, max(seq)::text AS last,
           (SELECT count(*) FROM page) > ${limit} AS more
      FROM shown`.execute(trx);
  const row = r.rows[0]!;
  const next = row.last ?? cursor;
  return { json: `{"changes":${row.json},"cursor":${JSON.stringify(next)},"more":${row.more}}`, count: row.count, cursor: next };
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
