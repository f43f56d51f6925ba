import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { SYSTEMS, type Quantity, type Resource } from '../../../contract/fhir/types';
import type { ObservationsTable } from '../../db/database';
import { mrnSystem } from '../config';
import { projectObservation, type ObservationComponent } from './observation-projection';
import { codeCondition, FALSE, isoOrNull, or, type Condition, patientTimeCondition } from './sql';
import type { ResourceStore, StoreContext } from './store';
import { saveVersion, tokenCondition, withMeta } from './stored';
import { currentBranchId } from '../../db/with-branch';
import { linkSubject, resolvePatient, subjectPatientIds } from './subject';
import { timeOrderedQueries } from './time-ordered';

/*
 * Observation <-> observations. The resource is stored whole (stored.ts); the columns are its
 * projection: primary code, categories, value, components (a blood-pressure panel's systolic and
 * diastolic), effective time. A result may arrive before its patient's record: its subject is
 * then an MRN identifier (patient_id null, subject_mrn set) until a Patient with that MRN is
 * created, which links it as a new version (patient.ts).
 */

type Row = Selectable<ObservationsTable>;
const COLUMNS = [
  'id', 'patient_id', 'subject_mrn', 'loinc', 'code_system', 'display', 'value_num', 'value_text', 'comparator', 'unit', 'ref_low', 'ref_high',
  'interpretation', 'status', 'category', 'components', 'effective_at', 'effective_end', 'issued_at', 'identifier_system', 'identifier_value',
  'updated_at', 'version',
] as const;
type Selected = Pick<Row, (typeof COLUMNS)[number]>;

function quantity(value: string | number, unit: string | null): Quantity {
  const q: Quantity = { value: Number(value) };
  if (unit) Object.assign(q, { unit, system: SYSTEMS.ucum, code: unit });
  return q;
}

function valueOf(target: Record<string, unknown>, v: { value_num: string | number | null; value_text: string | null; comparator: string | null; unit: string | null }): void {
  if (v.value_num !== null) {
    const q = quantity(v.value_num, v.unit);
    if (v.comparator) q.comparator = v.comparator as NonNullable<Quantity['comparator']>;
    target.valueQuantity = q;
  } else if (v.value_text !== null) target.valueString = v.value_text;
}

/** For rows never sent through FHIR (seeded lab results, the station's own records). */
function toFhir(c: StoreContext, r: Selected): Resource {
  const res: Resource = {
    resourceType: 'Observation',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
  };
  if (r.identifier_value) res.identifier = [r.identifier_system ? { system: r.identifier_system, value: r.identifier_value } : { value: r.identifier_value }];
  res.status = r.status;
  if (r.category.length > 0) res.category = r.category.map((code) => ({ coding: [{ system: SYSTEMS.observationCategory, code }] }));
  res.code = r.loinc ? { coding: [coding(r.code_system, r.loinc, r.display)], text: r.display } : { text: r.display };
  if (r.patient_id) res.subject = { reference: `Patient/${r.patient_id}` };
  else if (r.subject_mrn) res.subject = { identifier: { system: mrnSystem(c.config, c.branchCode), value: r.subject_mrn } };
  if (r.effective_end) res.effectivePeriod = { start: r.effective_at.toISOString(), end: r.effective_end.toISOString() };
  else res.effectiveDateTime = r.effective_at.toISOString();
  const issued = isoOrNull(r.issued_at);
  if (issued) res.issued = issued;
  valueOf(res, r);
  if (r.interpretation) res.interpretation = [{ coding: [{ system: SYSTEMS.interpretation, code: r.interpretation }] }];
  if (r.ref_low !== null || r.ref_high !== null) {
    const range: Record<string, Quantity> = {};
    if (r.ref_low !== null) range.low = quantity(r.ref_low, r.unit);
    if (r.ref_high !== null) range.high = quantity(r.ref_high, r.unit);
    res.referenceRange = [range];
  }
  const components = (r.components as ObservationComponent[] | null) ?? [];
  if (components.length > 0) {
    res.component = components.map((comp) => {
      const out: Record<string, unknown> = { code: { coding: [coding(comp.system, comp.code, comp.display)] } };
      valueOf(out, comp);
      return out;
    });
  }
  return res;
}

/** A coding without the elements it lacks (a resource holds no undefined values: it is compared and stored as JSON). */
function coding(system: string | null | undefined, code: string, display: string | null | undefined): { system?: string; code: string; display?: string } {
  // Built in the order the elements are written (system, code, display), as JSON keeps it.
  const c: { system?: string; code: string; display?: string } = system ? { system, code } : { code };
  if (display !== null && display !== undefined) c.display = display;
  return c;
}

const condition = patientTimeCondition('effective_at', tokenParam);

function tokenParam(name: string, v: { system: string | undefined; code: string }): Condition {
  switch (name) {
    case 'code': {
      // The primary code is a column (the index the hot search uses). Any other coding is in the
      // token index, and only rows flagged other_codings have one: with that flag (and its partial
      // index) PostgreSQL answers both arms of the OR from indexes instead of reading every result
      // of the patient (migration 2026-12-05T0110).
      const primary = v.system === undefined ? sql<boolean>`loinc = ${v.code}` : sql<boolean>`(loinc = ${v.code} AND code_system = ${v.system})`;
      return or([primary, sql<boolean>`(other_codings AND ${tokenCondition('Observation', 'code', v)})`]);
    }
    case 'category':
      // The category codes are a column (what the station reads); a system other than the standard one is matched in the token index.
      if (v.system === undefined || v.system === SYSTEMS.observationCategory) return sql<boolean>`${v.code} = ANY (category)`;
      return tokenCondition('Observation', 'category', v);
    case 'component-code':
      return v.system === undefined
        ? sql<boolean>`components @> ${JSON.stringify([{ code: v.code }])}::jsonb`
        : sql<boolean>`components @> ${JSON.stringify([{ code: v.code, system: v.system }])}::jsonb`;
    case 'status':
      return codeCondition('status', v, 'http://hl7.org/fhir/observation-status');
    case 'identifier': {
      const first = v.system === undefined ? sql<boolean>`identifier_value = ${v.code}` : sql<boolean>`(identifier_value = ${v.code} AND identifier_system = ${v.system})`;
      return or([first, tokenCondition('Observation', 'identifier', v)]);
    }
    default:
      return FALSE;
  }
}

/** Creates an Observation from a valid R4 resource: projection row and stored resource, in the caller's transaction. */
export async function createObservation(c: StoreContext, res: Resource): Promise<Resource> {
  const subject = await resolvePatient(c, res.subject as never, 'Observation.subject', true);
  const p = projectObservation(res);
  const id = randomUUID();
  const row = await c.trx
    .insertInto('observations')
    .values({
      ...p,
      id,
      components: p.components ? JSON.stringify(p.components) : null,
      patient_id: 'patientId' in subject ? subject.patientId : null,
      subject_mrn: 'deferredMrn' in subject ? subject.deferredMrn : null,
      branch_id: currentBranchId(),
    })
    .returning(['version', 'updated_at'])
    .executeTakeFirstOrThrow();
  const stored = withMeta(linkSubject(res, 'patientId' in subject ? subject.patientId : null), id, row.version, row.updated_at);
  await saveVersion(c, stored);
  return stored;
}

export const observationStore: ResourceStore = {
  type: 'Observation',
  ...timeOrderedQueries<Selected>({ type: 'Observation', table: 'observations', columns: COLUMNS, timeColumn: 'effective_at', condition, toFhir }),
  create: createObservation,
  patientIds: subjectPatientIds,
};
