import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

/*
 * The chain trigger finds a branch's newest row for every append. Planned while audit_events was
 * small, that lookup was a scan of the whole table, kept for the session: appends then cost in
 * proportion to the table (migration 2026-12-04T0120). Here the table is analyzed nearly empty,
 * then a fresh session appends: not one sequential scan of audit_events may happen.
 */
describe('audit chain head lookup', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 1 });
    f = await twoBranches(t.owner, 1);
  });
  after(() => t.close());

  test('appends find the newest row by the primary key, even when the statistics say the table is empty', async () => {
    await sql`ANALYZE audit_events`.execute(t.owner);
    const scans = await withBranch(t.app, f.north.id, { kind: 'client', id: 'plan' }, async (trx) => {
      for (let i = 0; i < 40; i++) await sql`SELECT audit_append('test.plan', NULL, NULL, NULL, ${JSON.stringify({ i })}::jsonb)`.execute(trx);
      return (await sql<{ n: string }>`SELECT pg_stat_get_xact_numscans('audit_events'::regclass) AS n`.execute(trx)).rows[0]!.n;
    });
    assert.equal(Number(scans), 0);
  });
});
