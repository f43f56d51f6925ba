import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Bundle, Resource } from '../../../contract/fhir/types';
import { addBranch } from '../../admin/branches';
import { withBranch } from '../../db/with-branch';
import { DEFAULT_FHIR_CONFIG } from '../config';
import { parseSearch } from '../search';
import { fhirFetch, fhirFixture, labObservation, type FhirFixture } from '../testing/fixture';
import { observationStore } from './observation';

/*
 * Observation search by code matches any coding of Observation.code (FHIR token search), while
 * the hot search (patient + code) reads only the rows it returns: the primary code from its
 * index, other codings through the token index for rows flagged other_codings (migration
 * 2026-12-05T0110), a flag the database keeps true whatever the writer.
 */

const LOINC = 'http://loinc.org';
const admin = { kind: 'admin', id: 'test' } as const;

describe('Observation search by code', () => {
  let fx: FhirFixture;
  let patient: string;
  const ids = (b: Resource) => ((b as Bundle).entry ?? []).map((e) => e.resource!.id!).sort();
  const search = async (q: string) => {
    const r = await fhirFetch(fx.baseUrl, fx.tokens.northLab, 'GET', `/Observation?patient=${patient}&${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return ids(r.body);
  };
  const create = async (coding: object[]) => {
    const r = await fhirFetch(fx.baseUrl, fx.tokens.northLab, 'POST', '/Observation', labObservation({ reference: `Patient/${patient}` }, '2345-7', 90, { code: { coding } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id!;
  };
  const asOwner = <T>(fn: Parameters<typeof withBranch<T>>[3]) => withBranch(fx.t.owner, fx.f.north.id, admin, fn);
  const flagOf = async (id: string) =>
    asOwner(async (trx) => (await sql<{ other_codings: boolean }>`SELECT other_codings FROM observations WHERE id = ${id}::uuid`.execute(trx)).rows[0]!.other_codings);

  before(async () => {
    fx = await fhirFixture(2);
    patient = fx.f.north.patientIds[0]!;
  });
  after(() => fx.close());

  test('every coding is found, with and without its system; only multi-coded rows are flagged', async () => {
    const single = await create([{ system: LOINC, code: '2345-7' }]);
    const local = await create([{ system: 'urn:local', code: 'SBP' }, { system: LOINC, code: '8480-6' }]);
    const twoLoinc = await create([{ system: LOINC, code: '2345-7' }, { system: LOINC, code: '2339-0' }]);
    const noSystem = await create([{ code: 'X1' }]);

    assert.deepEqual(await search('code=2345-7'), [single, twoLoinc].sort());
    assert.deepEqual(await search(`code=${LOINC}|2345-7`), [single, twoLoinc].sort());
    // The second LOINC coding: the LOINC-qualified search read only the primary column before.
    assert.deepEqual(await search(`code=${LOINC}|2339-0`), [twoLoinc]);
    assert.deepEqual(await search('code=2339-0'), [twoLoinc]);
    assert.deepEqual(await search('code=SBP'), [local]);
    assert.deepEqual(await search('code=urn:local|SBP'), [local]);
    assert.deepEqual(await search(`code=${LOINC}|8480-6`), [local]);
    assert.deepEqual(await search('code=urn:other|SBP'), []);
    assert.deepEqual(await search('code=X1'), [noSystem]);
    assert.deepEqual(await search('code=|X1'), [noSystem]);
    assert.deepEqual(await search('code=SBP,X1'), [local, noSystem].sort());

    assert.deepEqual(await Promise.all([single, local, twoLoinc, noSystem].map(flagOf)), [false, true, true, false]);
    // The server set the flag on insert: the database had nothing to update (one feed entry).
    const feed = await asOwner(async (trx) => (await sql<{ n: string }>`SELECT count(*) AS n FROM change_feed WHERE entity_id = ${local}::uuid`.execute(trx)).rows[0]!.n);
    assert.equal(Number(feed), 1);
  });

  test('the database flags a row whatever the writer, and an update never clears the flag', async () => {
    // A writer that does not know the column (the previous release): row first, then its tokens.
    const id = await asOwner(async (trx) => {
      const row = await sql<{ id: string }>`
        INSERT INTO observations (branch_id, patient_id, loinc, code_system, display, status, effective_at)
        VALUES (${fx.f.north.id}, ${patient}::uuid, '718-7', ${LOINC}, 'Hemoglobin', 'final', now()) RETURNING id`.execute(trx);
      const obs = row.rows[0]!.id;
      await sql`INSERT INTO fhir_tokens (branch_id, resource_type, param, system, value, resource_id)
                VALUES (${fx.f.north.id}, 'Observation', 'code', ${LOINC}, '718-7', ${obs}::uuid)`.execute(trx);
      assert.equal((await sql<{ f: boolean }>`SELECT other_codings AS f FROM observations WHERE id = ${obs}::uuid`.execute(trx)).rows[0]!.f, false, 'its primary coding alone');
      await sql`INSERT INTO fhir_tokens (branch_id, resource_type, param, system, value, resource_id)
                VALUES (${fx.f.north.id}, 'Observation', 'code', 'urn:local', 'HGB', ${obs}::uuid)`.execute(trx);
      return obs;
    });
    assert.equal(await flagOf(id), true);
    assert.deepEqual(await search('code=HGB'), [id]);

    await asOwner((trx) => sql`UPDATE observations SET other_codings = false WHERE id = ${id}::uuid`.execute(trx));
    assert.equal(await flagOf(id), true, 'an update cannot clear it');

    const single = await create([{ system: LOINC, code: '2093-3' }]);
    assert.equal(await flagOf(single), false);
    await asOwner((trx) => sql`UPDATE observations SET loinc = '2085-9' WHERE id = ${single}::uuid`.execute(trx));
    assert.equal(await flagOf(single), true, 'the tokens of its old primary code still point at it');
    assert.deepEqual(await search('code=2093-3'), [single]);
  });

  test('a search by patient and code reads only the rows it returns', async () => {
    const other = fx.f.north.patientIds[1]!;
    const codes = ['2345-7', '718-7', '2160-0', '2951-2', '2823-3'];
    // Seeded results (no stored resource, no tokens): 20 branches of 15 patients with 100 results
    // each, every patient's spread over the heap as real ones are. Many branches matter: the
    // planner must know that a patient implies its branch (migration 2026-12-05T0120), or it
    // expects a twentieth of the patient's rows and reads them all to filter.
    const branches = [{ id: fx.f.north.id, extra: 13 }];
    for (let b = 0; b < 19; b++) branches.push({ id: (await addBranch(fx.t.owner, `plan${b}`, `Plan ${b}`)).id, extra: 15 });
    for (const branch of branches) {
      await withBranch(fx.t.owner, branch.id, admin, async (trx) => {
        await sql`INSERT INTO patients (branch_id, mrn, national_id, family_name, given_names, birth_date, sex)
                  SELECT ${branch.id}, 'PLAN' || g, 'PLAN-NID' || g, 'Family', ARRAY['Given'], date '1950-01-01', 'unknown' FROM generate_series(1, ${branch.extra}) g`.execute(trx);
        await sql`INSERT INTO observations (branch_id, patient_id, loinc, code_system, display, status, effective_at)
                  SELECT ${branch.id}, p.id, (${codes}::text[])[1 + g % 5], ${LOINC}, 'Lab', 'final', timestamptz '2026-11-01' - make_interval(mins => g)
                    FROM generate_series(0, 99) g CROSS JOIN (SELECT id FROM patients WHERE mrn LIKE 'PLAN%' OR id = ${other}::uuid) p
                   ORDER BY g`.execute(trx);
      });
    }
    const multi = await fhirFetch(fx.baseUrl, fx.tokens.northLab, 'POST', '/Observation', labObservation({ reference: `Patient/${other}` }, '718-7', 13, {
      code: { coding: [{ system: LOINC, code: '718-7' }, { system: 'urn:local', code: 'HB' }] },
    }));
    assert.equal(multi.status, 201);
    await sql`VACUUM ANALYZE observations`.execute(fx.t.owner);

    // The estimate the plan rests on: a patient's rows under RLS (branch and patient equalities)
    // are the patient's rows, not a twentieth of them. At a million rows a twentieth made a scan of
    // all the patient's results look as cheap as the index plan (the bench's 0.27 of raw).
    const estimate = await withBranch(fx.t.app, fx.f.north.id, { kind: 'client', id: 'test' }, async (trx) => {
      const r = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`EXPLAIN (FORMAT JSON) SELECT id FROM observations WHERE patient_id = ${other}::uuid`.execute(trx);
      return r.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'];
    });
    assert.ok(estimate >= 50, `the planner expects ${estimate} rows for a patient with 101`);
    for (const [q, expected] of [
      ['code=2160-0', 20],
      ['code=718-7', 21],
      ['code=HB', 1],
    ] as const) {
      // Eight times on one connection: the server's connections keep the statement prepared, and
      // PostgreSQL plans it generically after five executions; both plans must hold.
      const fetched = await withBranch(fx.t.app, fx.f.north.id, { kind: 'client', id: 'test' }, async (trx) => {
        const reads: number[] = [];
        for (let i = 0; i < 8; i++) {
          const before = await tuplesRead(trx);
          const page = await observationStore.search(
            { trx, config: DEFAULT_FHIR_CONFIG, branchCode: 'north', identifierSystems: [] },
            parseSearch('Observation', new URLSearchParams(`patient=${other}&${q}&_count=100`)),
            null,
          );
          assert.equal(page.resources.length, expected, q);
          reads.push((await tuplesRead(trx)) - before);
        }
        return reads;
      });
      // Its results plus the patient's one flagged row (read to check its tokens); every result
      // of the patient (101 rows) was read and filtered before the flag.
      for (const n of fetched) assert.ok(n <= expected + 1, `${q}: ${fetched.join(', ')} rows read for ${expected} results`);
    }
  });
});

/** Rows of observations this transaction read by index or by scan (PostgreSQL's per-transaction counters). */
async function tuplesRead(trx: Parameters<Parameters<typeof withBranch>[3]>[0]): Promise<number> {
  const r = await sql<{ n: string }>`SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'observations'`.execute(trx);
  return Number(r.rows[0]!.n);
}
