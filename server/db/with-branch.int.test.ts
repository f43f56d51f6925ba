import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from './with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

const actor = { kind: 'user', id: 'u1' } as const;

describe('withBranch', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  before(async () => {
    t = await createTestDatabase({ appPoolSize: 1 });
    f = await twoBranches(t.owner, 2);
  });
  after(() => t.close());

  test('binds branch and actor for the transaction only', async () => {
    const inside = await withBranch(t.app, f.south.id, actor, (trx) =>
      sql<{ b: string; a: string }>`SELECT current_setting('app.current_branch') AS b, current_setting('app.current_actor') AS a`.execute(trx),
    );
    assert.deepEqual(inside.rows[0], { b: String(f.south.id), a: 'user:u1' });
    const outside = await sql<{ b: string }>`SELECT current_setting('app.current_branch', true) AS b`.execute(t.app);
    assert.equal(outside.rows[0]!.b, '');
  });

  test('a thrown error rolls the whole unit back', async () => {
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, async (trx) => {
        await trx.updateTable('patients').set({ bed: 'ROLLED-BACK' }).execute();
        throw new Error('boom');
      }),
      /boom/,
    );
    const beds = await withBranch(t.app, f.north.id, actor, (trx) => trx.selectFrom('patients').select('bed').execute());
    assert.ok(beds.every((b) => b.bed !== 'ROLLED-BACK'));
  });

  test('a swallowed database error is never acknowledged as committed', async () => {
    await assert.rejects(
      withBranch(t.app, f.north.id, actor, async (trx) => {
        await trx.updateTable('patients').set({ bed: 'LOST' }).execute();
        await sql`SELECT 1 / 0`.execute(trx).catch(() => {});
        return 'acknowledged';
      }),
      (e: { code?: string }) => e.code === '25P02',
    );
    const beds = await withBranch(t.app, f.north.id, actor, (trx) => trx.selectFrom('patients').select('bed').execute());
    assert.ok(beds.every((b) => b.bed !== 'LOST'));
  });

  test('refuses an invalid branch id or actor id before touching the database', async () => {
    await assert.rejects(withBranch(t.app, 0, actor, async () => 1), /invalid branch/);
    await assert.rejects(withBranch(t.app, Number.NaN, actor, async () => 1), /invalid branch/);
    await assert.rejects(withBranch(t.app, 1, { kind: 'user', id: "x'; DROP TABLE patients; --" }, async () => 1), /invalid actor/);
  });
});
