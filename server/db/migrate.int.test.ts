import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { serverMigrations } from '../../migrations/server/index';
import { migrateToLatest } from './migrate';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { assertLeastPrivilege } from './least-privilege';

async function schemaFingerprint(db: Kysely<any>): Promise<string> {
  const cols = await sql<{ s: string }>`
    SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable, ',' ORDER BY table_name, column_name) AS s
      FROM information_schema.columns WHERE table_schema = 'public'`.execute(db);
  const pols = await sql<{ s: string }>`SELECT string_agg(tablename || ':' || policyname, ',' ORDER BY 1) AS s FROM pg_policies`.execute(db);
  return `${cols.rows[0]!.s}|${pols.rows[0]!.s}`;
}

describe('server migrations', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.close());

  test('every registered migration was applied, in order', async () => {
    const r = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(t.owner);
    assert.deepEqual(r.rows.map((x) => x.name), Object.keys(serverMigrations).sort());
    assert.deepEqual(Object.keys(serverMigrations), Object.keys(serverMigrations).sort(), 'registry is in date order');
  });

  test('migrating an already migrated database again is a no-op', async () => {
    const before = await schemaFingerprint(t.owner);
    const report = await migrateToLatest(t.ownerUrl, t.appUrl);
    assert.deepEqual(report.applied, []);
    assert.equal(await schemaFingerprint(t.owner), before);
  });

  test('the run-time role passes the least-privilege check; the owner does not', async () => {
    await assertLeastPrivilege(t.app);
    await assert.rejects(assertLeastPrivilege(t.owner), /least-privileged/);
  });

  test('the app URL cannot be the owner', async () => {
    await assert.rejects(migrateToLatest(t.ownerUrl, t.ownerUrl), /must not be the owner/);
  });
});
