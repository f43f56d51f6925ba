import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'fhir-kit-client';
import { sql } from 'kysely';
import type { Bundle, Resource } from '../../contract/fhir/types';
import { withBranch } from '../db/with-branch';
import { signedNote } from '../notes/testing/signed-note';
import { assertValidFhir, fhirFetch, fhirFixture, labObservation, type FhirFixture } from './testing/fixture';

/*
 * Conformance: the server driven through a real FHIR client library (fhir-kit-client) over a real
 * socket, as a lab or referral partner would. Every resource it returns is checked against the
 * official FHIR R4 JSON schema.
 */

type AnyClient = InstanceType<typeof Client>;

async function status(p: Promise<unknown>): Promise<{ status: number; body: Resource }> {
  try {
    await p;
  } catch (e) {
    const r = (e as { response?: { status: number; data: Resource } }).response;
    if (r) return { status: r.status, body: r.data };
    throw e;
  }
  throw new Error('expected the request to fail');
}

function entries(b: Resource, mode = 'match'): Resource[] {
  return ((b as Bundle).entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!);
}

describe('FHIR R4 conformance through fhir-kit-client', () => {
  let fx: FhirFixture;
  let lab: AnyClient;
  const created: { patientId?: string; observationId?: string } = {};

  async function get(c: AnyClient, resourceType: string, searchParams: Record<string, string | string[]>): Promise<Resource> {
    const b = (await c.search({ resourceType, searchParams })) as Resource;
    assertValidFhir(b);
    return b;
  }

  before(async () => {
    fx = await fhirFixture();
    lab = new Client({ baseUrl: fx.baseUrl, bearerToken: fx.tokens.northLab });
  });
  after(async () => fx.close());

  test('metadata lists exactly the supported resources and interactions', async () => {
    const cs = (await lab.capabilityStatement()) as Resource & { rest: { resource: { type: string; interaction: { code: string }[]; searchParam: { name: string }[] }[] }[] };
    assertValidFhir(cs);
    assert.equal(cs.resourceType, 'CapabilityStatement');
    const resources = cs.rest[0]!.resource;
    assert.deepEqual(resources.map((r) => r.type).sort(), ['AllergyIntolerance', 'DocumentReference', 'MedicationRequest', 'Observation', 'Patient', 'ServiceRequest']);
    const obs = resources.find((r) => r.type === 'Observation')!;
    assert.deepEqual(obs.interaction.map((i) => i.code), ['read', 'search-type', 'create']);
    assert.ok(['patient', 'subject', 'code', 'category', 'date', 'status', '_lastUpdated'].every((n) => obs.searchParam.some((p) => p.name === n)));
  });

  test('Patient: create, read with ETag, search by every parameter, update with If-Match', async () => {
    const body = {
      resourceType: 'Patient',
      identifier: [
        { system: fx.mrnSystem('north'), value: 'N-FHIR-1' },
        { system: fx.nationalIdSystem, value: 'NID-FHIR-1' },
      ],
      name: [{ family: 'Nguyễn', given: ['Thị', 'Zoë'] }],
      gender: 'female',
      birthDate: '1961-07-14',
    };
    const p = (await lab.create({ resourceType: 'Patient', body })) as Resource;
    assertValidFhir(p);
    assert.equal(p.meta?.versionId, '1');
    created.patientId = p.id!;
    const http = Client.httpFor(p as never) as { response: Response };
    assert.equal(http.response.status, 201);
    assert.match(http.response.headers.get('location') ?? '', new RegExp(`/fhir/Patient/${p.id}/_history/1$`));

    const read = await fhirFetch(fx.baseUrl, fx.tokens.northLab, 'GET', `/Patient/${p.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), 'W/"1"');
    assert.match(read.headers.get('content-type') ?? '', /application\/fhir\+json/);
    assertValidFhir(read.body);

    const searches: Record<string, string>[] = [
      { identifier: `${fx.mrnSystem('north')}|N-FHIR-1` },
      { identifier: `${fx.nationalIdSystem}|NID-FHIR-1` },
      { identifier: 'NID-FHIR-1' },
      { family: 'nguyen' },
      { family: 'NGUYỄN' },
      { given: 'zoe' },
      { name: 'thi' },
      { birthdate: '1961-07-14' },
      { birthdate: '1961' },
      { birthdate: 'ge1961-07-01', gender: 'female', family: 'ng' },
      { _id: p.id! },
    ];
    for (const s of searches) {
      const ids = entries(await get(lab, 'Patient', s)).map((r) => r.id);
      assert.ok(ids.includes(p.id), JSON.stringify(s));
    }
    for (const s of [{ birthdate: 'lt1961-07-14' }, { gender: 'male' }, { identifier: 'urn:other|NID-FHIR-1' }, { family: 'nguyenx' }]) {
      assert.ok(!entries(await get(lab, 'Patient', s)).some((r) => r.id === p.id), JSON.stringify(s));
    }

    const changed = { ...body, id: p.id, birthDate: '1961-07-15' };
    const updated = (await lab.update({ resourceType: 'Patient', id: p.id!, body: changed, options: { headers: { 'if-match': 'W/"1"' } } })) as Resource;
    assertValidFhir(updated);
    assert.equal(updated.meta?.versionId, '2');
    assert.equal(updated.birthDate, '1961-07-15');
    const stale = await status(lab.update({ resourceType: 'Patient', id: p.id!, body: changed, options: { headers: { 'if-match': 'W/"1"' } } }));
    assert.equal(stale.status, 412);
    assertValidFhir(stale.body);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
  });

  test('Observation: LOINC result created, read, searched by every parameter', async () => {
    const sent = labObservation({ reference: `Patient/${created.patientId}` }, '2345-7', 182, { identifier: [{ system: 'urn:lab:central', value: 'R-1' }] });
    const o = (await lab.create({ resourceType: 'Observation', body: sent })) as Resource;
    assertValidFhir(o);
    created.observationId = o.id!;
    assert.deepEqual(o.code, sent.code, 'the code as sent');
    assertValidFhir(await lab.read({ resourceType: 'Observation', id: o.id! }));
    const searches: Record<string, string>[] = [
      { patient: created.patientId! },
      { subject: `Patient/${created.patientId}` },
      { patient: created.patientId!, code: 'http://loinc.org|2345-7' },
      { code: '2345-7,718-7' },
      { category: 'laboratory' },
      { date: 'ge2026-11-20', status: 'final' },
      { date: '2026-11-20T08:30:00Z' },
      { date: '2026-11' },
      { _lastUpdated: 'gt2020-01-01' },
      { identifier: 'urn:lab:central|R-1' },
    ];
    for (const s of searches) assert.ok(entries(await get(lab, 'Observation', s)).some((r) => r.id === o.id), JSON.stringify(s));
    for (const s of [{ code: '718-7' }, { date: 'lt2026-11-20' }, { status: 'preliminary' }, { category: 'vital-signs' }, { patient: 'not-a-uuid' }]) {
      assert.ok(!entries(await get(lab, 'Observation', s)).some((r) => r.id === o.id), JSON.stringify(s));
    }
    const included = await get(lab, 'Observation', { patient: created.patientId!, _include: 'Observation:patient' });
    assert.deepEqual(entries(included, 'include').map((r) => r.id), [created.patientId]);
  });

  test('Observation business rules: not LOINC, unknown patient, non-UCUM unit are 422; invalid FHIR is 400', async () => {
    const subject = { reference: `Patient/${created.patientId}` };
    for (const [body, code] of [
      [labObservation(subject, '2345-8'), 422],
      [labObservation(subject, 'ABC'), 422],
      [labObservation({ reference: 'Patient/00000000-0000-4000-8000-000000000000' }), 422],
      [labObservation(subject, '2345-7', 1, { valueQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: 'mg per dl' } }), 422],
      [labObservation(subject, '2345-7', 1, { status: 'done' }), 400],
      [{ resourceType: 'Observation', code: { text: 'x' } }, 400],
      [labObservation(subject, '2345-7', 1, { bogus: true }), 400],
    ] as const) {
      const r = await status(lab.create({ resourceType: 'Observation', body: body as never }));
      assert.equal(r.status, code, JSON.stringify(r.body));
      assertValidFhir(r.body);
    }
  });

  test('a result that arrives before its patient is linked when the patient is created', async () => {
    const o = (await lab.create({ resourceType: 'Observation', body: labObservation({ identifier: { system: fx.mrnSystem('north'), value: 'N-EARLY' } }) })) as Resource;
    assertValidFhir(o);
    assert.deepEqual(o.subject, { identifier: { system: fx.mrnSystem('north'), value: 'N-EARLY' } });
    const p = (await lab.create({ resourceType: 'Patient', body: { resourceType: 'Patient', identifier: [{ system: fx.mrnSystem('north'), value: 'N-EARLY' }], name: [{ family: 'Early' }] } })) as Resource;
    const again = (await lab.read({ resourceType: 'Observation', id: o.id! })) as Resource;
    // The identifier as sent, and the patient it resolved to: a change, so a new version a poller sees.
    assert.deepEqual(again.subject, { identifier: { system: fx.mrnSystem('north'), value: 'N-EARLY' }, reference: `Patient/${p.id}` });
    assert.equal(again.meta?.versionId, '2');
    assert.ok(Date.parse(again.meta!.lastUpdated!) >= Date.parse(o.meta!.lastUpdated!));
    const polled = entries(await get(lab, 'Observation', { patient: p.id!, _lastUpdated: `ge${again.meta!.lastUpdated}` }));
    assert.deepEqual(polled.map((r) => r.id), [o.id]);
  });

  test('conditional create: a resent result creates nothing twice', async () => {
    const body = labObservation({ reference: `Patient/${created.patientId}` }, '718-7', 13.1, { identifier: [{ system: 'urn:lab:central', value: 'R-2' }] });
    const headers = { 'if-none-exist': 'identifier=urn:lab:central|R-2' };
    const first = (await lab.create({ resourceType: 'Observation', body, options: { headers } })) as Resource;
    const second = (await lab.create({ resourceType: 'Observation', body, options: { headers } })) as Resource;
    assert.equal((Client.httpFor(first as never) as { response: Response }).response.status, 201);
    assert.equal((Client.httpFor(second as never) as { response: Response }).response.status, 200);
    assert.equal(second.id, first.id);
    // Concurrent resends too.
    const more = await Promise.all(Array.from({ length: 5 }, () => fhirFetch(fx.baseUrl, fx.tokens.northLab, 'POST', '/Observation', { ...body, identifier: [{ system: 'urn:lab:central', value: 'R-3' }] }, { 'if-none-exist': 'identifier=urn:lab:central|R-3' })));
    assert.equal(new Set(more.map((r) => r.body.id)).size, 1);
    assert.equal(more.filter((r) => r.status === 201).length, 1);
  });

  test('paging: _count, next links followed by the client, _summary=count, total only when cheap', async () => {
    const subject = { reference: `Patient/${fx.f.north.patientIds[1]}` };
    const tx: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 25 }, (_, i) => ({
        request: { method: 'POST', url: 'Observation' },
        resource: labObservation(subject, '2823-3', 4 + i / 10, { effectiveDateTime: `2026-11-${String(1 + (i % 9)).padStart(2, '0')}T0${i % 10}:00:00Z` }),
      })),
    };
    assertValidFhir(await lab.transaction({ body: tx as never }));
    const seen: string[] = [];
    let page = await get(lab, 'Observation', { patient: fx.f.north.patientIds[1]!, code: '2823-3', _count: '10' });
    assert.equal((page as Bundle).total, undefined, 'no total when it is not cheap');
    for (;;) {
      seen.push(...entries(page).map((r) => r.id!));
      const next = lab.nextPage({ bundle: page as never });
      if (!next) break;
      page = (await next.catch((e: { response?: { data: unknown } }) => {
        throw new Error(JSON.stringify(e.response?.data));
      })) as Resource;
      assertValidFhir(page);
    }
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    const count = await get(lab, 'Observation', { patient: fx.f.north.patientIds[1]!, _summary: 'count' });
    assert.equal((count as Bundle).total, 25);
    assert.equal((count as Bundle).entry, undefined);
    const all = await get(lab, 'Observation', { patient: fx.f.north.patientIds[1]!, _count: '500' });
    assert.equal((all as Bundle).total, 25);
  });

  test('MedicationRequest and ServiceRequest: create, read, search, _include', async () => {
    const subject = { reference: `Patient/${created.patientId}` };
    const med = (await lab.create({
      resourceType: 'MedicationRequest',
      body: {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361', display: 'Amlodipine 5 MG Oral Tablet' }] },
        subject,
        authoredOn: '2026-11-21T10:00:00Z',
        dosageInstruction: [{ text: '5 mg once daily' }],
      },
    })) as Resource;
    assertValidFhir(med);
    assertValidFhir(await lab.read({ resourceType: 'MedicationRequest', id: med.id! }));
    for (const s of [{ patient: created.patientId! }, { status: 'active', intent: 'order' }, { authoredon: '2026-11-21' }, { authoredon: 'gt2026-11-20' }]) {
      assert.ok(entries(await get(lab, 'MedicationRequest', s)).some((r) => r.id === med.id), JSON.stringify(s));
    }
    const inc = await get(lab, 'MedicationRequest', { patient: created.patientId!, _include: 'MedicationRequest:patient' });
    assert.deepEqual(entries(inc, 'include').map((r) => r.id), [created.patientId]);

    const ref = (await lab.create({
      resourceType: 'ServiceRequest',
      body: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        category: [{ coding: [{ system: 'urn:wardstation:service-request-category', code: 'referral' }] }],
        code: { coding: [{ system: 'http://snomed.info/sct', code: '183519002', display: 'Referral to cardiology service' }] },
        subject,
        authoredOn: '2026-11-22',
        reasonCode: [{ text: 'New atrial fibrillation' }],
      },
    })) as Resource;
    assertValidFhir(ref);
    for (const s of [{ patient: created.patientId! }, { status: 'active' }, { category: 'referral' }, { authored: '2026-11-22' }]) {
      assert.ok(entries(await get(lab, 'ServiceRequest', s)).some((r) => r.id === ref.id), JSON.stringify(s));
    }
    assert.ok(!entries(await get(lab, 'ServiceRequest', { category: 'imaging' })).some((r) => r.id === ref.id));
  });

  test('transaction is atomic; batch reports each entry', async () => {
    const countRows = () => withBranch(fx.t.owner, fx.f.north.id, { kind: 'admin', id: 't' }, async (trx) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM observations`.execute(trx)).rows[0]!.n));
    const tx: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:7f1c1e3a-3f52-4c53-9b8a-2b0c2d9f0a11', request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', identifier: [{ system: fx.mrnSystem('north'), value: 'N-TX-1' }], name: [{ family: 'Tx' }] } },
        { request: { method: 'POST', url: 'Observation' }, resource: labObservation({ reference: 'urn:uuid:7f1c1e3a-3f52-4c53-9b8a-2b0c2d9f0a11' }) },
      ],
    };
    const ok = (await lab.transaction({ body: tx as never })) as Bundle;
    assertValidFhir(ok);
    assert.equal(ok.type, 'transaction-response');
    assert.deepEqual(ok.entry!.map((e) => e.response!.status), ['201 Created', '201 Created']);
    const patientId = ok.entry![0]!.resource!.id;
    assert.deepEqual(ok.entry![1]!.resource!.subject, { reference: `Patient/${patientId}` });

    const before = await countRows();
    const bad: Bundle = { ...tx, entry: [{ request: { method: 'POST', url: 'Observation' }, resource: labObservation({ reference: `Patient/${patientId}` }) }, { request: { method: 'POST', url: 'Observation' }, resource: labObservation({ reference: `Patient/${patientId}` }, '1234-0') }] };
    const failed = await status(lab.transaction({ body: bad as never }));
    assert.equal(failed.status, 422);
    assertValidFhir(failed.body);
    assert.equal(await countRows(), before, 'nothing written');

    const batch = (await lab.batch({ body: { ...bad, type: 'batch' } as never })) as Bundle;
    assertValidFhir(batch);
    assert.deepEqual(batch.entry!.map((e) => e.response!.status), ['201 Created', '422']);
    assert.equal(await countRows(), before + 1);
  });

  test('authentication, scopes, content types and unsupported interactions answer OperationOutcomes', async () => {
    const cases: [string | null, string, string, unknown, Record<string, string>, number][] = [
      [null, 'GET', '/Patient', undefined, {}, 401],
      ['wsc_not-a-token', 'GET', '/Patient', undefined, {}, 401],
      [fx.tokens.northReadOnly, 'POST', '/Patient', { resourceType: 'Patient' }, {}, 403],
      [fx.tokens.northReadOnly, 'GET', '/Observation', undefined, {}, 403],
      [fx.tokens.itAdmin, 'GET', '/Patient', undefined, {}, 403],
      [fx.tokens.northLab, 'POST', '/Patient', 'name=x', { 'content-type': 'text/plain' }, 415],
      [fx.tokens.northLab, 'POST', '/Patient', '{"resourceType":', {}, 400],
      [fx.tokens.northLab, 'DELETE', '/Patient/6be9f3c6-2dac-4acc-8cf5-11c3e91639fe', undefined, {}, 405],
      [fx.tokens.northLab, 'PUT', '/Observation/6be9f3c6-2dac-4acc-8cf5-11c3e91639fe', labObservation({}), {}, 405],
      [fx.tokens.northLab, 'GET', '/Patient/6be9f3c6-2dac-4acc-8cf5-11c3e91639fe/_history/1', undefined, {}, 404],
      [fx.tokens.northLab, 'GET', '/Patient/_history', undefined, {}, 501],
      [fx.tokens.northLab, 'GET', '/Binary', undefined, {}, 404],
      [fx.tokens.northLab, 'GET', '/Patient/6be9f3c6-2dac-4acc-8cf5-11c3e91639fe', undefined, {}, 404],
      [fx.tokens.northLab, 'GET', '/Patient?unknown=1', undefined, {}, 400],
      [fx.tokens.northLab, 'POST', '/Patient', JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(11 * 1024 * 1024) }] }), {}, 413],
    ];
    for (const [token, method, path, body, headers, expected] of cases) {
      const r = await fhirFetch(fx.baseUrl, token, method, path, body, headers);
      assert.equal(r.status, expected, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.resourceType, 'OperationOutcome');
      assertValidFhir(r.body);
    }
    // application/json is accepted like application/fhir+json; a station user's session works.
    const plain = await fhirFetch(fx.baseUrl, fx.tokens.drNorth, 'POST', '/Observation', labObservation({ reference: `Patient/${created.patientId}` }), { 'content-type': 'application/json' });
    assert.equal(plain.status, 201);
  });

  test('every FHIR read and write is audited with the API client as actor', async () => {
    const rows = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'admin', id: 't' }, (trx) =>
      trx.selectFrom('audit_events').select(['action', 'actor_kind', 'entity_id']).where('action', 'like', 'fhir.%').execute(),
    );
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['fhir.read', 'fhir.search', 'fhir.create', 'fhir.update', 'fhir.create_matched']) assert.ok(actions.has(a), a);
    assert.ok(rows.some((r) => r.actor_kind === 'client' && r.entity_id === created.observationId));
    assert.ok(rows.some((r) => r.actor_kind === 'user'));
  });

  test('DocumentReference: signed notes, read and search by patient and date; no create', async () => {
    const patient = fx.f.north.patientIds[2]!;
    const id = await signedNote(fx.t, fx.f.north.id, patient, 'dr.north', 'Cough since Monday.\nBP 130/80.\nPlan: chest X-ray.');
    const doc = (await lab.read({ resourceType: 'DocumentReference', id })) as Resource & { content: { attachment: { data: string } }[]; authenticator: { display: string }; date: string };
    assertValidFhir(doc);
    assert.equal(doc.resourceType, 'DocumentReference');
    assert.match(Buffer.from(doc.content[0]!.attachment.data, 'base64').toString('utf8'), /chest X-ray/);
    assert.equal(doc.authenticator.display, 'dr.north');
    const today = doc.date.slice(0, 10);
    for (const s of [{ patient }, { patient: `Patient/${patient}`, date: today }, { date: `ge${today}` }, { subject: `Patient/${patient}` }]) {
      assert.ok(entries(await get(lab, 'DocumentReference', s)).some((r) => r.id === id), JSON.stringify(s));
    }
    assert.equal(entries(await get(lab, 'DocumentReference', { patient: fx.f.north.patientIds[3]! })).length, 0);
    assert.equal(entries(await get(lab, 'DocumentReference', { date: 'lt2000-01-01' })).length, 0);
    const refused = await status(lab.create({ resourceType: 'DocumentReference', body: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain' } }] } }));
    assert.equal(refused.status, 405);
    assert.equal((await status(new Client({ baseUrl: fx.baseUrl, bearerToken: fx.tokens.southLab }).read({ resourceType: 'DocumentReference', id }))).status, 404, 'another branch');
  });

});
