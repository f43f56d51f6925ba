import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createKysely, createPool } from './pool';
import type { Database } from './database';
import { withBranch } from './with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

const actor = { kind: 'user', id: 'test' } as const;

describe('branch row-level security', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 6);
  });
  after(() => t.close());

  test('a query with no branch filter sees only its own branch', async () => {
    const rows = await withBranch(t.app, f.north.id, actor, (trx) => trx.selectFrom('patients').select(['id', 'branch_id']).execute());
    assert.equal(rows.length, 6);
    assert.ok(rows.every((r) => r.branch_id === f.north.id));
    assert.deepEqual(rows.map((r) => r.id).sort(), [...f.north.patientIds].sort());
  });

  test('the same national identifier in both branches: each sees only its own record', async () => {
    for (const b of [f.north, f.south]) {
      const rows = await withBranch(t.app, b.id, actor, (trx) =>
        trx.selectFrom('patients').select(['id', 'branch_id']).where('national_id', '=', f.sharedNationalId).execute(),
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.branch_id, b.id);
    }
  });

  test('an unset branch sees zero rows, never an error, also on a connection a branch used before', async () => {
    const pool = createPool({ connectionString: t.appUrl, max: 1 });
    const db = createKysely<Database>(pool);
    try {
      assert.equal((await db.selectFrom('patients').selectAll().execute()).length, 0);
      await withBranch(db, f.north.id, actor, (trx) => trx.selectFrom('patients').selectAll().execute());
      // Same single connection: the setting is now defined as '' and must still mean "no branch".
      const setting = await sql<{ v: string | null }>`SELECT current_setting('app.current_branch', true) AS v`.execute(db);
      assert.equal(setting.rows[0]!.v, '');
      assert.equal((await db.selectFrom('patients').selectAll().execute()).length, 0);
      assert.equal((await db.selectFrom('observations').selectAll().execute()).length, 0);
    } finally {
      await db.destroy();
    }
  });

  test('an unset branch cannot insert', async () => {
    await assert.rejects(
      // The type forbids this (no patient tables outside withBranch); RLS must refuse it anyway.
      (t.app as unknown as Kysely<Database>).insertInto('patients').values({ branch_id: f.north.id, mrn: 'X1', family_name: 'X', given_names: [], sex: 'unknown' }).execute(),
      (e: { code?: string }) => e.code === '42501',
    );
  });

  test('writing a row of another branch is refused; rows of another branch cannot be changed', async () => {
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, (trx) =>
        trx.insertInto('patients').values({ branch_id: f.south.id, mrn: 'X2', family_name: 'X', given_names: [], sex: 'unknown' }).execute(),
      ),
      (e: { code?: string }) => e.code === '42501',
    );
    const updated = await withBranch(t.app, f.north.id, actor, (trx) =>
      trx.updateTable('patients').set({ family_name: 'Changed' }).where('id', '=', f.south.patientIds[0]!).executeTakeFirst(),
    );
    assert.equal(updated.numUpdatedRows, 0n);
    // Moving an own row into another branch fails the WITH CHECK.
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, (trx) =>
        trx.updateTable('patients').set({ branch_id: f.south.id }).where('id', '=', f.north.patientIds[1]!).execute(),
      ),
      (e: { code?: string }) => e.code === '42501',
    );
    const south = await withBranch(t.app, f.south.id, actor, (trx) =>
      trx.selectFrom('patients').select('family_name').where('id', '=', f.south.patientIds[0]!).executeTakeFirstOrThrow(),
    );
    assert.notEqual(south.family_name, 'Changed');
  });

  test('administrators are bound too: the owner role sees nothing without a branch', async () => {
    assert.equal((await t.owner.selectFrom('patients').selectAll().execute()).length, 0);
    const rows = await withBranch(t.owner, f.south.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('patients').select('branch_id').execute());
    assert.ok(rows.length > 0 && rows.every((r) => r.branch_id === f.south.id));
  });

  test('the app role cannot switch RLS off, change policies or escape its role', async () => {
    const attempts = [
      sql`ALTER TABLE patients DISABLE ROW LEVEL SECURITY`,
      sql`ALTER TABLE patients NO FORCE ROW LEVEL SECURITY`,
      sql`DROP POLICY branch_isolation ON patients`,
      sql`ALTER POLICY branch_isolation ON patients USING (true)`,
      sql`CREATE POLICY open ON patients USING (true)`,
      sql`SET ROLE ${sql.id(t.name + '_owner')}`,
      sql`SET row_security = off`,
      sql`TRUNCATE patients`,
      sql`DELETE FROM audit_events`,
      sql`UPDATE audit_events SET action = 'x'`,
      sql`ALTER TABLE audit_events DISABLE TRIGGER ALL`,
      sql`CREATE TABLE sneaky (id int)`,
    ];
    for (const q of attempts) {
      // Each inside a branch, where the role has the most it can ever have.
      await assert.rejects(
        withBranch(t.app, f.north.id, actor, async (trx) => {
          await q.execute(trx);
          // row_security = off does not error by itself; it errors when a query would be filtered.
          await trx.selectFrom('patients').selectAll().execute();
        }),
        `must be refused: ${q.compile(t.app).sql}`,
      );
    }
    const r = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
      SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`.execute(t.app);
    assert.deepEqual(r.rows[0], { rolsuper: false, rolbypassrls: false });
  });

  test('every table with patient data is isolated: branch_id, RLS enabled and forced, one USING + WITH CHECK policy', async () => {
    const tables = await sql<{ table_name: string }>`
      SELECT DISTINCT table_name FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name IN ('patient_id', 'branch_id')
         AND table_name NOT IN ('wards', 'stations', 'sessions', 'api_clients', 'user_branch_roles')`.execute(t.owner);
    const names = tables.rows.map((r) => r.table_name);
    assert.ok(names.includes('patients') && names.includes('observations') && names.includes('audit_events'));
    for (const name of names) {
      const c = await sql<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>`
        SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ${name} AND relnamespace = 'public'::regnamespace`.execute(t.owner);
      assert.deepEqual(c.rows[0], { relrowsecurity: true, relforcerowsecurity: true }, name);
      const p = await sql<{ qual: string; with_check: string }>`
        SELECT qual, with_check FROM pg_policies WHERE tablename = ${name}`.execute(t.owner);
      assert.equal(p.rows.length, 1, `${name} has exactly one policy`);
      for (const expr of [p.rows[0]!.qual, p.rows[0]!.with_check]) {
        assert.match(expr, /NULLIF\(current_setting\('app\.current_branch'::text, true\), ''::text\)\)::integer/, name);
      }
    }
  });

  test('10,000 interleaved requests from two branches on a pool of two connections never cross', async () => {
    const pool = createPool({ connectionString: t.appUrl, max: 2 });
    const db = createKysely<Database>(pool);
    const expected = new Map([
      [f.north.id, new Set(f.north.patientIds)],
      [f.south.id, new Set(f.south.patientIds)],
    ]);
    let crossed = 0;
    let checked = 0;
    try {
      const total = 10_000;
      let next = 0;
      // 16 concurrent callers contend for 2 connections; branches alternate request by request.
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < total) {
            const i = next++;
            const branchId = i % 2 === 0 ? f.north.id : f.south.id;
            const rows = await withBranch(db, branchId, actor, (trx) => trx.selectFrom('patients').select(['id', 'branch_id']).execute());
            checked++;
            const own = expected.get(branchId)!;
            if (rows.length !== own.size || rows.some((r) => r.branch_id !== branchId || !own.has(r.id))) crossed++;
          }
        }),
      );
    } finally {
      await db.destroy();
    }
    assert.equal(checked, 10_000);
    assert.equal(crossed, 0);
  });
});
