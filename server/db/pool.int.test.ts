import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createKysely, createPool, preparable } from './pool';
import type { Database } from './database';
import { withBranch } from './with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

const actor = { kind: 'user', id: 'u1' } as const;

describe('prepared statements per connection', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let db: Kysely<Database>;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 1 });
    f = await twoBranches(t.owner, 3);
    // One connection, at most two prepared statements.
    db = createKysely<Database>(createPool({ connectionString: t.appUrl, max: 1, preparedStatements: 2 }));
  });
  after(async () => {
    await db.destroy();
    await t.close();
  });

  const prepared = async () =>
    (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(db)).rows.map((r) => r.statement);

  test('a statement with parameters is prepared once and serves every branch under its own RLS', async () => {
    const count = (branch: number) =>
      withBranch(db, branch, actor, (trx) => sql<{ n: string }>`SELECT count(id) AS n FROM patients WHERE mrn <> ${'none'}`.execute(trx));
    const north = await count(f.north.id);
    const south = await count(f.south.id);
    assert.equal(Number(north.rows[0]!.n), 3);
    assert.equal(Number(south.rows[0]!.n), 3);
    // Executed often enough for PostgreSQL to settle on a generic plan: RLS still filters by the branch of each transaction.
    for (let i = 0; i < 8; i++) assert.equal(Number((await count(i % 2 ? f.north.id : f.south.id)).rows[0]!.n), 3);
    const patientsOfBoth = await withBranch(db, f.north.id, actor, (trx) => sql<{ n: string }>`SELECT count(id) AS n FROM patients WHERE branch_id = ${f.south.id}`.execute(trx));
    assert.equal(Number(patientsOfBoth.rows[0]!.n), 0, 'a prepared statement sees no other branch');
    assert.equal((await prepared()).filter((s) => s.includes('FROM patients WHERE mrn')).length, 1);
  });

  test('at most `preparedStatements` per connection; statements over `*` are never prepared', async () => {
    for (let i = 0; i < 5; i++) await sql.raw(`SELECT ${i} + $1::int AS n`).execute(db).catch(() => {});
    for (let i = 0; i < 5; i++) await sql`SELECT ${i}::int + 1 AS n, ${String(i)}::text AS s`.execute(db);
    await withBranch(db, f.north.id, actor, (trx) => sql`SELECT * FROM patients WHERE mrn = ${'x'}`.execute(trx));
    const names = await prepared();
    assert.ok(names.length <= 2, `${names.length} prepared`);
    assert.ok(!names.some((s) => s.includes('*')));
  });

  test('preparable', () => {
    assert.equal(preparable('SELECT count(*) FROM t WHERE a = $1'), true);
    assert.equal(preparable('SELECT * FROM t WHERE a = $1'), false);
    assert.equal(preparable('SELECT "t".* FROM t WHERE a = $1'), false);
    assert.equal(preparable('INSERT INTO t VALUES ($1) RETURNING *'), false);
  });
});
