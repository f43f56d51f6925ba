import type { Selectable } from 'kysely';
import { isUuid } from '../../../contract/fhir/reference';
import type { Resource } from '../../../contract/fhir/types';
import type { SoapDraftsTable } from '../../db/database';
import { FhirError } from '../errors';
import type { SearchParam } from '../search';
import { afterCondition, and, commonCondition, dateCondition, FALSE, or, patientCondition, sortKey, type Condition } from './sql';
import type { ResourceStore } from './store';
import { subjectPatientIds } from './subject';

/*
 * DocumentReference <-> soap_drafts with status 'approved': signed clinical notes, read and
 * search only. A signed note comes into being only through a physician's approval call
 * (server/notes/review), never through FHIR; drafts under review are not documents.
 */

const COLUMNS = ['id', 'patient_id', 'approved_text', 'approved_at', 'approved_by', 'approved_hash', 'updated_at'] as const;
type Selected = Pick<Selectable<SoapDraftsTable>, (typeof COLUMNS)[number]> & { signer: string | null };

function toFhir(r: Selected): Resource {
  const at = (r.approved_at ?? r.updated_at).toISOString();
  const signer = { reference: `Practitioner/${r.approved_by ?? 0}`, display: r.signer ?? `user ${r.approved_by ?? ''}` };
  return {
    resourceType: 'DocumentReference',
    id: r.id,
    meta: { versionId: '1', lastUpdated: at },
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }], text: 'SOAP progress note' },
    subject: { reference: `Patient/${r.patient_id}` },
    date: at,
    author: [signer],
    authenticator: signer,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          data: Buffer.from(r.approved_text ?? '', 'utf8').toString('base64'),
          title: 'SOAP note',
          creation: at,
        },
      },
    ],
  };
}

function condition(p: SearchParam): Condition {
  const common = commonCondition(p);
  if (common) return common;
  if (p.type === 'reference') return or(p.values.map((v) => patientCondition('patient_id', v)));
  if (p.type === 'date') return or(p.values.map((v) => dateCondition('approved_at', v, 'timestamptz')));
  return FALSE;
}

function base(c: Parameters<ResourceStore['read']>[0]) {
  // The signer's name by a scalar subquery: the outer query keeps one table, so the shared
  // conditions' bare column names (id, updated_at) stay unambiguous.
  return c.trx
    .selectFrom('soap_drafts')
    .select(COLUMNS)
    .select((eb) => eb.selectFrom('users').select('users.display_name').whereRef('users.id', '=', 'soap_drafts.approved_by').as('signer'))
    .where('status', '=', 'approved');
}

export const documentReferenceStore: ResourceStore = {
  type: 'DocumentReference',
  async read(c, id) {
    if (!isUuid(id)) return null;
    const r = await base(c).where('id', '=', id).executeTakeFirst();
    return r ? toFhir(r) : null;
  },
  async search(c, req, after) {
    const rows = await base(c)
      .select(sortKey('approved_at').as('sort_key'))
      .where(and([...req.params.map(condition), afterCondition('approved_at', after)]))
      .orderBy('approved_at', 'desc')
      .orderBy('id', 'desc')
      .limit(req.count + 1)
      .execute();
    const page = rows.slice(0, req.count);
    const last = page[page.length - 1];
    return { resources: page.map(toFhir), next: rows.length > req.count && last ? { key: last.sort_key, id: last.id } : null };
  },
  async count(c, req) {
    const r = await c.trx
      .selectFrom('soap_drafts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'approved')
      .where(and(req.params.map(condition)))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async create() {
    throw new FhirError(405, 'not-supported', 'a DocumentReference is created by a physician approving a note, not through FHIR');
  },
  patientIds: subjectPatientIds,
};
