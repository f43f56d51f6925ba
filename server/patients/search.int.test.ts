import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { generateDemoHospital, type DemoPatient } from '../../contract/demo/hospital';
import { PatientQuery } from '../../contract/patient';
import { foldSearch } from '../../contract/search';
import { EDGE_CASE_NAMES } from '../../contract/demo/names';
import { sql } from 'kysely';
import { withBranch } from '../db/with-branch';
import { seedDemo } from '../seed/seed';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { findPatients } from './repository';

/** The search's specification, in JS: the oracle the database must agree with (the contract's folding, shared with the station). */
const fold = foldSearch;
function matches(p: DemoPatient, q: string): boolean {
  const term = q.trim();
  if (!term) return true;
  return fold(p.familyName).startsWith(fold(term)) || p.mrn === term || p.nationalId === term;
}

const OPTIONS = { patientsPerBranch: 30, labsPerPatient: 0 };
const actor = { kind: 'user', id: 'prop' } as const;

describe('patient search (property-based, over the demo hospital)', () => {
  let t: TestDatabase;
  const hospital = generateDemoHospital(OPTIONS);
  const branchIds = new Map<string, number>();
  before(async () => {
    t = await createTestDatabase();
    await seedDemo(t.owner, OPTIONS);
    for (const b of await t.owner.selectFrom('branches').select(['id', 'code']).execute()) branchIds.set(b.code, b.id);
  });
  after(() => t.close());

  const search = (code: string, q: string) => withBranch(t.app, branchIds.get(code)!, actor, (trx) => findPatients(trx, q, 500));

  test('a prefix of any name, in any case, with or without diacritics, finds exactly the oracle\'s patients of that branch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...hospital.patients),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<'asis' | 'upper' | 'folded'>('asis', 'upper', 'folded'),
        async (patient, len, style) => {
          const chars = [...patient.familyName];
          let q = chars.slice(0, Math.min(len, chars.length)).join('');
          if (style === 'upper') q = q.toUpperCase();
          if (style === 'folded') q = fold(q);
          if (!q.trim()) return;
          for (const code of ['north', 'south']) {
            const got = (await search(code, q)).map((p) => p.id).sort();
            const want = hospital.patients.filter((p) => p.branchCode === code && matches(p, q)).map((p) => p.key).sort();
            assert.deepEqual(got, want, `q=${JSON.stringify(q)} branch=${code}`);
          }
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
  });

  test('MRN and the national identifier match exactly; the shared national id yields one record per branch', async () => {
    const shared = hospital.patients.filter((p) => p.tags.includes('shared-national-id'));
    for (const p of shared) {
      const found = await search(p.branchCode, p.nationalId);
      assert.ok(found.some((x) => x.id === p.key));
      assert.ok(found.every((x) => hospital.patients.find((h) => h.key === x.id)?.branchCode === p.branchCode));
    }
    const one = hospital.patients[3]!;
    assert.deepEqual((await search(one.branchCode, one.mrn)).map((p) => p.id), [one.key]);
  });

  test('any accepted query string: never an error, never a row of the other branch', async () => {
    const own = new Map(hospital.patients.map((p) => [p.key, p.branchCode]));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('north', 'south'), async (q, code) => {
        if (!PatientQuery.safeParse({ q }).success) return;
        const rows = await search(code, q);
        assert.ok(rows.every((r) => own.get(r.id) === code));
      }),
      { numRuns: 150, seed: 7 },
    );
    assert.equal(PatientQuery.safeParse({ q: 'a\u0000b' }).success, false);
  });

  test("the station's folding (contract/search.ts) and the database's search_key() agree on every hard name and on random text", async () => {
    const names = [...EDGE_CASE_NAMES.flatMap((n) => [n.familyName, ...n.givenNames]), ...hospital.patients.map((p) => p.familyName), 'ΟΔΥΣΣΕΥΣ', 'Ｎｇｕｙｅｎ', 'İstanbul', 'Straße'];
    const check = async (text: string) => {
      const r = await sql<{ k: string }>`SELECT search_key(${text}) AS k`.execute(t.owner);
      assert.equal(r.rows[0]?.k, foldSearch(text), JSON.stringify(text));
    };
    for (const n of names) await check(n);
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 20 }).filter((s) => !s.includes('\u0000')), check), { numRuns: 200, seed: 11 });
  });
});
