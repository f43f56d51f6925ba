import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { SYSTEMS, type CodeableConcept, type Reference, type Resource } from '../../../contract/fhir/types';
import type { MedicationRequestsTable } from '../../db/database';
import { unprocessable } from '../errors';
import { checkCodings, clip, conceptText, instantOf, primaryCoding } from './project';
import { codeCondition, patientTimeCondition } from './sql';
import type { ResourceStore } from './store';
import { saveVersion, tokenCondition, withMeta } from './stored';
import { currentBranchId } from '../../db/with-branch';
import { linkSubject, requirePatient, subjectPatientIds } from './subject';
import { timeOrderedQueries } from './time-ordered';

/*
 * MedicationRequest <-> medication_requests. Stored whole; the columns project the medication
 * (RxNorm when coded so, else the first coding; a medicationReference to a contained Medication
 * is read through), the dosage text, status, intent and time.
 */

const COLUMNS = ['id', 'patient_id', 'rxnorm', 'medication_system', 'display', 'dosage_text', 'status', 'intent', 'authored_at', 'updated_at', 'version'] as const;
type Selected = Pick<Selectable<MedicationRequestsTable>, (typeof COLUMNS)[number]>;

/** For rows never sent through FHIR (the seed's orders). */
function toFhir(r: Selected): Resource {
  const coding = r.rxnorm ? [{ ...(r.medication_system ? { system: r.medication_system } : {}), code: r.rxnorm, display: r.display }] : undefined;
  const res: Resource = {
    resourceType: 'MedicationRequest',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    status: r.status,
    intent: r.intent,
    medicationCodeableConcept: { ...(coding ? { coding } : {}), text: r.display },
    subject: { reference: `Patient/${r.patient_id}` },
    authoredOn: r.authored_at.toISOString(),
  };
  if (r.dosage_text) res.dosageInstruction = [{ text: r.dosage_text }];
  return res;
}

const condition = patientTimeCondition('authored_at', (name, v) => {
  switch (name) {
    case 'status':
      return codeCondition('status', v, 'http://hl7.org/fhir/CodeSystem/medicationrequest-status');
    case 'intent':
      return codeCondition('intent', v, 'http://hl7.org/fhir/CodeSystem/medicationrequest-intent');
    case 'code':
    case 'identifier':
      return tokenCondition('MedicationRequest', name, v);
    default:
      return null;
  }
});

/** The medication's concept: medicationCodeableConcept, or the contained Medication a reference names. */
function medicationConcept(res: Resource): { concept: CodeableConcept | undefined; path: string; display: string | null } {
  if (res.medicationCodeableConcept !== undefined) return { concept: res.medicationCodeableConcept as CodeableConcept, path: 'MedicationRequest.medicationCodeableConcept', display: null };
  const ref = res.medicationReference as Reference;
  if (ref.reference?.startsWith('#')) {
    const id = ref.reference.slice(1);
    const med = ((res.contained as Resource[] | undefined) ?? []).find((r) => r.resourceType === 'Medication' && r.id === id);
    if (!med) throw unprocessable('the contained Medication this reference names is missing', 'MedicationRequest.medicationReference');
    return { concept: med.code as CodeableConcept | undefined, path: `MedicationRequest.contained[${id}].code`, display: ref.display ?? null };
  }
  // A Medication this server does not hold: the reference's display is what the ward sees.
  return { concept: undefined, path: 'MedicationRequest.medicationReference', display: ref.display ?? ref.reference ?? null };
}

export const medicationRequestStore: ResourceStore = {
  type: 'MedicationRequest',
  ...timeOrderedQueries<Selected>({ type: 'MedicationRequest', table: 'medication_requests', columns: COLUMNS, timeColumn: 'authored_at', condition, toFhir: (_c, r) => toFhir(r) }),
  async create(c, res) {
    const patientId = await requirePatient(c, res.subject as Reference | undefined, 'MedicationRequest.subject');
    const med = medicationConcept(res);
    checkCodings(med.concept, med.path);
    const primary = primaryCoding(med.concept, SYSTEMS.rxnorm);
    const dosage = ((res.dosageInstruction as { text?: string; patientInstruction?: string }[] | undefined) ?? [])
      .map((d) => d.text ?? d.patientInstruction)
      .filter((t): t is string => typeof t === 'string');
    const id = randomUUID();
    const row = await c.trx
      .insertInto('medication_requests')
      .values({
        id,
        branch_id: currentBranchId(),
        patient_id: patientId,
        rxnorm: primary?.code ?? '',
        medication_system: primary ? (primary.system ?? null) : null,
        display: clip(primary?.display ?? conceptText(med.concept) ?? med.display ?? 'medication')!,
        dosage_text: dosage.length > 0 ? clip(dosage.join('; '), 2000) : null,
        status: res.status as string,
        intent: res.intent as string,
        authored_at: instantOf(res.authoredOn, 'MedicationRequest.authoredOn') ?? sql<Date>`now()`,
      })
      .returning(['version', 'updated_at'])
      .executeTakeFirstOrThrow();
    const stored = withMeta(linkSubject(res, patientId), id, row.version, row.updated_at);
    await saveVersion(c, stored);
    return stored;
  },
  patientIds: subjectPatientIds,
};
