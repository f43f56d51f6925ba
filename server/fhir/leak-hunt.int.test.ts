import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Bundle, Resource } from '../../contract/fhir/types';
import { withBranch } from '../db/with-branch';
import { assertValidFhir, fhirFetch, fhirFixture, labObservation, type FhirFixture } from './testing/fixture';
import { signedNote } from '../notes/testing/signed-note';

/*
 * The leak hunt of issue 5: a client of branch B (south) tries every entry point at branch A's
 * (north) data and must see none of it and learn nothing from status codes or totals. Two checks
 * make "learn nothing" precise:
 *  - B's answer to every value-based search is identical before and after A's data exists;
 *  - B's answer to an id-based request with A's id is identical to the answer with a random id.
 * Then the fuzzer: a few thousand malformed or hostile requests get OperationOutcomes, never a
 * 500, and change nothing.
 */

type Answer = { status: number; text: string };

/** Percent-encodes; a lone surrogate (not encodable) becomes invalid UTF-8 on the wire, which is hostile too. */
function encode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return `%ED%A0%80${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}`;
  }
}

describe('FHIR leak hunt and fuzzing', () => {
  let fx: FhirFixture;
  const A: { patients: string[]; observations: string[]; meds: string[]; services: string[]; docs: string[]; nextLink?: string } = { patients: [], observations: [], meds: [], services: [], docs: [] };

  const asB = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const r = await fhirFetch(fx.baseUrl, fx.tokens.southLab, method, path, body, headers);
    assertValidFhir(r.body);
    // A next link's cursor is encrypted with a fresh nonce each time: compare its presence only.
    return { status: r.status, text: JSON.stringify(r.body).replace(/_cursor=[A-Za-z0-9_-]+/g, '_cursor=X') };
  };
  const asA = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => fhirFetch(fx.baseUrl, fx.tokens.northLab, method, path, body, headers);

  async function createAs(token: string, type: string, body: Resource): Promise<string> {
    const r = await fhirFetch(fx.baseUrl, token, 'POST', `/${type}`, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id!;
  }

  const med = (patientId: string, status: string, intent: string, authoredOn: string): Resource => ({
    resourceType: 'MedicationRequest',
    status,
    intent,
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361', display: 'Amlodipine 5 MG Oral Tablet' }] },
    subject: { reference: `Patient/${patientId}` },
    authoredOn,
  });
  const referral = (patientId: string, category: string, authoredOn: string): Resource => ({
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'urn:wardstation:service-request-category', code: category }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '183519002' }] },
    subject: { reference: `Patient/${patientId}` },
    authoredOn,
  });

  /** Searches by value, with A's values and B's: B's answers must not depend on A's data. */
  function valueQueries(): string[] {
    const nid = fx.f.sharedNationalId;
    const q = [
      `/Patient?identifier=${nid}`,
      `/Patient?identifier=${fx.nationalIdSystem}|${nid}`,
      `/Patient?identifier=${fx.nationalIdSystem}|NID-A-ONLY`,
      `/Patient?identifier=${fx.mrnSystem('north')}|A-ONLY-1`,
      `/Patient?identifier=A-ONLY-1`,
      '/Patient?identifier=N000001',
      "/Patient?family=O'Brien",
      '/Patient?family=zyx',
      '/Patient?family:exact=Zyxwv',
      '/Patient?family=ngu',
      '/Patient?given=qwe',
      '/Patient?given:exact=Qwerty',
      '/Patient?name=zyx',
      '/Patient?name=zoe',
      '/Patient?birthdate=1933-03-03',
      '/Patient?birthdate=ge1900&birthdate=le2000',
      '/Patient?gender=other',
      '/Patient?gender=female',
      '/Patient?_lastUpdated=gt2000-01-01',
      '/Patient',
      '/Patient?_count=1',
      '/Patient?_summary=count',
      '/Patient?_summary=count&family=zyx',
      '/Observation',
      '/Observation?_count=2',
      '/Observation?code=33959-8',
      '/Observation?code=http://loinc.org|2345-7',
      '/Observation?code=2345-7&_summary=count',
      '/Observation?category=laboratory',
      '/Observation?category=laboratory&_summary=count',
      '/Observation?date=2020-02-02',
      '/Observation?date=lt2021-01-01',
      '/Observation?date=ge2026-01-01&_count=1',
      '/Observation?status=amended',
      '/Observation?status=final&_include=Observation:patient',
      '/Observation?_include=Observation:patient&_count=1',
      '/Observation?identifier=urn:lab:a|A-R-1',
      '/Observation?identifier=A-R-1',
      '/Observation?_lastUpdated=gt2000-01-01&_summary=count',
      '/MedicationRequest',
      '/MedicationRequest?status=on-hold',
      '/MedicationRequest?intent=plan',
      '/MedicationRequest?authoredon=2019-05-05',
      '/MedicationRequest?authoredon=lt2026-01-01&_summary=count',
      '/MedicationRequest?_include=MedicationRequest:patient',
      '/MedicationRequest?status=active&_summary=count',
      '/ServiceRequest',
      '/ServiceRequest?category=imaging',
      '/ServiceRequest?category=referral&_summary=count',
      '/ServiceRequest?status=active',
      '/ServiceRequest?authored=2019-06-06',
      '/ServiceRequest?authored=ge2000-01-01&_count=1',
      '/DocumentReference',
      '/DocumentReference?date=ge2000-01-01&_summary=count',
    ];
    return q.map((p) => p.replace(/\|/g, '%7C').replace(/'/g, '%27'));
  }

  const before_: Map<string, Answer> = new Map();

  before(async () => {
    fx = await fhirFixture(4);
    // Branch B's own data first.
    const bPatient = fx.f.south.patientIds[0]!; // carries the national id that exists in both branches
    await createAs(fx.tokens.southLab, 'Observation', labObservation({ reference: `Patient/${bPatient}` }, '2345-7', 101, { identifier: [{ system: 'urn:lab:b', value: 'B-R-1' }] }));
    await createAs(fx.tokens.southLab, 'Observation', labObservation({ reference: `Patient/${fx.f.south.patientIds[1]}` }, '718-7', 12.5));
    await createAs(fx.tokens.southLab, 'MedicationRequest', med(bPatient, 'active', 'order', '2026-11-01T10:00:00Z'));
    await createAs(fx.tokens.southLab, 'ServiceRequest', referral(bPatient, 'referral', '2026-11-02'));
    for (const q of valueQueries()) before_.set(q, await asB('GET', q));

    // Branch A's data, deliberately overlapping B's values and carrying values of its own.
    const nid = fx.f.sharedNationalId;
    A.patients.push(...fx.f.north.patientIds);
    A.patients.push(
      await createAs(fx.tokens.northLab, 'Patient', {
        resourceType: 'Patient',
        identifier: [{ system: fx.mrnSystem('north'), value: 'A-ONLY-1' }, { system: fx.nationalIdSystem, value: 'NID-A-ONLY' }],
        name: [{ family: 'Zyxwv', given: ['Qwerty'] }],
        gender: 'other',
        birthDate: '1933-03-03',
      }),
    );
    for (const [i, p] of A.patients.entries()) {
      A.observations.push(await createAs(fx.tokens.northLab, 'Observation', labObservation({ reference: `Patient/${p}` }, i % 2 ? '33959-8' : '2345-7', 0.7, { identifier: [{ system: 'urn:lab:a', value: `A-R-${i + 1}` }], effectiveDateTime: '2020-02-02T10:00:00Z', status: 'amended' })));
      A.observations.push(await createAs(fx.tokens.northLab, 'Observation', labObservation({ reference: `Patient/${p}` }, '2345-7', 99)));
      A.meds.push(await createAs(fx.tokens.northLab, 'MedicationRequest', med(p, 'on-hold', 'plan', '2019-05-05T09:00:00Z')));
      A.meds.push(await createAs(fx.tokens.northLab, 'MedicationRequest', med(p, 'active', 'order', '2026-11-01T10:00:00Z')));
      A.services.push(await createAs(fx.tokens.northLab, 'ServiceRequest', referral(p, i % 2 ? 'imaging' : 'referral', '2019-06-06')));
    }
    // Signed notes of A (through the one approval path).
    for (const p of fx.f.north.patientIds.slice(0, 2)) A.docs.push(await signedNote(fx.t, fx.f.north.id, p, 'dr.north', 'Cough for three days.\nPlan: review tomorrow.'));
    // A result of A that is waiting for its patient, by an MRN that B also uses.
    A.observations.push(await createAs(fx.tokens.northLab, 'Observation', labObservation({ identifier: { system: fx.mrnSystem('north'), value: 'S000002' } })));
    assert.ok(nid);
    const page = await asA('GET', '/Observation?_count=2');
    A.nextLink = (page.body as Bundle).link!.find((l) => l.relation === 'next')!.url;
  });
  after(async () => fx.close());

  test("B's answer to every search by value is the same with or without A's data", async () => {
    for (const q of valueQueries()) {
      const now = await asB('GET', q);
      assert.deepEqual(now, before_.get(q), q);
      for (const id of [...A.patients, ...A.observations, ...A.meds, ...A.services, ...A.docs]) assert.ok(!now.text.includes(id), `${q} shows an A id`);
    }
    // The national id present in both branches finds B's patient only.
    const shared = JSON.parse((await asB('GET', `/Patient?identifier=${fx.f.sharedNationalId}`)).text) as Bundle;
    assert.deepEqual(shared.entry!.map((e) => e.resource!.id), [fx.f.south.patientIds[0]]);
  });

  test("every id-based request with A's ids answers exactly as with an id that does not exist", async () => {
    const cases: [string, string[]][] = [
      ['/Patient/ID', A.patients],
      ['/Observation/ID', A.observations],
      ['/MedicationRequest/ID', A.meds],
      ['/ServiceRequest/ID', A.services],
      ['/Patient?_id=ID', A.patients],
      ['/Observation?_id=ID', A.observations],
      ['/Observation?patient=ID', A.patients],
      ['/Observation?subject=Patient/ID&_include=Observation:patient', A.patients],
      ['/Observation?patient=ID&code=2345-7&_summary=count', A.patients],
      ['/MedicationRequest?patient=ID&_include=MedicationRequest:patient', A.patients],
      ['/ServiceRequest?patient=ID&_summary=count', A.patients],
      ['/DocumentReference/ID', A.docs],
      ['/DocumentReference?_id=ID', A.docs],
      ['/DocumentReference?patient=ID', A.patients],
    ];
    for (const [template, ids] of cases) {
      for (const id of ids) {
        const random = randomUUID();
        const withA = await asB('GET', template.replace('ID', id));
        const control = await asB('GET', template.replace('ID', random));
        assert.deepEqual({ ...withA, text: withA.text.replaceAll(id, 'X') }, { ...control, text: control.text.replaceAll(random, 'X') }, template);
      }
    }
  });

  test("paging links from A's responses are useless to B, and as useless as a forged one", async () => {
    const link = A.nextLink!;
    const path = link.slice(link.indexOf('/fhir') + 5);
    const stolen = await asB('GET', path);
    assert.equal(stolen.status, 400);
    const forged = await asB('GET', path.replace(/_cursor=([A-Za-z0-9_-]+)/, (_m, c: string) => `_cursor=${c.slice(0, -4)}AAAA`));
    assert.deepEqual(stolen, forged);
    // The same search in B's own words, with A's cursor: still refused.
    const cursor = /_cursor=([A-Za-z0-9_-]+)/.exec(link)![1]!;
    assert.deepEqual(await asB('GET', `/Observation?_count=2&_cursor=${cursor}`), forged.status === 400 ? await asB('GET', `/Observation?_count=2&_cursor=${cursor}`) : forged);
    assert.equal((await asB('GET', `/Observation?_count=2&_cursor=${cursor}`)).status, 400);
    assert.ok(!stolen.text.includes('2020') && !A.observations.some((id) => stolen.text.includes(id)));
  });

  test("conditional create that would match A's record creates B's own; updates and transactions cannot reach A", async () => {
    const bPatient = fx.f.south.patientIds[0]!;
    const resend = await fhirFetch(fx.baseUrl, fx.tokens.southLab, 'POST', '/Observation', labObservation({ reference: `Patient/${bPatient}` }, '2345-7', 5, { identifier: [{ system: 'urn:lab:a', value: 'A-R-1' }] }), { 'if-none-exist': 'identifier=urn:lab:a|A-R-1' });
    assert.equal(resend.status, 201, 'no match across branches: B gets a new record of its own');
    assert.ok(!A.observations.includes(resend.body.id!));
    const byNid = await fhirFetch(fx.baseUrl, fx.tokens.southLab, 'POST', '/Patient', { resourceType: 'Patient', identifier: [{ system: fx.mrnSystem('south'), value: 'S-NEW' }], name: [{ family: 'X' }] }, { 'if-none-exist': `identifier=${encodeURIComponent(`${fx.nationalIdSystem}|${fx.f.sharedNationalId}`)}` });
    assert.equal(byNid.status, 200);
    assert.equal(byNid.body.id, fx.f.south.patientIds[0], "the shared national id matches B's own patient only");

    const snapshot = () => withBranch(fx.t.owner, fx.f.north.id, { kind: 'admin', id: 't' }, async (trx) => JSON.stringify((await sql`SELECT id, version, updated_at FROM patients ORDER BY id`.execute(trx)).rows) + JSON.stringify((await sql`SELECT count(*) FROM observations`.execute(trx)).rows));
    const aBefore = await snapshot();
    const put = (id: string) => asB('PUT', `/Patient/${id}`, { resourceType: 'Patient', id, identifier: [{ system: fx.mrnSystem('south'), value: 'S-HIJACK' }], name: [{ family: 'Hijack' }] }, { 'if-match': 'W/"1"' });
    const tx = (id: string) => asB('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [
      { request: { method: 'POST', url: 'Observation' }, resource: labObservation({ reference: `Patient/${bPatient}` }) },
      { request: { method: 'POST', url: 'Observation' }, resource: labObservation({ reference: `Patient/${id}` }) },
    ] });
    const bCount = () => withBranch(fx.t.owner, fx.f.south.id, { kind: 'admin', id: 't' }, async (trx) => (await sql<{ n: string }>`SELECT count(*) AS n FROM observations`.execute(trx)).rows[0]!.n);
    const bBefore = await bCount();
    for (const id of A.patients) {
      const random = randomUUID();
      for (const f of [put, tx]) {
        const a = await f(id);
        const c = await f(random);
        assert.ok(a.status === 404 || a.status === 422, String(a.status));
        assert.deepEqual({ ...a, text: a.text.replaceAll(id, 'X') }, { ...c, text: c.text.replaceAll(random, 'X') });
      }
    }
    assert.equal(await snapshot(), aBefore, "A's records untouched");
    assert.equal(await bCount(), bBefore, 'the failed transactions wrote nothing in B either');
  });

  test('fuzz: thousands of malformed or hostile requests get OperationOutcomes, never a 500, and change nothing', async () => {
    const state = () =>
      withBranch(fx.t.owner, fx.f.north.id, { kind: 'admin', id: 't' }, async (trx) =>
        JSON.stringify(
          (await sql`SELECT (SELECT count(*) FROM patients) p, (SELECT max(updated_at) FROM patients) pu, (SELECT count(*) FROM observations) o,
                            (SELECT max(updated_at) FROM observations) ou, (SELECT count(*) FROM medication_requests) m, (SELECT count(*) FROM service_requests) s`.execute(trx)).rows,
        ),
      );
    const initial = await state();
    const token = fx.tokens.northLab;
    const hostile = fc.oneof(
      fc.constantFrom("' OR 1=1 --", '"; DROP TABLE patients; --', '%00', '\u0000', '../../etc/passwd', '${jndi:x}', '<script>', 'Patient/../../x', '\\', ',,,', '|', 'ge', 'eq', 'sa2020', '9999-99-99', 'x'.repeat(5000), '\uD800', '🙂'.repeat(300)),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    const types = ['Patient', 'Observation', 'MedicationRequest', 'ServiceRequest', 'DocumentReference', 'patient', '$meta', ''];
    const params = ['_id', 'identifier', 'family', 'given', 'name', 'birthdate', 'gender', 'patient', 'subject', 'code', 'category', 'date', 'status', 'intent', 'authoredon', 'authored', '_lastUpdated', '_count', '_include', '_summary', '_cursor', '_sort', 'family:exact', 'code:text', 'subject:Patient', 'x'];
    const search = fc.record({
      type: fc.constantFrom(...types),
      query: fc.array(fc.tuple(fc.constantFrom(...params), hostile), { maxLength: 4 }),
    }).map(({ type, query }) => ({ method: 'GET', url: `/fhir/${type}?${query.map(([k, v]) => `${k}=${encode(v)}`).join('&')}`, body: undefined as string | undefined, headers: {} as Record<string, string> }));
    const rawPath = fc.string({ maxLength: 60 }).map((p) => ({ method: 'GET', url: `/fhir/${p.replace(/[#?\s]/g, '')}`, body: undefined as string | undefined, headers: {} as Record<string, string> }));
    // Every write below is invalid by construction: a wrong JSON type, an unknown element, a code
    // claiming LOINC that is not, an unknown patient or a Quantity claiming UCUM without a UCUM code.
    const valid = labObservation({ reference: `Patient/${A.patients[0]}` });
    const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { minLength: 1, maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'b'), fc.integer(), { minKeys: 1 }));
    const brokenObservation = fc.oneof(
      fc.record({ field: fc.constantFrom('status', 'code', 'subject', 'effectiveDateTime', 'valueQuantity', 'identifier', 'referenceRange'), v: wrongType }).map(({ field, v }) => ({ ...valid, [field]: v })),
      hostile.map((v) => ({ ...valid, code: { coding: [{ system: 'http://loinc.org', code: `${v}@` }] } })),
      hostile.map((v) => ({ ...valid, subject: { reference: `Patient/${v}` } })),
      fc.string({ minLength: 1, maxLength: 10 }).map((k) => ({ ...valid, [`zz${k.replace(/\W/g, '')}`]: 1 })),
      fc.constant({ ...valid, valueQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: 'mg per dl' } }),
    );
    const write = fc.record({
      method: fc.constantFrom('POST', 'PUT'),
      path: fc.constantFrom('/fhir/Observation', '/fhir/Patient', `/fhir/Patient/${A.patients[0]}`, '/fhir/', '/fhir/MedicationRequest'),
      body: fc.oneof(
        brokenObservation.map((o) => JSON.stringify(o)),
        fc.json().filter((j) => !/resourceType/.test(j)),
        fc.string({ maxLength: 200 }),
        fc.constant('{"resourceType":"Patient","__proto__":{"polluted":1}}'),
        brokenObservation.map((o) => JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Observation' }, resource: o }] })),
      ),
      headers: fc.record({
        'content-type': fc.constantFrom('application/fhir+json', 'application/json', 'text/plain', 'application/fhir+json; charset=utf-8'),
        'if-match': fc.oneof(fc.constant('W/"1"'), hostile),
        'if-none-exist': fc.oneof(fc.constant('identifier=x'), hostile),
      }, { requiredKeys: ['content-type'] }),
    }).map(({ method, path, body, headers }) => ({ method, url: path, body: body as string | undefined, headers: headers as Record<string, string> }));

    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(search, rawPath, write), async (req) => {
        n++;
        const r = await fx.app.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: { authorization: `Bearer ${token}`, ...Object.fromEntries(Object.entries(req.headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v))) },
          ...(req.body !== undefined ? { payload: req.body } : {}),
        });
        // 501 is the documented answer for unsupported operations; nothing else of 5xx is acceptable.
        assert.ok(r.statusCode < 500 || r.statusCode === 501, `${r.statusCode} for ${req.method} ${req.url.slice(0, 200)}: ${r.body.slice(0, 300)}`);
        const body = JSON.parse(r.body) as Resource;
        if (r.statusCode >= 400) {
          assert.equal(body.resourceType, 'OperationOutcome');
          assertValidFhir(body);
        } else {
          assert.notEqual(req.method, 'PUT');
          assert.ok(req.method === 'GET' || body.resourceType === 'Bundle', `${r.statusCode} ${req.method} ${req.url}: ${r.body.slice(0, 300)}`);
          // A write the fuzzer sent must not have succeeded inside a batch/transaction either.
          for (const e of (body as Bundle).entry ?? []) assert.ok(!e.response || !e.response.status.startsWith('2'), JSON.stringify(e.response));
        }
      }),
      { numRuns: 2500, seed: 20261125 },
    );
    assert.equal(n, 2500);
    assert.equal(await state(), initial, 'nothing changed');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
