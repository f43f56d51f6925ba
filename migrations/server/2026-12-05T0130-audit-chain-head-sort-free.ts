import { sql, type Kysely } from 'kysely';

/*
 * The chain trigger's newest-row lookup (`… WHERE branch_id = $1 ORDER BY seq DESC LIMIT 1`) again
 * (issue 18; 2026-12-04T0120 kept it off sequential scans). In bench fhir the read-audit batch's
 * session cached a generic plan made while audit_events was young (about one row per branch in
 * its statistics): any index with branch_id first looked as good as the primary key, and the plan
 * took the entity index and a sort, reading every row of the branch at each append. At 1,200
 * rows per branch that lookup was 0.4 ms of the 0.65 ms an audit row cost, and the one batch
 * connection was busy all the time (auto_explain: 13 ms lookups reading 1,191 rows).
 * The primary key (branch_id, seq) is the only path that gives the order without sorting: with
 * sorts off for this function the planner takes it whatever the statistics, custom or generic.
 * The function's text, and so the chain, are unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER FUNCTION audit_events_chain() SET enable_sort = off`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
