import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { addBranch } from '../admin/branches';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

/*
 * The chain trigger finds a branch's newest row for every append. Planned while audit_events was
 * small, that lookup was a scan of the whole table, kept for the session: appends then cost in
 * proportion to the table (migration 2026-12-04T0120). Here the table is analyzed nearly empty,
 * then a fresh session appends: not one sequential scan of audit_events may happen.
 */
const APPENDS = 40;

describe('audit chain head lookup', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 1 });
    f = await twoBranches(t.owner, 1);
  });
  after(() => t.close());

  test('appends find the newest row by the primary key, even when the statistics say the table is empty', async () => {
    // A young cluster's audit table, as a benchmark's or a new deployment's: a few rows in each of
    // 20 branches when it is analyzed.
    for (let b = 0; b < 18; b++) await addBranch(t.owner, `young${b}`, `Young ${b}`);
    for (const b of (await sql<{ id: number }>`SELECT id FROM branches`.execute(t.owner)).rows) {
      await withBranch(t.owner, b.id, { kind: 'admin', id: 'plan' }, async (trx) => {
        for (let i = 0; i < 2; i++) await sql`SELECT audit_append('test.young', NULL, NULL, NULL, '{}'::jsonb)`.execute(trx);
      });
    }
    await sql`ANALYZE audit_events`.execute(t.owner);
    const { scans, fetched } = await withBranch(t.app, f.north.id, { kind: 'client', id: 'plan' }, async (trx) => {
      await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
      for (let i = 0; i < APPENDS; i++) await sql`SELECT audit_append('test.plan', NULL, NULL, NULL, ${JSON.stringify({ i })}::jsonb)`.execute(trx);
      const r = await sql<{ scans: string; fetched: string }>`
        SELECT pg_stat_get_xact_numscans('audit_events'::regclass) AS scans, coalesce(idx_tup_fetch, 0) AS fetched
          FROM pg_stat_xact_user_tables WHERE relid = 'audit_events'::regclass`.execute(trx);
      return { scans: Number(r.rows[0]!.scans), fetched: Number(r.rows[0]!.fetched) };
    });
    assert.equal(scans, 0, 'no sequential scan');
    // One row read per append (the newest one); a plan through another index of the branch and a
    // sort (PL/pgSQL's generic plan, made while the table looked empty) read every earlier row of
    // the branch at each append: APPENDS^2 / 2 in all (migration 2026-12-05T0130).
    assert.ok(fetched <= APPENDS * 2, `${fetched} rows read for ${APPENDS} appends`);
  });
});
