import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { SYSTEMS, type CodeableConcept, type Reference, type Resource } from '../../../contract/fhir/types';
import type { ServiceRequestsTable } from '../../db/database';
import { unprocessable } from '../errors';
import { checkCodings, clip, conceptText, instantOf, primaryCoding } from './project';
import { codeCondition, or, patientTimeCondition } from './sql';
import type { ResourceStore } from './store';
import { saveVersion, tokenCondition, withMeta } from './stored';
import { currentBranchId } from '../../db/with-branch';
import { linkSubject, requirePatient, subjectPatientIds } from './subject';
import { timeOrderedQueries } from './time-ordered';

/* ServiceRequest <-> service_requests: referrals, imaging and procedures. Stored whole; the columns project it. */

/** Our own category codes (referral, imaging, diagnostic, procedure, consultation). */
export const SERVICE_CATEGORY_SYSTEM = 'urn:wardstation:service-request-category';

const COLUMNS = ['id', 'patient_id', 'snomed', 'code_system', 'display', 'category', 'status', 'intent', 'priority', 'reason', 'authored_at', 'updated_at', 'version'] as const;
type Selected = Pick<Selectable<ServiceRequestsTable>, (typeof COLUMNS)[number]>;

/** For rows never sent through FHIR (the seed's referrals). */
function toFhir(r: Selected): Resource {
  const res: Resource = {
    resourceType: 'ServiceRequest',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    status: r.status,
    intent: r.intent,
    ...(r.category ? { category: [{ coding: [{ system: SERVICE_CATEGORY_SYSTEM, code: r.category }] }] } : {}),
    priority: r.priority,
    code: r.snomed ? { coding: [{ ...(r.code_system ? { system: r.code_system } : {}), code: r.snomed, display: r.display }], text: r.display } : { text: r.display },
    subject: { reference: `Patient/${r.patient_id}` },
    authoredOn: r.authored_at.toISOString(),
  };
  if (r.reason) res.reasonCode = [{ text: r.reason }];
  return res;
}

const condition = patientTimeCondition('authored_at', (name, v) => {
  switch (name) {
    case 'status':
      return codeCondition('status', v, 'http://hl7.org/fhir/request-status');
    case 'intent':
      return codeCondition('intent', v, 'http://hl7.org/fhir/request-intent');
    // The first category is a column (seeded referrals have no stored resource); every category of a sent one is in the token index.
    case 'category':
      return or([codeCondition('category', v, SERVICE_CATEGORY_SYSTEM), tokenCondition('ServiceRequest', 'category', v)]);
    case 'code':
      return or([codeCondition('snomed', v, SYSTEMS.snomed), tokenCondition('ServiceRequest', 'code', v)]);
    case 'identifier':
      return tokenCondition('ServiceRequest', 'identifier', v);
    default:
      return null;
  }
});

export const serviceRequestStore: ResourceStore = {
  type: 'ServiceRequest',
  ...timeOrderedQueries<Selected>({ type: 'ServiceRequest', table: 'service_requests', columns: COLUMNS, timeColumn: 'authored_at', condition, toFhir: (_c, r) => toFhir(r) }),
  async create(c, res) {
    const patientId = await requirePatient(c, res.subject as Reference | undefined, 'ServiceRequest.subject');
    const code = res.code as CodeableConcept | undefined;
    checkCodings(code, 'ServiceRequest.code');
    const primary = primaryCoding(code, SYSTEMS.snomed);
    if (primary?.system === SYSTEMS.snomed && !/^\d{6,18}$/.test(primary.code!)) {
      throw unprocessable('a code that claims SNOMED CT must be a SNOMED CT concept id', 'ServiceRequest.code.coding.code');
    }
    const cats = (res.category as CodeableConcept[] | undefined) ?? [];
    const firstCat = cats[0] ? (primaryCoding(cats[0], SERVICE_CATEGORY_SYSTEM)?.code ?? cats[0].text ?? '') : '';
    const reasons = ((res.reasonCode as CodeableConcept[] | undefined) ?? []).map(conceptText).filter((t): t is string => t !== null);
    const id = randomUUID();
    const row = await c.trx
      .insertInto('service_requests')
      .values({
        id,
        branch_id: currentBranchId(),
        patient_id: patientId,
        snomed: primary?.code ?? '',
        code_system: primary?.system ?? '',
        display: clip(primary?.display ?? conceptText(code) ?? primary?.code ?? '')!,
        category: clip(firstCat, 40)!,
        status: res.status as string,
        intent: res.intent as string,
        priority: (res.priority as string | undefined) ?? 'routine',
        reason: reasons.length > 0 ? clip(reasons.join('; '), 2000) : null,
        authored_at: instantOf(res.authoredOn, 'ServiceRequest.authoredOn') ?? sql<Date>`now()`,
      })
      .returning(['version', 'updated_at'])
      .executeTakeFirstOrThrow();
    const stored = withMeta(linkSubject(res, patientId), id, row.version, row.updated_at);
    await saveVersion(c, stored);
    return stored;
  },
  patientIds: subjectPatientIds,
};
