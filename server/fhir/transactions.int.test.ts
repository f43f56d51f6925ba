import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Bundle, OperationOutcome, Resource } from '../../contract/fhir/types';
import { addApiClient } from '../admin/credentials';
import { assertValidFhir, fhirFetch, fhirFixture, type FhirFixture } from './testing/fixture';
import { servedOnly, SYNTHEA_MRN_SYSTEM, syntheaBundle } from './testing/synthea';

/*
 * Transactions real feeds send: Synthea-shaped patient bundles (our own generator: hundreds of
 * entries, vital-signs panels with components, valueCodeableConcept, urn:uuid and conditional
 * references) go in as one transaction and every entry reads back as sent; failures name the
 * entry index and the element; the entry limit is configured and stated.
 */

/** A sent resource as the server should store it: urn:uuid references to entries created in the bundle become literal ones. */
function expected(resource: Resource, created: Map<string, string>): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'reference' && typeof x === 'string' && created.has(x) ? created.get(x) : walk(x)]));
    }
    return v;
  };
  const { id: _id, meta, ...rest } = resource;
  void _id;
  // meta.profile etc. are kept; versionId and lastUpdated are the server's.
  return { ...(walk(rest) as object), ...(meta ? { meta } : {}) };
}

function withoutServerMeta(r: Resource): unknown {
  const { id: _id, meta, ...rest } = r;
  void _id;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta ?? {};
  void [_v, _l];
  return { ...rest, ...(Object.keys(kept).length > 0 ? { meta: kept } : {}) };
}

describe('transaction bundles from real feeds', () => {
  let fx: FhirFixture;
  let token: string;

  before(async () => {
    fx = await fhirFixture(1);
    token = (await addApiClient(fx.t.owner, 'north', 'Synthea feed', ['read:*', 'write:*'], 'test', [SYNTHEA_MRN_SYSTEM])).token;
  });
  after(async () => fx.close());

  test('a Synthea-shaped patient bundle of hundreds of entries goes in as one transaction; every entry reads back as sent', async () => {
    const full = syntheaBundle({ seed: 7, encounters: 40, mrn: 'SYN-7' });
    const bundle = servedOnly(full);
    const n = bundle.entry!.length;
    assert.ok(n >= 400, `hundreds of entries (${n})`);
    const r = await fhirFetch(fx.baseUrl, token, 'POST', '', bundle);
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 600));
    const response = r.body as Bundle;
    assert.equal(response.type, 'transaction-response');
    assert.equal(response.entry!.length, n);
    const created = new Map<string, string>();
    bundle.entry!.forEach((e, i) => {
      const res = response.entry![i]!.response!;
      assert.equal(res.status, '201 Created');
      created.set(e.fullUrl!, `${e.resource!.resourceType}/${response.entry![i]!.resource!.id}`);
    });
    for (const [i, e] of bundle.entry!.entries()) {
      const [type, id] = created.get(e.fullUrl!)!.split('/');
      const read = await fhirFetch(fx.baseUrl, token, 'GET', `/${type}/${id}`);
      assert.equal(read.status, 200);
      assertValidFhir(read.body);
      assert.deepEqual(withoutServerMeta(read.body), expected(e.resource!, created), `entry ${i} (${type}) round-trips`);
    }
    const patientId = created.get(bundle.entry!.find((e) => e.resource!.resourceType === 'Patient')!.fullUrl!)!.split('/')[1];
    const panels = bundle.entry!.filter((e) => (e.resource!.code as { coding?: { code?: string }[] } | undefined)?.coding?.[0]?.code === '85354-9').length;
    const search = async (q: string) => ((await fhirFetch(fx.baseUrl, token, 'GET', `/Observation?patient=${patientId}&${q}&_summary=count`)).body as Bundle).total;
    assert.equal(await search('component-code=http://loinc.org|8480-6'), panels);
    assert.equal(await search('code=85354-9'), panels);
    assert.equal(await search('category=vital-signs'), panels * 7);
    assert.equal(await search('code=72166-2'), 40);

    // A resend of the same patient, naming it by conditional reference: resolved in the branch.
    const later = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Observation' },
          resource: {
            resourceType: 'Observation',
            status: 'final',
            category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            subject: { reference: `Patient?identifier=${SYNTHEA_MRN_SYSTEM}|SYN-7` },
            effectiveDateTime: '2026-12-01T10:00:00Z',
            valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          },
        },
      ],
    };
    const again = await fhirFetch(fx.baseUrl, token, 'POST', '', later);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const obs = (again.body as Bundle).entry![0]!.resource!;
    assert.deepEqual(obs.subject, { reference: `Patient/${patientId}` });
    // Another branch cannot reach this patient by the same conditional reference.
    const southToken = (await addApiClient(fx.t.owner, 'south', 'Synthea feed south', ['read:*', 'write:*'], 'test', [SYNTHEA_MRN_SYSTEM])).token;
    const south = await fhirFetch(fx.baseUrl, southToken, 'POST', '', later);
    assert.equal(south.status, 422);
    assert.deepEqual((south.body as OperationOutcome).issue[0]!.expression, ['Bundle.entry[0].resource.subject.reference']);
  });

  test('a failing entry fails the transaction naming its index and element; nothing is written', async () => {
    const bundle = servedOnly(syntheaBundle({ seed: 8, encounters: 3, mrn: 'SYN-8' }));
    const bad = 5;
    const entry = bundle.entry![bad]!;
    entry.resource = { ...entry.resource!, code: { coding: [{ system: 'http://loinc.org', code: '8480-7' }] } };
    const r = await fhirFetch(fx.baseUrl, token, 'POST', '', bundle);
    assert.equal(r.status, 422);
    const issue = (r.body as OperationOutcome).issue[0]!;
    assert.deepEqual(issue.expression, [`Bundle.entry[${bad}].resource.code.coding[0].code`]);
    assert.match(issue.diagnostics!, new RegExp(`^Bundle\\.entry\\[${bad}\\] \\(POST Observation\\): .*LOINC`));
    const patients = (await fhirFetch(fx.baseUrl, token, 'GET', `/Patient?identifier=${SYNTHEA_MRN_SYSTEM}|SYN-8`)).body as Bundle;
    assert.equal(patients.total, 0, 'nothing written');

    // An invalid element (schema) names its entry too.
    const invalid = servedOnly(syntheaBundle({ seed: 9, encounters: 1, mrn: 'SYN-9' }));
    (invalid.entry![3]!.resource as Record<string, unknown>).status = 'done';
    const r2 = await fhirFetch(fx.baseUrl, token, 'POST', '', invalid);
    assert.equal(r2.status, 400);
    assert.ok((r2.body as OperationOutcome).issue[0]!.expression!.some((x) => x.startsWith('Bundle.entry[3].resource')), JSON.stringify(r2.body));
  });

  test('types this server does not serve: their own 4xx entry in a batch, a clear failure of a transaction', async () => {
    const full = syntheaBundle({ seed: 10, encounters: 1, mrn: 'SYN-10' });
    const tx = await fhirFetch(fx.baseUrl, token, 'POST', '', full);
    assert.equal(tx.status, 400);
    const issue = (tx.body as OperationOutcome).issue[0]!;
    assert.deepEqual(issue.expression, ['Bundle.entry[0].request.url']);
    assert.match(issue.diagnostics!, /does not serve Organization/);

    // As a batch (urn:uuid references only resolve inside a transaction, so the clinical entries name the patient by identifier).
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        full.entry![0]!,
        { request: { method: 'POST', url: 'Observation' }, resource: { ...full.entry!.find((e) => e.resource!.resourceType === 'Observation')!.resource!, subject: { reference: 'Patient?identifier=urn:nobody|x' } } },
      ],
    };
    const b = await fhirFetch(fx.baseUrl, token, 'POST', '', batch);
    assert.equal(b.status, 200);
    const entries = (b.body as Bundle).entry!;
    assert.equal(entries[0]!.response!.status, '404');
    assert.equal(entries[1]!.response!.status, '422');
  });

  test('the entry limit is configured and stated in the CapabilityStatement; a larger bundle is refused with 413', async () => {
    const cs = (await fhirFetch(fx.baseUrl, null, 'GET', '/metadata')).body as unknown as { rest: { interaction: { code: string; documentation?: string }[]; resource: { type: string; documentation?: string }[] }[] };
    const doc = cs.rest[0]!.interaction.find((i) => i.code === 'transaction')!.documentation!;
    assert.match(doc, /At most 1000 entries and 10485760 bytes per Bundle/);
    assert.match(cs.rest[0]!.resource.find((r) => r.type === 'Patient')!.documentation!, /urn:wardstation:branch:\{branch\}:mrn/);
    const big = { resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 1001 }, () => ({ request: { method: 'GET', url: 'Patient?_count=1' } })) };
    const r = await fhirFetch(fx.baseUrl, token, 'POST', '', big);
    assert.equal(r.status, 413);
    assert.match((r.body as OperationOutcome).issue[0]!.diagnostics!, /at most 1000 entries/);
  });
});
