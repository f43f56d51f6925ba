import { sql, type Kysely } from 'kysely';

/*
 * The chain trigger (2026-11-25T0300) finds a branch's newest row with
 * `… WHERE branch_id = $1 ORDER BY seq DESC LIMIT 1`. PL/pgSQL plans it once per session and keeps
 * the plan: planned while audit_events was small (a new database, or right after an ANALYZE of a
 * young one), that plan is a scan of the whole table and a sort, and every append then reads every
 * row. Measured: 18-row read-audit batches cost PostgreSQL 0.37 ms of CPU per row at 0–2,000 rows
 * and 4.6 ms per row at 18,000, until autovacuum's next ANALYZE invalidated the plan. With
 * sequential scans off for this one function the planner always takes the primary key
 * (branch_id, seq) backwards: one index probe per append, whatever the table's size or
 * statistics. The function's text, and so the chain, are unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER FUNCTION audit_events_chain() SET enable_seqscan = off`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
