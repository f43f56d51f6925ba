import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Bundle, Resource } from '../../contract/fhir/types';
import { withBranch } from '../db/with-branch';
import { assertValidFhir, fhirFetch, fhirFixture, type FhirFixture } from './testing/fixture';

/*
 * Lossless storage: what a partner sends is what it reads back (ignoring only id and meta), the
 * columns the station reads are projections of it, vital signs keep their category and
 * components, AllergyIntolerance is a stored type on the change feed, and every identifier is
 * searchable and usable in If-None-Exist.
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

export function bloodPressure(subject: object, systolic: number, diastolic: number, at: string): Resource {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' }],
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure' },
    subject,
    effectiveDateTime: at,
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: { value: systolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: { value: diastolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    ],
  };
}

/** The resource without the elements the server owns (id, meta). */
export function sentPart(r: Resource): Record<string, unknown> {
  const { id: _id, meta: _meta, ...rest } = r;
  void _id;
  void _meta;
  return rest;
}

function ids(b: Resource, mode = 'match'): string[] {
  return ((b as Bundle).entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!.id!);
}

describe('lossless FHIR storage', () => {
  let fx: FhirFixture;
  let patient: string;
  const get = async (path: string, token = fx.tokens.northLab) => {
    const r = await fhirFetch(fx.baseUrl, token, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertValidFhir(r.body);
    return r.body;
  };
  const post = async (type: string, body: unknown, headers: Record<string, string> = {}, token = fx.tokens.northLab) => fhirFetch(fx.baseUrl, token, 'POST', `/${type}`, body, headers);

  before(async () => {
    fx = await fhirFixture(2);
    patient = fx.f.north.patientIds[0]!;
  });
  after(async () => fx.close());

  test('blood pressure as a panel: read back as sent, found by code, component-code and category; the columns project it', async () => {
    const sent = bloodPressure({ reference: `Patient/${patient}` }, 142, 91, '2026-11-30T07:15:00Z');
    const r = await post('Observation', sent);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(sentPart(r.body), sent);
    const id = r.body.id!;
    const read = await get(`/Observation/${id}`);
    assert.deepEqual(sentPart(read), sent);
    assert.equal(read.meta?.versionId, '1');

    for (const q of ['code=http://loinc.org|85354-9', 'code=85354-9', 'component-code=http://loinc.org|8480-6', 'component-code=8462-4', 'category=vital-signs', `category=${CATEGORY}|vital-signs`]) {
      assert.ok(ids(await get(`/Observation?patient=${patient}&${q}`)).includes(id), q);
    }
    for (const q of ['category=laboratory', 'code=8480-6', 'component-code=2345-7']) {
      assert.ok(!ids(await get(`/Observation?patient=${patient}&${q}`)).includes(id), q);
    }

    const row = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'system', id: 'test' }, (trx) =>
      trx.selectFrom('observations').select(['loinc', 'category', 'components', 'value_num', 'patient_id']).where('id', '=', id).executeTakeFirstOrThrow(),
    );
    assert.equal(row.loinc, '85354-9');
    assert.deepEqual(row.category, ['vital-signs']);
    assert.equal(row.value_num, null);
    const comps = row.components as { code: string; value_num: number; unit: string }[];
    assert.deepEqual(comps.map((c) => [c.code, c.value_num, c.unit]), [['8480-6', 142, 'mm[Hg]'], ['8462-4', 91, 'mm[Hg]']]);

    // The station receives the projection, components included, on its change feed.
    const feed = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'system', id: 'test' }, (trx) =>
      trx.selectFrom('change_feed').select(['entity', 'data']).where('entity_id', '=', id).execute(),
    );
    assert.equal(feed.length, 1);
    assert.equal(feed[0]!.entity, 'observation');
    assert.deepEqual((feed[0]!.data as { category: string[] }).category, ['vital-signs']);
    assert.equal((feed[0]!.data as { components: unknown[] }).components.length, 2);
    assert.equal((feed[0]!.data as { resource?: unknown }).resource, undefined, 'the feed carries the projection, not the stored resource');
  });

  test('every value[x] and the extras partners send come back unchanged', async () => {
    const subject = { reference: `Patient/${patient}` };
    const bodies: Resource[] = [
      {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: CATEGORY, code: 'social-history' }] }],
        code: { coding: [{ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }], text: 'Tobacco smoking status' },
        subject,
        effectiveDateTime: '2026-11-29',
        valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006', display: 'Former smoker' }], text: 'Former smoker' },
      },
      {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '271649006', display: 'Systolic blood pressure' }, { system: 'urn:local', code: 'SBP' }], text: 'SBP' },
        subject,
        effectivePeriod: { start: '2026-11-29T08:00:00+01:00', end: '2026-11-29T09:00:00+01:00' },
        valueInteger: 3,
        note: [{ text: 'no effective end lost' }],
      },
      {
        resourceType: 'Observation',
        status: 'preliminary',
        code: { coding: [{ system: LOINC, code: '2345-7' }] },
        subject,
        valueQuantity: { value: 5.4, comparator: '<', unit: 'mmol/l', system: UCUM, code: 'mmol/L' },
        referenceRange: [{ low: { value: 3.9, system: UCUM, code: 'mmol/L' }, text: 'fasting' }],
        interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal' }], text: 'normal' }],
      },
      { resourceType: 'Observation', status: 'final', code: { text: 'free text only' }, subject, valueBoolean: true },
      { resourceType: 'Observation', status: 'final', code: { text: 'range' }, subject, valueRange: { low: { value: 1 }, high: { value: 2 } } },
      { resourceType: 'Observation', status: 'final', code: { text: 'ratio' }, subject, valueRatio: { numerator: { value: 1 }, denominator: { value: 128 } } },
      { resourceType: 'Observation', status: 'final', code: { text: 'time' }, subject, valueTime: '08:15:00', effectiveInstant: '2026-11-29T08:15:00.123Z' },
    ];
    for (const sent of bodies) {
      const r = await post('Observation', sent);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.deepEqual(sentPart(await get(`/Observation/${r.body.id}`)), sent);
    }
    const found = await get(`/Observation?patient=${patient}&code=urn:local|SBP`);
    assert.equal(ids(found).length, 1, 'an extra coding is searchable');
  });

  test('every identifier is searchable and usable in If-None-Exist: a resend keyed on the second one creates nothing', async () => {
    const sent: Resource = {
      resourceType: 'Observation',
      identifier: [{ system: 'urn:lab:order', value: 'O-77' }, { system: 'urn:lab:filler', value: 'F-77' }],
      status: 'final',
      code: { coding: [{ system: LOINC, code: '718-7' }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: '2026-11-28T10:00:00Z',
      valueQuantity: { value: 13.2, unit: 'g/dL', system: UCUM, code: 'g/dL' },
    };
    const first = await post('Observation', sent, { 'if-none-exist': 'identifier=urn:lab:filler|F-77' });
    assert.equal(first.status, 201);
    const again = await post('Observation', sent, { 'if-none-exist': 'identifier=urn:lab:filler|F-77' });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(ids(await get('/Observation?identifier=urn:lab:filler|F-77')), [first.body.id]);
    assert.deepEqual(ids(await get('/Observation?identifier=F-77')), [first.body.id]);
  });

  test('AllergyIntolerance: created, read as sent, searched by patient, projected for the banner and sent on the feed; other branches see nothing', async () => {
    const sent: Resource = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
      type: 'allergy',
      category: ['medication'],
      criticality: 'high',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '373270004', display: 'Penicillin -class of antibiotic- (substance)' }], text: 'Penicillin' },
      patient: { reference: `Patient/${patient}` },
      recordedDate: '2026-11-01',
      reaction: [{ manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '247472004', display: 'Hives' }], text: 'Hives' }], severity: 'moderate' }],
    };
    const r = await post('AllergyIntolerance', sent);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(sentPart(await get(`/AllergyIntolerance/${r.body.id}`)), sent);
    for (const q of [`patient=${patient}`, `patient=Patient/${patient}&clinical-status=active`, 'criticality=high', 'category=medication', 'code=373270004']) {
      assert.deepEqual(ids(await get(`/AllergyIntolerance?${q}`)), [r.body.id], q);
    }
    const row = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'system', id: 'test' }, (trx) =>
      trx.selectFrom('allergy_intolerances').selectAll().where('id', '=', r.body.id!).executeTakeFirstOrThrow(),
    );
    assert.equal(row.display, 'Penicillin');
    assert.equal(row.criticality, 'high');
    assert.equal(row.clinical_status, 'active');
    assert.deepEqual(row.reactions, [{ manifestations: ['Hives'], severity: 'moderate', description: null }]);
    const feed = await withBranch(fx.t.owner, fx.f.north.id, { kind: 'system', id: 'test' }, (trx) =>
      trx.selectFrom('change_feed').select('entity').where('entity_id', '=', r.body.id!).execute(),
    );
    assert.deepEqual(feed.map((f) => f.entity), ['allergy_intolerance']);

    assert.equal((await fhirFetch(fx.baseUrl, fx.tokens.southLab, 'GET', `/AllergyIntolerance/${r.body.id}`)).status, 404);
    assert.deepEqual(ids(await get(`/AllergyIntolerance?patient=${patient}`, fx.tokens.southLab)), []);
    const cross = await post('AllergyIntolerance', sent, {}, fx.tokens.southLab);
    assert.equal(cross.status, 422);
    assert.deepEqual((cross.body as unknown as { issue: { expression?: string[] }[] }).issue[0]!.expression, ['AllergyIntolerance.patient.reference']);
    const south = await withBranch(fx.t.owner, fx.f.south.id, { kind: 'system', id: 'test' }, (trx) =>
      sql<{ n: string }>`SELECT count(*) AS n FROM allergy_intolerances`.execute(trx),
    );
    assert.equal(south.rows[0]!.n, '0');
  });
});
