import { sql, type Selectable } from 'kysely';
import { parseDateSpan } from '../../../contract/fhir/dates';
import { SYSTEMS, type CodeableConcept, type Reference, type Resource } from '../../../contract/fhir/types';
import type { MedicationRequestsTable } from '../../db/database';
import { unprocessable } from '../errors';
import type { SearchParam } from '../search';
import { codeCondition, commonCondition, dateCondition, FALSE, or, patientCondition, type Condition } from './sql';
import type { ResourceStore } from './store';
import { timeOrderedQueries } from './time-ordered';
import { codeText, requirePatient, subjectPatientIds } from './subject';
import { currentBranchId } from '../../db/with-branch';

/* MedicationRequest <-> medication_requests (RxNorm-coded orders). */

const COLUMNS = ['id', 'patient_id', 'rxnorm', 'display', 'dosage_text', 'status', 'intent', 'authored_at', 'updated_at', 'version'] as const;
type Selected = Pick<Selectable<MedicationRequestsTable>, (typeof COLUMNS)[number]>;

function toFhir(r: Selected): Resource {
  const res: Resource = {
    resourceType: 'MedicationRequest',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    status: r.status,
    intent: r.intent,
    medicationCodeableConcept: { coding: [{ system: SYSTEMS.rxnorm, code: r.rxnorm, display: r.display }], text: r.display },
    subject: { reference: `Patient/${r.patient_id}` },
    authoredOn: r.authored_at.toISOString(),
  };
  if (r.dosage_text) res.dosageInstruction = [{ text: r.dosage_text }];
  return res;
}

function condition(p: SearchParam): Condition {
  const common = commonCondition(p);
  if (common) return common;
  switch (p.type) {
    case 'reference':
      return or(p.values.map((v) => patientCondition('patient_id', v)));
    case 'date':
      return or(p.values.map((v) => dateCondition('authored_at', v, 'timestamptz')));
    case 'token':
      if (p.name === 'status') return or(p.values.map((v) => codeCondition('status', v, 'http://hl7.org/fhir/CodeSystem/medicationrequest-status')));
      if (p.name === 'intent') return or(p.values.map((v) => codeCondition('intent', v, 'http://hl7.org/fhir/CodeSystem/medicationrequest-intent')));
      return FALSE;
    default:
      return FALSE;
  }
}

export const medicationRequestStore: ResourceStore = {
  type: 'MedicationRequest',
  ...timeOrderedQueries<Selected>({ table: 'medication_requests', columns: COLUMNS, timeColumn: 'authored_at', condition, toFhir: (_c, r) => toFhir(r) }),
  async create(c, res) {
    if (res.medicationReference !== undefined) throw unprocessable('MedicationRequest.medicationReference is not supported; use medicationCodeableConcept');
    const med = res.medicationCodeableConcept as CodeableConcept;
    const coding = med.coding?.find((x) => x.system === SYSTEMS.rxnorm);
    const code = codeText(coding?.code, 'an RxNorm coding in MedicationRequest.medicationCodeableConcept', 64);
    const display = codeText(coding?.display ?? med.text ?? code, 'MedicationRequest medication display', 500);
    const dosage = (res.dosageInstruction as { text?: string }[] | undefined)?.[0]?.text ?? null;
    if (dosage !== null && dosage.length > 2000) throw unprocessable('MedicationRequest.dosageInstruction.text is too long');
    const authored = typeof res.authoredOn === 'string' ? parseDateSpan(res.authoredOn) : null;
    if (res.authoredOn !== undefined && !authored) throw unprocessable('MedicationRequest.authoredOn is not a valid time');
    const row = await c.trx
      .insertInto('medication_requests')
      .values({
        branch_id: currentBranchId(),
        patient_id: await requirePatient(c, res.subject as Reference | undefined, 'MedicationRequest.subject'),
        rxnorm: code,
        display,
        dosage_text: dosage,
        status: res.status as string,
        intent: res.intent as string,
        authored_at: authored ? new Date(authored.start).toISOString() : sql<Date>`now()`,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toFhir(row);
  },
  patientIds: subjectPatientIds,
};
