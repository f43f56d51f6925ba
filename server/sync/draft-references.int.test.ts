import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches, type TwoBranches } from '../testing/fixtures';

/*
 * What note_drafts' foreign keys to patients and users guaranteed, now held by a statement
 * trigger and by patients and users never losing a row or a key (migration
 * 2026-12-04T0240-draft-references-per-statement): each refusal a foreign key gave, still given.
 */
describe('note drafts reference a patient of their branch and an existing author', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let author: number;
  const admin = { kind: 'admin', id: 'test' } as const;
  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 4);
    author = (await t.owner.selectFrom('users').select('id').where('username', '=', 'dr.north').executeTakeFirstOrThrow()).id;
  });
  after(() => t.close());

  const insert = (rows: { patient: string; author?: number }[]) =>
    withBranch(t.app, f.north.id, admin, (trx) =>
      trx
        .insertInto('note_drafts')
        .values(rows.map((r) => ({ branch_id: f.north.id, id: randomUUID(), patient_id: r.patient, author_user_id: r.author ?? author, text: 'x' })))
        .execute(),
    );
  const count = () => withBranch(t.owner, f.north.id, admin, async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM note_drafts`.execute(trx)).rows[0]!.n);

  test('a draft of a known patient and author is written', async () => {
    const before = await count();
    await insert([{ patient: f.north.patientIds[0]! }, { patient: f.north.patientIds[1]! }]);
    assert.equal(await count(), before + 2);
  });

  test('another branch\'s patient, an unknown patient or an unknown author refuses the whole statement', async () => {
    const before = await count();
    for (const bad of [{ patient: f.south.patientIds[0]! }, { patient: randomUUID() }, { patient: f.north.patientIds[0]!, author: 999_999 }]) {
      await assert.rejects(insert([{ patient: f.north.patientIds[1]! }, bad]), (e: { code?: string }) => e.code === '23503');
    }
    assert.equal(await count(), before);
  });

  test('a draft keeps its branch, patient and author', async () => {
    await insert([{ patient: f.north.patientIds[2]! }]);
    for (const set of [{ patient_id: f.north.patientIds[0]! }, { author_user_id: author + 1 }]) {
      await assert.rejects(
        withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('note_drafts').set(set).where('patient_id', '=', f.north.patientIds[2]!).execute()),
        (e: { code?: string }) => e.code === '23503',
      );
    }
    // Naming the same values again is no change.
    await withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('note_drafts').set({ patient_id: f.north.patientIds[2]!, author_user_id: author }).where('patient_id', '=', f.north.patientIds[2]!).execute());
  });

  test('patients and users are never deleted nor re-keyed, so no draft loses what it names', async () => {
    const refused = (e: { code?: string; message?: string }) => e.code === '23503' && /never deleted/.test(e.message ?? '');
    await assert.rejects(withBranch(t.owner, f.north.id, admin, (trx) => trx.deleteFrom('patients').where('id', '=', f.north.patientIds[0]!).execute()), refused);
    await assert.rejects(withBranch(t.owner, f.north.id, admin, (trx) => trx.updateTable('patients').set({ id: randomUUID() }).where('id', '=', f.north.patientIds[0]!).execute()), refused);
    // A user with no role, session or draft: nothing but the rule keeps it.
    const bare = (await t.owner.insertInto('users').values({ username: `bare-${randomUUID()}`, display_name: 'Bare', password_hash: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    await assert.rejects(t.owner.deleteFrom('users').where('id', '=', bare).execute(), refused);
    await assert.rejects(t.owner.updateTable('users').set({ id: 999_998 }).where('id', '=', bare).execute(), refused);
    // A patient no draft names is kept all the same (the check cannot race a draft being written).
    await assert.rejects(withBranch(t.owner, f.north.id, admin, (trx) => trx.deleteFrom('patients').where('id', '=', f.north.patientIds[3]!).execute()), /never deleted/);
  });
});
