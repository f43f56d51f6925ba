import { sql } from 'kysely';
import { recordAudit } from '../audit/record';
import type { AllergyRecord, CodeStatusRecord, FirstResult, MutationResult, VitalsRecord } from '../../contract/sync';
import type { Actor, BranchTransaction } from '../db/with-branch';
import type { FhirConfig } from '../fhir/config';
import { createAllergyIntolerance } from '../fhir/resources/allergy-intolerance';
import { createObservation } from '../fhir/resources/observation';
import type { StoreContext } from '../fhir/resources/store';
import { allergyResource, vitalsObservations } from './resources';
import type { z } from 'zod';

/*
 * Station mutations that record clinical data (allergies, vital signs): applied once each in the
 * push's transaction, through the FHIR store (projection row, stored resource, search tokens, and
 * through the tables' triggers the change feed), audited like every patient write. The mutation
 * id is claimed in sync_mutations as the drafts' are, so a retried push answers `duplicate`.
 */

type ClinicalMutation = z.infer<typeof AllergyRecord> | z.infer<typeof VitalsRecord> | z.infer<typeof CodeStatusRecord>;

export function isClinicalMutation(m: { kind: string }): m is ClinicalMutation {
  return m.kind === 'allergy.record' || m.kind === 'vitals.record' || m.kind === 'code_status.record';
}

/**
 * A code status: only a physician of the branch records one (checked here, whatever the station
 * allowed). The row keeps the recorder's name and role as they were; its time is the station's,
 * but never later than the server's clock.
 */
async function recordCodeStatus(trx: BranchTransaction, actor: Actor, station: { id: string }, userId: number, p: z.infer<typeof CodeStatusRecord>['payload']): Promise<FirstResult> {
  const physician = await trx
    .selectFrom('user_branch_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select('u.display_name')
    .where('r.user_id', '=', userId)
    .where('r.role', '=', 'physician')
    .where(sql<boolean>`r.branch_id = nullif(current_setting('app.current_branch', true), '')::int`)
    .executeTakeFirst();
  if (!physician) return { status: 'rejected', reason: 'forbidden' };
  const inserted = await trx
    .insertInto('code_statuses')
    .values({
      branch_id: sql<number>`nullif(current_setting('app.current_branch', true), '')::int`,
      id: p.codeStatusId,
      patient_id: p.patientId,
      status: p.status,
      limitations: p.status === 'limitations' ? p.limitations : null,
      recorded_by: userId,
      recorded_by_name: physician.display_name,
      recorded_by_role: 'physician',
      recorded_at: sql<Date>`least(${p.recordedAt}::timestamptz, now())`,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { status: 'rejected', reason: 'invalid', detail: 'codeStatusId: already used' };
  await recordAudit(trx, actor, { action: 'code_status.record', entityType: 'code_status', entityId: p.codeStatusId, patientId: p.patientId, detail: { stationId: station.id, status: p.status } });
  return { status: 'applied' };
}

export async function applyClinical(trx: BranchTransaction, station: { id: string; branchCode: string }, userId: number, m: ClinicalMutation, fhir: FhirConfig): Promise<MutationResult> {
  const b = sql<number>`nullif(current_setting('app.current_branch', true), '')::int`;
  // A lock of this mutation id (class 7303), held to commit: a concurrent push of the same id
  // waits, then finds it applied and answers duplicate. Different records apply in parallel.
  await sql`SELECT pg_advisory_xact_lock(7303, hashtext(${m.id}))`.execute(trx);
  const first = await trx.selectFrom('sync_mutations').select('result').where('id', '=', m.id).executeTakeFirst();
  if (first) return { id: m.id, status: 'duplicate', first: first.result as FirstResult };
  const patient = await trx.selectFrom('patients').select('id').where('id', '=', m.payload.patientId).executeTakeFirst();
  let result: FirstResult | undefined;
  if (!patient) result = { status: 'rejected', reason: 'unknown_patient' };
  else {
    const c: StoreContext = { trx, config: fhir, branchCode: station.branchCode, identifierSystems: [] };
    const actor: Actor = { kind: 'user', id: String(userId) };
    if (m.kind === 'code_status.record') {
      result = await recordCodeStatus(trx, actor, station, userId, m.payload);
    } else if (m.kind === 'allergy.record') {
      const stored = await createAllergyIntolerance(c, allergyResource(m.payload, new Date().toISOString()));
      await recordAudit(trx, actor, { action: 'allergy.create', entityType: 'allergy_intolerance', entityId: String(stored.id), patientId: m.payload.patientId, detail: { stationId: station.id } });
    } else {
      const ids: string[] = [];
      for (const o of vitalsObservations(m.payload)) ids.push(String((await createObservation(c, o)).id));
      await recordAudit(trx, actor, { action: 'vitals.create', entityType: 'observation', entityId: ids[0]!, patientId: m.payload.patientId, detail: { stationId: station.id, observations: ids } });
    }
    result ??= { status: 'applied' };
  }
  await trx
    .insertInto('sync_mutations')
    .values({ branch_id: b, id: m.id, station_id: station.id, user_id: userId, kind: m.kind, result: JSON.stringify(result) })
    .execute();
  return { id: m.id, ...result };
}
