import { sql } from 'kysely';
import { findLabTest, isWellFormedLoinc } from '../../../contract/clinical/loinc';
import { parseDateSpan } from '../../../contract/fhir/dates';
import { isUuid, referencedId } from '../../../contract/fhir/reference';
import { SYSTEMS, type CodeableConcept, type Identifier, type Quantity, type Reference, type Resource } from '../../../contract/fhir/types';
import type { ObservationsTable } from '../../db/database';
import type { Selectable } from 'kysely';
import { mrnSystem } from '../config';
import { unprocessable } from '../errors';
import type { SearchParam } from '../search';
import { codeCondition, commonCondition, dateCondition, FALSE, isoOrNull, or, patientCondition, TRUE, type Condition } from './sql';
import type { ResourceStore, StoreContext } from './store';
import { timeOrderedQueries } from './time-ordered';
import { currentBranchId } from '../../db/with-branch';

/*
 * Observation <-> observations: lab results with LOINC codes and UCUM units. A result may arrive
 * before its patient's record: its subject is then an MRN identifier (patient_id null,
 * subject_mrn set) until a Patient with that MRN is created.
 */

type Row = Selectable<ObservationsTable>;
const COLUMNS = [
  'id', 'patient_id', 'subject_mrn', 'loinc', 'display', 'value_num', 'value_text', 'comparator', 'unit', 'ref_low', 'ref_high',
  'interpretation', 'status', 'effective_at', 'issued_at', 'identifier_system', 'identifier_value', 'updated_at', 'version',
] as const;
type Selected = Pick<Row, (typeof COLUMNS)[number]>;

const LAB_CATEGORY = { coding: [{ system: SYSTEMS.observationCategory, code: 'laboratory', display: 'Laboratory' }] };

function quantity(value: string, unit: string | null): Quantity {
  const q: Quantity = { value: Number(value) };
  if (unit) Object.assign(q, { unit, system: SYSTEMS.ucum, code: unit });
  return q;
}

function toFhir(c: StoreContext, r: Selected): Resource {
  const res: Resource = {
    resourceType: 'Observation',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
  };
  if (r.identifier_value) res.identifier = [r.identifier_system ? { system: r.identifier_system, value: r.identifier_value } : { value: r.identifier_value }];
  res.status = r.status;
  res.category = [LAB_CATEGORY];
  res.code = { coding: [{ system: SYSTEMS.loinc, code: r.loinc, display: r.display }], text: r.display };
  if (r.patient_id) res.subject = { reference: `Patient/${r.patient_id}` };
  else if (r.subject_mrn) res.subject = { identifier: { system: mrnSystem(c.config, c.branchCode), value: r.subject_mrn } };
  res.effectiveDateTime = r.effective_at.toISOString();
  const issued = isoOrNull(r.issued_at);
  if (issued) res.issued = issued;
  if (r.value_num !== null) {
    const q = quantity(r.value_num, r.unit);
    if (r.comparator) q.comparator = r.comparator;
    res.valueQuantity = q;
  } else if (r.value_text !== null) res.valueString = r.value_text;
  if (r.interpretation) res.interpretation = [{ coding: [{ system: SYSTEMS.interpretation, code: r.interpretation }] }];
  if (r.ref_low !== null || r.ref_high !== null) {
    const range: Record<string, Quantity> = {};
    if (r.ref_low !== null) range.low = quantity(r.ref_low, r.unit);
    if (r.ref_high !== null) range.high = quantity(r.ref_high, r.unit);
    res.referenceRange = [range];
  }
  return res;
}

function instant(value: unknown, what: string): string | null {
  if (value === undefined) return null;
  const span = typeof value === 'string' ? parseDateSpan(value) : null;
  if (!span) throw unprocessable(`${what} is not a valid time`);
  return new Date(span.start).toISOString();
}

function ucumQuantity(q: Quantity | undefined, what: string): { value: number | null; unit: string | null } {
  if (!q) return { value: null, unit: null };
  if (q.system !== undefined && q.system !== SYSTEMS.ucum) throw unprocessable(`${what} must be in UCUM units`);
  const unit = q.code ?? q.unit ?? null;
  if (unit !== null && unit.length > 40) throw unprocessable(`${what} unit is too long`);
  if (typeof q.value !== 'number' || !Number.isFinite(q.value) || Math.abs(q.value) > 1e15) throw unprocessable(`${what}.value is required`);
  return { value: q.value, unit };
}

/** The subject as (patient_id, subject_mrn); a reference must name a patient of this branch. */
async function subject(c: StoreContext, ref: Reference | undefined): Promise<{ patient_id: string | null; subject_mrn: string | null }> {
  if (!ref) throw unprocessable('Observation.subject is required');
  if (ref.reference !== undefined) {
    const id = referencedId(ref.reference, 'Patient');
    const found = id && isUuid(id) ? await c.trx.selectFrom('patients').select('id').where('id', '=', id).executeTakeFirst() : undefined;
    // Another branch's patient is as unknown as a missing one.
    if (!found) throw unprocessable('Observation.subject: unknown patient');
    return { patient_id: found.id, subject_mrn: null };
  }
  const ident = ref.identifier;
  if (ident?.value && ident.value.length <= 64 && ident.system === mrnSystem(c.config, c.branchCode)) {
    const found = await c.trx.selectFrom('patients').select('id').where('mrn', '=', ident.value).executeTakeFirst();
    return found ? { patient_id: found.id, subject_mrn: ident.value } : { patient_id: null, subject_mrn: ident.value };
  }
  throw unprocessable("Observation.subject must reference a Patient or carry the branch's MRN identifier");
}

async function fromFhir(c: StoreContext, res: Resource) {
  const code = res.code as CodeableConcept;
  const loinc = code.coding?.find((x) => x.system === SYSTEMS.loinc);
  if (!loinc?.code || !isWellFormedLoinc(loinc.code)) throw unprocessable('Observation.code must carry a well-formed LOINC code');
  const display = findLabTest(loinc.code)?.display ?? loinc.display ?? code.text ?? loinc.code;
  if (display.length > 500) throw unprocessable('Observation.code display is too long');
  const effective = instant(res.effectiveDateTime ?? res.effectiveInstant ?? (res.effectivePeriod as { start?: string } | undefined)?.start, 'Observation.effective[x]');
  if (!effective) throw unprocessable('Observation.effective[x] is required');
  if (res.valueCodeableConcept !== undefined || res.valueBoolean !== undefined || res.valueInteger !== undefined || res.valueRange !== undefined || res.valueRatio !== undefined || res.valueSampledData !== undefined || res.valueTime !== undefined || res.valueDateTime !== undefined || res.valuePeriod !== undefined) {
    throw unprocessable('Observation.value[x]: only valueQuantity and valueString are supported');
  }
  const value = ucumQuantity(res.valueQuantity as Quantity | undefined, 'Observation.valueQuantity');
  const valueText = typeof res.valueString === 'string' ? res.valueString : null;
  if (valueText !== null && valueText.length > 2000) throw unprocessable('Observation.valueString is too long');
  const ranges = (res.referenceRange as { low?: Quantity; high?: Quantity }[] | undefined) ?? [];
  const low = ranges[0]?.low ? ucumQuantity(ranges[0].low, 'Observation.referenceRange.low').value : null;
  const high = ranges[0]?.high ? ucumQuantity(ranges[0].high, 'Observation.referenceRange.high').value : null;
  const interp = (res.interpretation as CodeableConcept[] | undefined)?.[0]?.coding?.find((x) => x.system === undefined || x.system === SYSTEMS.interpretation)?.code ?? null;
  if (interp !== null && interp.length > 10) throw unprocessable('Observation.interpretation code is too long');
  const ident = (res.identifier as Identifier[] | undefined)?.[0];
  if (ident?.value && ident.value.length > 200) throw unprocessable('Observation.identifier is too long');
  const comparator = (res.valueQuantity as Quantity | undefined)?.comparator ?? null;
  return {
    ...(await subject(c, res.subject as Reference | undefined)),
    loinc: loinc.code,
    display,
    value_num: value.value,
    value_text: valueText,
    comparator,
    unit: value.unit,
    ref_low: low,
    ref_high: high,
    interpretation: interp,
    status: res.status as string,
    effective_at: effective,
    issued_at: instant(res.issued, 'Observation.issued'),
    identifier_system: ident?.value ? (ident.system ?? null) : null,
    identifier_value: ident?.value ?? null,
  };
}

function condition(p: SearchParam): Condition {
  const common = commonCondition(p);
  if (common) return common;
  switch (p.type) {
    case 'reference':
      return or(p.values.map((v) => patientCondition('patient_id', v)));
    case 'date':
      return or(p.values.map((v) => dateCondition('effective_at', v, 'timestamptz')));
    case 'token':
      if (p.name === 'code') return or(p.values.map((v) => codeCondition('loinc', v, SYSTEMS.loinc)));
      if (p.name === 'status') return or(p.values.map((v) => codeCondition('status', v, 'http://hl7.org/fhir/observation-status')));
      if (p.name === 'category') return or(p.values.map((v) => ((v.system === undefined || v.system === SYSTEMS.observationCategory) && v.code === 'laboratory' ? TRUE : FALSE)));
      if (p.name === 'identifier') {
        return or(p.values.map((v) => (v.system === undefined ? sql<boolean>`identifier_value = ${v.code}` : sql<boolean>`(identifier_value = ${v.code} AND identifier_system = ${v.system})`)));
      }
      return FALSE;
    default:
      return FALSE;
  }
}

export const observationStore: ResourceStore = {
  type: 'Observation',
  ...timeOrderedQueries<Selected>({ table: 'observations', columns: COLUMNS, timeColumn: 'effective_at', condition, toFhir: toFhir }),
  async create(c, res) {
    const values = await fromFhir(c, res);
    const row = await c.trx
      .insertInto('observations')
      .values({ ...values, branch_id: currentBranchId() })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return toFhir(c, row);
  },
  patientIds(res) {
    const ref = (res.subject as Reference | undefined)?.reference;
    const id = ref ? referencedId(ref, 'Patient') : null;
    return id ? [id] : [];
  },
};
