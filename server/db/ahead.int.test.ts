import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { sendsStatementsAhead } from './pool';
import { withBranch, withBranchUnaudited } from './with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

/*
 * Statements sent ahead (server/db/pool.ts): withBranch's BEGIN and settings in the same write as
 * the unit of work's first statement, and read-only units whose every statement carries the
 * branch's settings in its own implicit transaction. One connection, so that every unit of work
 * reuses the connection the one before it left.
 */

const actor = { kind: 'user', id: 'u1' } as const;
const readOnly = { readOnly: true } as const;

describe('statements sent ahead', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 1 });
    f = await twoBranches(t.owner, 3);
  });
  after(() => t.close());

  const setting = async () =>
    (await sql<{ b: string | null; tx: string }>`SELECT current_setting('app.current_branch', true) AS b, pg_current_xact_id_if_assigned()::text AS tx`.execute(t.app)).rows[0]!;

  test('the app pool sends them', () => {
    assert.equal(sendsStatementsAhead(t.app), true);
  });

  test('a read-only unit binds every one of its statements, with or without parameters, and nothing after it', async () => {
    const { result } = await withBranchUnaudited(
      t.app,
      f.south.id,
      actor,
      async (trx) => {
        const a = await sql<{ b: string; a: string }>`SELECT current_setting('app.current_branch') AS b, current_setting('app.current_actor') AS a`.execute(trx);
        const ids = await trx.selectFrom('patients').select('id').where('mrn', '<>', `${'x'}`).execute();
        const b = await sql<{ b: string }>`SELECT current_setting('app.current_branch') AS b WHERE ${1}::int = 1`.execute(trx);
        return { a: a.rows[0], ids: ids.map((r) => r.id).sort(), b: b.rows[0]!.b };
      },
      readOnly,
    );
    assert.deepEqual(result.a, { b: String(f.south.id), a: 'user:u1' });
    assert.deepEqual(result.ids, [...f.south.patientIds].sort(), 'RLS filters each statement by the unit\'s branch');
    assert.equal(result.b, String(f.south.id));
    const after = await setting();
    assert.equal(after.b ?? '', '', 'the setting ended with the statement');
  });

  test('a read-only unit cannot write', async () => {
    await assert.rejects(
      withBranchUnaudited(t.app, f.north.id, actor, (trx) => trx.updateTable('patients').set({ bed: 'X' }).execute(), readOnly),
      /read-only transaction/,
    );
    const beds = await withBranch(t.app, f.north.id, actor, (trx) => trx.selectFrom('patients').select('bed').execute());
    assert.ok(beds.every((b) => b.bed !== 'X'));
  });

  test('interleaved units of two branches on one connection never see each other\'s rows', async () => {
    const seen = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const b = i % 2 ? f.north : f.south;
        const run = async () => (await withBranch(t.app, b.id, actor, (trx) => trx.selectFrom('patients').select('id').execute())).map((r) => r.id);
        const runRead = async () =>
          (await withBranchUnaudited(t.app, b.id, actor, (trx) => trx.selectFrom('patients').select('id').execute(), readOnly)).result.map((r) => r.id);
        return (i % 4 < 2 ? run() : runRead()).then((ids) => ({ b, ids }));
      }),
    );
    for (const { b, ids } of seen) assert.deepEqual(ids.sort(), [...b.patientIds].sort());
    assert.equal((await setting()).b ?? '', '');
  });

  test('a unit of work whose first statement fails rolls back and leaves the connection clean', async () => {
    for (let i = 0; i < 2; i++) {
      // The same prepared statement twice: its failed Parse must not be remembered as done.
      await assert.rejects(
        withBranch(t.app, f.north.id, actor, (trx) => sql`SELECT ${i}::int AS n FROM no_such_table`.execute(trx)),
        /no_such_table/,
      );
      await assert.rejects(
        withBranchUnaudited(t.app, f.north.id, actor, (trx) => sql`SELECT ${i}::int AS n FROM no_such_table_either`.execute(trx), readOnly),
        /no_such_table_either/,
      );
    }
    const s = await setting();
    assert.equal(s.b ?? '', '');
    assert.equal(s.tx, null, 'no transaction left open');
    const n = await withBranch(t.app, f.north.id, actor, (trx) => trx.selectFrom('patients').select('id').execute());
    assert.equal(n.length, 3);
  });

  test('a unit of work that runs no statement sends nothing for its BEGIN', async () => {
    assert.equal(await withBranch(t.app, f.north.id, actor, async () => 'nothing'), 'nothing');
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, async () => {
        throw new Error('before any statement');
      }),
      /before any statement/,
    );
    assert.equal((await setting()).b ?? '', '');
  });
});
