import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { news2 } from '../../contract/clinical/news2';
import type { Mutation } from '../../contract/sync';
import type { VitalsEntry } from '../../contract/vitals';
import { withBranch } from '../db/with-branch';
import { resourceProblems } from '../fhir/validate';
import { startSyncHarness, testUuid7, type SyncHarness } from '../testing/sync-harness';
import { allergyResource, vitalsObservations } from './resources';

/*
 * Allergies and vital signs recorded at a station reach the server through the sync push: once
 * each, as FHIR resources that validate against R4, on the feed of their branch only, audited.
 */

const vitals = (patientId: string, over: Partial<VitalsEntry> = {}): VitalsEntry => ({
  setId: randomUUID(),
  patientId,
  takenAt: '2026-12-02T08:15:00.000Z',
  respiratoryRate: 24,
  spo2: 93,
  spo2Scale: 1,
  onOxygen: true,
  oxygenFlow: 2,
  systolic: 98,
  diastolic: 61,
  pulse: 112,
  consciousness: 'A',
  temperature: 38.4,
  ...over,
});

describe('clinical records from stations', () => {
  let h: SyncHarness;
  let nurse: string;
  before(async () => {
    h = await startSyncHarness();
    nurse = await h.login('nurse.north', 'north', h.north1);
  });
  after(() => h.close());

  test('the FHIR resources built from station records validate against the R4 schema', () => {
    const p = randomUUID();
    for (const o of vitalsObservations(vitals(p))) assert.deepEqual(resourceProblems(o), [], JSON.stringify(o.code));
    for (const o of vitalsObservations(vitals(p, { onOxygen: false, oxygenFlow: null, diastolic: null, spo2Scale: 2, consciousness: 'V' }))) assert.deepEqual(resourceProblems(o), []);
    const at = new Date().toISOString();
    assert.deepEqual(resourceProblems(allergyResource({ allergyId: randomUUID(), patientId: p, substance: 'Penicillin', noneKnown: false, reaction: 'hives', criticality: 'high', category: 'medication' }, at)), []);
    assert.deepEqual(resourceProblems(allergyResource({ allergyId: randomUUID(), patientId: p, substance: '', noneKnown: true, reaction: null, criticality: null, category: null }, at)), []);
  });

  test('a nurse records vitals and an allergy: applied once, on the feed as vital-signs Observations and an AllergyIntolerance, audited', async () => {
    const patientId = h.f.north.patientIds[0]!;
    const entry = vitals(patientId);
    const ms: Mutation[] = [
      { kind: 'vitals.record', id: testUuid7(), payload: entry },
      { kind: 'allergy.record', id: testUuid7(), payload: { allergyId: randomUUID(), patientId, substance: 'Penicillin', noneKnown: false, reaction: 'hives', criticality: 'high', category: 'medication' } },
      { kind: 'allergy.record', id: testUuid7(), payload: { allergyId: randomUUID(), patientId: randomUUID(), substance: 'Latex', noneKnown: false, reaction: null, criticality: null, category: null } },
    ];
    const first = await h.push(h.north1, nurse, ms);
    assert.deepEqual(first.results.map((r) => r.status), ['applied', 'applied', 'rejected']);
    const again = await h.push(h.north1, nurse, ms);
    assert.deepEqual(again.results.map((r) => r.status), ['duplicate', 'duplicate', 'duplicate']);
    const admin = { kind: 'admin', id: 'test' } as const;
    const rows = await withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
      trx.selectFrom('observations').select(['loinc', 'value_num', 'value_text', 'components', 'category']).where('patient_id', '=', patientId).where('effective_at', '=', new Date(entry.takenAt)).execute(),
    );
    assert.deepEqual(rows.map((r) => r.loinc).sort(), ['2708-6', '3151-8', '67775-7', '8310-5', '85354-9', '8867-4', '9279-1']);
    assert.ok(rows.every((r) => (r.category as string[]).includes('vital-signs')));
    const allergies = await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('allergy_intolerances').select(['display', 'criticality']).where('patient_id', '=', patientId).execute());
    assert.deepEqual(allergies, [{ display: 'Penicillin', criticality: 'high' }]);
    const audit = await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('audit_events').select('action').where('action', 'in', ['vitals.create', 'allergy.create']).execute());
    assert.deepEqual(audit.map((a) => a.action).sort(), ['allergy.create', 'vitals.create']);
    // The station's feed carries them; the south station's does not.
    const pull = await h.pull(h.north1, nurse, '0', 5000);
    assert.ok(pull.changes.some((c) => c.entity === 'allergy_intolerance' && c.data.patient_id === patientId));
    assert.equal(pull.changes.filter((c) => c.entity === 'observation' && c.data.patient_id === patientId && Array.isArray(c.data.category) && (c.data.category as string[]).includes('vital-signs')).length, 7);
    const south = await h.login('dr.south', 'south', h.south1);
    const southPull = await h.pull(h.south1, south, '0', 5000);
    assert.ok(!southPull.changes.some((c) => c.entity === 'allergy_intolerance' || c.data.patient_id === patientId));
    // The score the station shows for this set: RR 24 (2), SpO2 93 (2), O2 (2), SBP 98 (2), HR 112 (2), A (0), T 38.4 (1).
    assert.equal(news2({ ...entry, systolicBp: entry.systolic }).total, 11);
  });

  test('a record the contract refuses is rejected alone, with the field named', async () => {
    const patientId = h.f.north.patientIds[1]!;
    const r = await fetch(`${h.url}/api/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nurse}`, 'x-station-credential': h.north1.credential, 'content-type': 'application/json' },
      body: JSON.stringify({ mutations: [{ kind: 'vitals.record', id: testUuid7(), payload: { ...vitals(patientId), spo2: 140 } }, { kind: 'allergy.record', id: testUuid7(), payload: { allergyId: randomUUID(), patientId, substance: 'Peanut', noneKnown: false, reaction: null, criticality: null, category: 'food' } }] }),
    });
    const body = (await r.json()) as { results: { status: string; reason?: string; detail?: string }[] };
    assert.equal(r.status, 200);
    assert.deepEqual(body.results.map((x) => x.status), ['rejected', 'applied']);
    assert.match(body.results[0]!.detail ?? '', /spo2/);
  });

  test('a physician records a code status: once, with her name and role, on the feed of her branch only, audited; a nurse is refused', async () => {
    const patientId = h.f.north.patientIds[2]!;
    const physician = await h.login('dr.north', 'north', h.north1);
    const entry = (status: 'full-code' | 'dnacpr' | 'limitations', limitations: string | null = null) => ({
      codeStatusId: randomUUID(),
      patientId,
      status,
      limitations,
      recordedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const ms: Mutation[] = [
      { kind: 'code_status.record', id: testUuid7(), payload: entry('limitations', 'No intubation, no ICU') },
      { kind: 'code_status.record', id: testUuid7(), payload: { ...entry('dnacpr'), recordedAt: new Date(Date.now() + 86_400_000).toISOString() } },
      { kind: 'code_status.record', id: testUuid7(), payload: { ...entry('full-code'), patientId: randomUUID() } },
    ];
    const first = await h.push(h.north1, physician, ms);
    assert.deepEqual(first.results.map((r) => r.status), ['applied', 'applied', 'rejected']);
    assert.deepEqual((await h.push(h.north1, physician, ms)).results.map((r) => r.status), ['duplicate', 'duplicate', 'duplicate']);
    // A nurse's code status is refused by the server, whatever her station allowed.
    const byNurse = await h.push(h.north1, nurse, [{ kind: 'code_status.record', id: testUuid7(), payload: entry('dnacpr') }]);
    assert.deepEqual(byNurse.results.map((r) => [r.status, 'reason' in r ? r.reason : undefined]), [['rejected', 'forbidden']]);
    // Limitations need their wording: the contract refuses one without, alone.
    const r = await fetch(`${h.url}/api/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${physician}`, 'x-station-credential': h.north1.credential, 'content-type': 'application/json' },
      body: JSON.stringify({ mutations: [{ kind: 'code_status.record', id: testUuid7(), payload: entry('limitations') }] }),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { results: { status: string }[] }).results.map((x) => x.status), ['rejected']);
    const admin = { kind: 'admin', id: 'test' } as const;
    const rows = await withBranch(h.t.owner, h.f.north.id, admin, (trx) =>
      trx.selectFrom('code_statuses').select(['status', 'limitations', 'recorded_by_name', 'recorded_by_role', 'recorded_at']).where('patient_id', '=', patientId).orderBy('recorded_at').execute(),
    );
    assert.deepEqual(rows.map((x) => [x.status, x.limitations, x.recorded_by_role]), [['limitations', 'No intubation, no ICU', 'physician'], ['dnacpr', null, 'physician']]);
    assert.ok(rows.every((x) => x.recorded_by_name === 'dr.north'));
    assert.ok(rows[1]!.recorded_at.getTime() <= Date.now() + 1000, 'a station clock ahead does not record a decision in the future');
    const audit = await withBranch(h.t.owner, h.f.north.id, admin, (trx) => trx.selectFrom('audit_events').select('action').where('action', '=', 'code_status.record').execute());
    assert.equal(audit.length, 2);
    const pull = await h.pull(h.north1, nurse, '0', 5000);
    assert.equal(pull.changes.filter((c) => c.entity === 'code_status' && c.data.patient_id === patientId).length, 2);
    const south = await h.login('dr.south', 'south', h.south1);
    assert.ok(!(await h.pull(h.south1, south, '0', 5000)).changes.some((c) => c.entity === 'code_status' && c.data.patient_id === patientId));
    // Another branch's physician cannot record one for this patient: it is not a patient of theirs.
    const foreign = await h.push(h.south1, south, [{ kind: 'code_status.record', id: testUuid7(), payload: entry('dnacpr') }]);
    assert.deepEqual(foreign.results.map((x) => [x.status, 'reason' in x ? x.reason : undefined]), [['rejected', 'unknown_patient']]);
  });
});
