import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemoHospital } from '../../contract/demo/hospital';
import { verifyPassword } from '../auth/password';
import { withBranch } from '../db/with-branch';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { DEMO_PASSWORD, seedDemo, type SeedReport } from './seed';

const admin = { kind: 'admin', id: 'test' } as const;

describe('demo seed', () => {
  let t: TestDatabase;
  let report: SeedReport;
  before(async () => {
    t = await createTestDatabase();
    report = await seedDemo(t.owner, { patientsPerBranch: 20, labsPerPatient: 6 });
  });
  after(() => t.close());

  test('seeds the generator\'s hospital: branches, staff and every patient', async () => {
    const hospital = generateDemoHospital({ patientsPerBranch: 20, labsPerPatient: 6 });
    assert.equal(report.seeded, true);
    assert.equal(report.patients, hospital.patients.length);
    const branches = await t.owner.selectFrom('branches').select('code').orderBy('code').execute();
    assert.deepEqual(branches.map((b) => b.code), ['north', 'south']);
    const users = await t.owner.selectFrom('users').select(['username', 'password_hash']).execute();
    for (const name of ['dr.north', 'dr.south', 'nurse.north', 'it.admin']) {
      const u = users.find((x) => x.username === name);
      assert.ok(u, name);
      assert.ok(await verifyPassword(DEMO_PASSWORD, u.password_hash));
    }
    let inDb = 0;
    for (const b of await t.owner.selectFrom('branches').select('id').execute()) {
      inDb += (await withBranch(t.owner, b.id, admin, (trx) => trx.selectFrom('patients').select('id').execute())).length;
    }
    assert.equal(inDb, hospital.patients.length);
  });

  test('the hard cases survive the round trip through PostgreSQL', async () => {
    const hospital = generateDemoHospital({ patientsPerBranch: 20, labsPerPatient: 6 });
    const north = await t.owner.selectFrom('branches').select('id').where('code', '=', 'north').executeTakeFirstOrThrow();
    const south = await t.owner.selectFrom('branches').select('id').where('code', '=', 'south').executeTakeFirstOrThrow();
    const shared = hospital.patients.filter((p) => p.tags.includes('shared-national-id'));
    assert.ok(shared.length >= 2);
    const nid = shared[0]!.nationalId;
    for (const b of [north, south]) {
      const rows = await withBranch(t.owner, b.id, admin, (trx) => trx.selectFrom('patients').select(['branch_id']).where('national_id', '=', nid).execute());
      assert.equal(rows.length, 1, 'each branch sees exactly its own record of the shared national id');
      assert.equal(rows[0]!.branch_id, b.id);
    }
    // Names in every script come back byte-identical.
    for (const p of hospital.patients.filter((x) => x.branchCode === 'north').slice(0, 20)) {
      const row = await withBranch(t.owner, north.id, admin, (trx) =>
        trx.selectFrom('patients').select(['family_name', 'given_names', 'birth_date']).where('id', '=', p.key).executeTakeFirstOrThrow(),
      );
      assert.deepEqual(row, { family_name: p.familyName, given_names: p.givenNames, birth_date: p.birthDate });
    }
    const early = await withBranch(t.owner, north.id, admin, (trx) =>
      trx.selectFrom('observations').select(['subject_mrn']).where('patient_id', 'is', null).execute(),
    );
    assert.ok(early.length > 0, 'results that arrived before their patient keep their subject MRN');
    assert.ok(early.every((o) => o.subject_mrn));
  });

  test('seeding again changes nothing', async () => {
    const again = await seedDemo(t.owner, { patientsPerBranch: 20 });
    assert.equal(again.seeded, false);
  });
});
