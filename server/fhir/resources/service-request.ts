import { sql, type Selectable } from 'kysely';
import { parseDateSpan } from '../../../contract/fhir/dates';
import { SYSTEMS, type CodeableConcept, type Reference, type Resource } from '../../../contract/fhir/types';
import type { ServiceRequestsTable } from '../../db/database';
import { unprocessable } from '../errors';
import type { SearchParam } from '../search';
import { codeCondition, commonCondition, dateCondition, FALSE, or, patientCondition, type Condition } from './sql';
import type { ResourceStore } from './store';
import { timeOrderedQueries } from './time-ordered';
import { codeText, requirePatient, subjectPatientIds } from './subject';
import { currentBranchId } from '../../db/with-branch';

/* ServiceRequest <-> service_requests: referrals, imaging and procedures, SNOMED CT coded. */

/** Our own category codes (referral, imaging, diagnostic, procedure, consultation). */
export const SERVICE_CATEGORY_SYSTEM = 'urn:wardstation:service-request-category';

const COLUMNS = ['id', 'patient_id', 'snomed', 'display', 'category', 'status', 'priority', 'reason', 'authored_at', 'updated_at', 'version'] as const;
type Selected = Pick<Selectable<ServiceRequestsTable>, (typeof COLUMNS)[number]>;

function toFhir(r: Selected): Resource {
  const res: Resource = {
    resourceType: 'ServiceRequest',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    status: r.status,
    // The table holds orders only; anything else is refused on create.
    intent: 'order',
    category: [{ coding: [{ system: SERVICE_CATEGORY_SYSTEM, code: r.category }] }],
    priority: r.priority,
    code: { coding: [{ system: SYSTEMS.snomed, code: r.snomed, display: r.display }], text: r.display },
    subject: { reference: `Patient/${r.patient_id}` },
    authoredOn: r.authored_at.toISOString(),
  };
  if (r.reason) res.reasonCode = [{ text: r.reason }];
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
      if (p.name === 'status') return or(p.values.map((v) => codeCondition('status', v, 'http://hl7.org/fhir/request-status')));
      if (p.name === 'category') return or(p.values.map((v) => codeCondition('category', v, SERVICE_CATEGORY_SYSTEM)));
      return FALSE;
    default:
      return FALSE;
  }
}

export const serviceRequestStore: ResourceStore = {
  type: 'ServiceRequest',
  ...timeOrderedQueries<Selected>({ table: 'service_requests', columns: COLUMNS, timeColumn: 'authored_at', condition, toFhir: (_c, r) => toFhir(r) }),
  async create(c, res) {
    if (res.intent !== 'order') throw unprocessable('ServiceRequest.intent must be order');
    const code = res.code as CodeableConcept | undefined;
    const coding = code?.coding?.find((x) => x.system === SYSTEMS.snomed);
    const snomed = codeText(coding?.code, 'a SNOMED CT coding in ServiceRequest.code', 32);
    if (!/^\d{6,18}$/.test(snomed)) throw unprocessable('ServiceRequest.code must carry a SNOMED CT concept id');
    const display = codeText(coding?.display ?? code?.text ?? snomed, 'ServiceRequest code display', 500);
    const cat = (res.category as CodeableConcept[] | undefined)?.[0];
    const category = codeText(cat?.coding?.find((x) => x.system === SERVICE_CATEGORY_SYSTEM || x.system === undefined)?.code ?? cat?.text ?? 'referral', 'ServiceRequest.category', 40);
    const reason = (res.reasonCode as CodeableConcept[] | undefined)?.[0]?.text ?? null;
    if (reason !== null && reason.length > 2000) throw unprocessable('ServiceRequest.reasonCode.text is too long');
    const authored = typeof res.authoredOn === 'string' ? parseDateSpan(res.authoredOn) : null;
    if (res.authoredOn !== undefined && !authored) throw unprocessable('ServiceRequest.authoredOn is not a valid time');
    const row = await c.trx
      .insertInto('service_requests')
      .values({
        branch_id: currentBranchId(),
        patient_id: await requirePatient(c, res.subject as Reference | undefined, 'ServiceRequest.subject'),
        snomed,
        display,
        category,
        status: res.status as string,
        priority: (res.priority as string | undefined) ?? 'routine',
        reason,
        authored_at: authored ? new Date(authored.start).toISOString() : sql<Date>`now()`,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toFhir(row);
  },
  patientIds: subjectPatientIds,
};
