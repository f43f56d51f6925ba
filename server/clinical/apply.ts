import { sql } from 'kysely';
import { recordAudit } from '../audit/record';
import type { AllergyRecord, FirstResult, MutationResult, VitalsRecord } from '../../contract/sync';
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

type ClinicalMutation = z.infer<typeof AllergyRecord> | z.infer<typeof VitalsRecord>;

export function isClinicalMutation(m: { kind: string }): m is ClinicalMutation {
  return m.kind === 'allergy.record' || m.kind === 'vitals.record';
}

export async function applyClinical(trx: BranchTransaction, station: { id: string; branchCode: string }, userId: number, m: ClinicalMutation, fhir: FhirConfig): Promise<MutationResult> {
  const b = sql<number>`nullif(current_setting('app.current_branch', true), '')::int`;
  // A lock of this mutation id (class 7303), held to commit: a concurrent push of the same id
  // waits, then finds it applied and answers duplicate. Different records apply in parallel.
  await sql`SELECT pg_advisory_xact_lock(7303, hashtext(${m.id}))`.execute(trx);
  const first = await trx.selectFrom('sync_mutations').select('result').where('id', '=', m.id).executeTakeFirst();
  if (first) return { id: m.id, status: 'duplicate', first: first.result as FirstResult };
  const patient = await trx.selectFrom('patients').select('id').where('id', '=', m.payload.patientId).executeTakeFirst();
  let result: FirstResult;
  if (!patient) result = { status: 'rejected', reason: 'unknown_patient' };
  else {
    const c: StoreContext = { trx, config: fhir, branchCode: station.branchCode, identifierSystems: [] };
    const actor: Actor = { kind: 'user', id: String(userId) };
    if (m.kind === 'allergy.record') {
      const stored = await createAllergyIntolerance(c, allergyResource(m.payload, new Date().toISOString()));
      await recordAudit(trx, actor, { action: 'allergy.create', entityType: 'allergy_intolerance', entityId: String(stored.id), patientId: m.payload.patientId, detail: { stationId: station.id } });
    } else {
      const ids: string[] = [];
      for (const o of vitalsObservations(m.payload)) ids.push(String((await createObservation(c, o)).id));
      await recordAudit(trx, actor, { action: 'vitals.create', entityType: 'observation', entityId: ids[0]!, patientId: m.payload.patientId, detail: { stationId: station.id, observations: ids } });
    }
    result = { status: 'applied' };
  }
  await trx
    .insertInto('sync_mutations')
    .values({ branch_id: b, id: m.id, station_id: station.id, user_id: userId, kind: m.kind, result: JSON.stringify(result) })
    .execute();
  return { id: m.id, ...result };
}
