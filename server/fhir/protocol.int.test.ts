import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Bundle, OperationOutcome, Resource } from '../../contract/fhir/types';
import { addApiClient } from '../admin/credentials';
import { withBranch } from '../db/with-branch';
import { DEFAULT_FHIR_CONFIG } from './config';
import { assertValidFhir, fhirFixture, labObservation, type FhirFixture } from './testing/fixture';

/*
 * The protocol edges generic clients use (versions, HEAD, OPTIONS, CORS, Prefer, POST _search,
 * _summary, _elements, _total, _include), the public base URL, and scopes on every path: a
 * conditional create's match is a read, and every returned type needs its read scope.
 */

const PUBLIC = 'https://fhir.hospital.example/fhir';
const ORIGIN = 'https://partner-app.example';

function ids(b: Resource, mode = 'match'): string[] {
  return ((b as Bundle).entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!.id!);
}

describe('FHIR protocol edges and scopes', () => {
  let fx: FhirFixture;
  let patient: string;
  // Requests name the public host: with PUBLIC_BASE_URL configured, any other Host is refused.
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token: string | null = fx.tokens.northLab) => {
    const h: Record<string, string> = { host: 'fhir.hospital.example', accept: 'application/fhir+json', ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/fhir+json';
    const r = await fx.app.inject({ method: method as 'GET', url: `/fhir${path}`, headers: h, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: r.statusCode, body: (r.body ? JSON.parse(r.body) : null) as Resource };
  };
  const inject = (method: string, path: string, headers: Record<string, string> = {}, payload?: string) =>
    fx.app.inject({ method: method as 'GET', url: `/fhir${path}`, headers: { host: 'fhir.hospital.example', authorization: `Bearer ${fx.tokens.northLab}`, ...headers }, ...(payload !== undefined ? { payload } : {}) });

  before(async () => {
    fx = await fhirFixture(3, { ...DEFAULT_FHIR_CONFIG, baseUrl: PUBLIC, corsOrigins: [ORIGIN], maxBundleEntries: 50 });
    patient = fx.f.north.patientIds[0]!;
  });
  after(async () => fx.close());

  test('versions: Location answers, every change is a version, vread and _history; HEAD and OPTIONS', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: fx.mrnSystem('north'), value: 'V-1' }], name: [{ family: 'Versioned', given: ['Vera'] }], birthDate: '1970' };
    const created = await inject('POST', '/Patient', { 'content-type': 'application/fhir+json' }, JSON.stringify(body));
    assert.equal(created.statusCode, 201, created.body);
    const p = JSON.parse(created.body) as Resource;
    assert.equal(created.headers.location, `${PUBLIC}/Patient/${p.id}/_history/1`, 'Location is built from the public base URL');
    assert.equal(p.birthDate, '1970', 'a partial birth date is kept');
    const loc = await inject('GET', String(created.headers.location).slice(PUBLIC.length));
    assert.equal(loc.statusCode, 200);
    assert.deepEqual(JSON.parse(loc.body), p);

    const changed = { ...body, id: p.id, birthDate: '1970-04' };
    const upd = await call('PUT', `/Patient/${p.id}`, changed, { 'if-match': 'W/"1"' });
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    assert.equal(upd.body.meta?.versionId, '2');
    const hist = await call('GET', `/Patient/${p.id}/_history`);
    assert.equal(hist.status, 200);
    assertValidFhir(hist.body);
    const versions = (hist.body as Bundle).entry!.map((e) => e.resource!);
    assert.deepEqual(versions.map((v) => [v.meta?.versionId, v.birthDate]), [['2', '1970-04'], ['1', '1970']]);
    assert.equal((await call('GET', `/Patient/${p.id}/_history/1`)).body.birthDate, '1970');
    assert.equal((await call('GET', `/Patient/${p.id}/_history/2`)).body.birthDate, '1970-04');
    assert.equal((await call('GET', `/Patient/${p.id}/_history/3`)).status, 404);

    const head = await inject('HEAD', `/Patient/${p.id}`);
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers.etag, 'W/"2"');
    assert.equal(head.body, '');
    for (const path of ['', '/', '/metadata']) {
      const options = await inject('OPTIONS', path);
      assert.equal(options.statusCode, 200, path);
      assert.equal((JSON.parse(options.body) as Resource).resourceType, 'CapabilityStatement');
    }
  });

  test('Prefer: return=minimal, representation, OperationOutcome', async () => {
    const obs = (value: number) => labObservation({ reference: `Patient/${patient}` }, '2345-7', value);
    const minimal = await inject('POST', '/Observation', { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, JSON.stringify(obs(1)));
    assert.equal(minimal.statusCode, 201);
    assert.equal(minimal.body, '');
    assert.match(String(minimal.headers.location), /\/Observation\/[0-9a-f-]{36}\/_history\/1$/);
    const outcome = await call('POST', '/Observation', obs(2), { prefer: 'return=OperationOutcome' });
    assert.equal(outcome.status, 201);
    assert.equal(outcome.body.resourceType, 'OperationOutcome');
    const rep = await call('POST', '/Observation', obs(3), { prefer: 'return=representation' });
    assert.equal(rep.body.resourceType, 'Observation');
  });

  test('POST [type]/_search, _summary, _elements, _total, _include of every reference parameter', async () => {
    const a = await call('GET', `/Observation?patient=${patient}&code=2345-7`);
    const viaPost = await call('POST', '/Observation/_search', `patient=${patient}&code=2345-7`, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(viaPost.status, 200);
    assert.deepEqual(ids(viaPost.body), ids(a.body));
    assert.ok(ids(a.body).length >= 3);

    const summary = await call('GET', `/Patient?_id=${patient}&_summary=true`);
    assertValidFhir(summary.body);
    const s = (summary.body as Bundle).entry![0]!.resource!;
    assert.ok(s.identifier && s.name);
    assert.ok((s.meta as { tag?: { code: string }[] }).tag!.some((t) => t.code === 'SUBSETTED'));
    const elements = await call('GET', `/Observation?patient=${patient}&_elements=valueQuantity`);
    for (const r of (elements.body as Bundle).entry!.map((e) => e.resource!)) {
      assert.deepEqual(Object.keys(r).sort(), ['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity'], 'what was asked and what is mandatory');
    }
    const data = await call('GET', `/Observation/${ids(a.body)[0]}?_summary=data`);
    assert.equal(data.status, 200);
    assert.equal(data.body.text, undefined);

    const paged = await call('GET', `/Observation?patient=${patient}&_count=1`);
    assert.equal((paged.body as Bundle).total, undefined, 'no total when the page does not hold every match');
    const accurate = await call('GET', `/Observation?patient=${patient}&_count=1&_total=accurate`);
    assert.equal((accurate.body as Bundle).total, ids(a.body).length);
    assert.equal(((await call('GET', `/Observation?patient=${patient}&_total=none`)).body as Bundle).total, undefined);

    for (const inc of ['Observation:subject', 'Observation:patient', 'Observation:subject:Patient']) {
      assert.deepEqual(ids((await call('GET', `/Observation?patient=${patient}&_include=${inc}`)).body, 'include'), [patient], inc);
    }
    const allergy = await call('POST', '/AllergyIntolerance', { resourceType: 'AllergyIntolerance', code: { text: 'Latex' }, patient: { reference: `Patient/${patient}` } });
    assert.equal(allergy.status, 201);
    assert.deepEqual(ids((await call('GET', `/AllergyIntolerance?patient=${patient}&_include=AllergyIntolerance:patient`)).body, 'include'), [patient]);
    assert.deepEqual(ids((await call('GET', `/MedicationRequest?_include=MedicationRequest:subject`)).body, 'include'), []);
  });

  test('public base URL: links are built from it; another Host is refused. CORS for the configured origin only', async () => {
    const search = await inject('GET', `/Observation?patient=${patient}&_count=1`);
    const links = (JSON.parse(search.body) as Bundle).link!.map((l) => l.url);
    assert.ok(links.every((l) => l.startsWith(`${PUBLIC}/Observation?`)), links.join(' '));
    const other = await inject('GET', '/metadata', { host: 'evil.example' });
    assert.equal(other.statusCode, 421);
    assert.equal((JSON.parse(other.body) as OperationOutcome).resourceType, 'OperationOutcome');
    assert.ok(!other.body.includes('evil.example'));

    const preflight = await inject('OPTIONS', '/Patient', { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    const get = await inject('GET', `/Patient/${patient}`, { origin: ORIGIN });
    assert.equal(get.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(get.headers['access-control-expose-headers']), /etag/);
    const denied = await inject('GET', `/Patient/${patient}`, { origin: 'https://other.example' });
    assert.equal(denied.headers['access-control-allow-origin'], undefined);
    const deniedPreflight = await inject('OPTIONS', '/Patient', { origin: 'https://other.example', 'access-control-request-method': 'POST' });
    assert.equal(deniedPreflight.headers['access-control-allow-origin'], undefined);
  });

  test('scopes on every path: a write-only conditional create learns nothing; includes, history and bundle entries need read', async () => {
    const writeOnly = (await addApiClient(fx.t.owner, 'north', 'Write-only lab', ['write:Patient', 'write:Observation'])).token;
    const twin = fx.f.north.patientIds[1]!;
    const existing = (await call('GET', `/Patient/${twin}`)).body;
    const family = (existing.name as { family: string }[])[0]!.family;
    const body = { resourceType: 'Patient', identifier: [{ system: fx.mrnSystem('north'), value: 'W-NEW' }], name: [{ family }] };
    const matched = await call('POST', '/Patient', body, { 'if-none-exist': `identifier=${fx.mrnSystem('north')}|${(existing.identifier as { value: string }[])[0]!.value}` }, writeOnly);
    assert.equal(matched.status, 200);
    assert.equal(matched.body.resourceType, 'OperationOutcome', 'no body: the match is not shown');
    assert.ok(!JSON.stringify(matched.body).includes(twin));
    // A broad match: with read scope 412; without, the same answer as one match (no enumeration).
    await call('POST', '/Patient', { ...body, identifier: [{ system: fx.mrnSystem('north'), value: 'W-TWIN' }] });
    assert.equal((await call('POST', '/Patient', body, { 'if-none-exist': `family=${family}` })).status, 412);
    const broad = await call('POST', '/Patient', body, { 'if-none-exist': `family=${family}` }, writeOnly);
    assert.deepEqual({ status: broad.status, body: broad.body }, { status: matched.status, body: matched.body });
    const none = await call('POST', '/Patient', body, { 'if-none-exist': 'family=Nobodyhere' }, writeOnly);
    assert.equal(none.status, 201, 'it says whether it created');

    const obsReader = (await addApiClient(fx.t.owner, 'north', 'Obs reader', ['read:Observation'])).token;
    assert.equal((await call('GET', `/Observation?patient=${patient}`, undefined, {}, obsReader)).status, 200);
    assert.equal((await call('GET', `/Observation?patient=${patient}&_include=Observation:patient`, undefined, {}, obsReader)).status, 403);
    assert.equal((await call('GET', `/Patient/${patient}/_history`, undefined, {}, obsReader)).status, 403);
    assert.equal((await call('GET', `/Patient/${patient}/_history/1`, undefined, {}, obsReader)).status, 403);
    assert.equal((await call('POST', '/Patient/_search', `_id=${patient}`, { 'content-type': 'application/x-www-form-urlencoded' }, obsReader)).status, 403);
    const batch = await call('POST', '', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${patient}` } }, { request: { method: 'GET', url: `Observation?patient=${patient}` } }] }, {}, obsReader);
    assert.deepEqual((batch.body as Bundle).entry!.map((e) => e.response!.status), ['403', '200 OK']);
  });

  test('audit rows of reads, searches and includes carry the patient ids they returned', async () => {
    const reader = (await addApiClient(fx.t.owner, 'north', 'Auditor test', ['read:*'])).token;
    await call('GET', `/Observation?patient=${patient}&_include=Observation:patient`, undefined, {}, reader);
    await call('GET', `/Patient?_count=3`, undefined, {}, reader);
    await call('GET', `/Patient/${patient}/_history`, undefined, {}, reader);
    const rows = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'admin', id: 't' }, async (trx) =>
      (await sql<{ action: string; patient_id: string | null; detail: { patientIds?: string[] } }>`
        SELECT action, patient_id, detail FROM audit_events WHERE actor_kind = 'client' AND action IN ('fhir.search', 'fhir.history') ORDER BY seq DESC LIMIT 3`.execute(trx)).rows,
    );
    const [hist, patients, obs] = rows;
    assert.equal(hist!.action, 'fhir.history');
    assert.equal(hist!.patient_id, patient);
    assert.equal(patients!.detail.patientIds!.length, 3);
    assert.equal(obs!.patient_id, patient);
    assert.deepEqual(obs!.detail.patientIds, [patient]);
  });
});
