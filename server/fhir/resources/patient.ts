import { sql } from 'kysely';
import { isUuid } from '../../../contract/fhir/reference';
import type { Identifier, Resource } from '../../../contract/fhir/types';
import type { PatientRow } from '../../db/database';
import { mrnSystem } from '../config';
import { FhirError, unprocessable } from '../errors';
import type { SearchParam, StringValue, TokenValue } from '../search';
import { afterCondition, and, codeCondition, commonCondition, dateCondition, FALSE, isoOrNull, isUniqueViolation, or, sortKey, type Condition } from './sql';
import type { ResourceStore, StoreContext } from './store';
import { currentBranchId } from '../../db/with-branch';

/* Patient <-> patients: the same patients the station shows. */

const MAX_TEXT = 200;

type Row = Pick<PatientRow, 'id' | 'mrn' | 'national_id' | 'family_name' | 'given_names' | 'birth_date' | 'sex' | 'deceased_at' | 'updated_at' | 'version'>;
const COLUMNS = ['id', 'mrn', 'national_id', 'family_name', 'given_names', 'birth_date', 'sex', 'deceased_at', 'updated_at', 'version'] as const;

export function patientToFhir(c: StoreContext, r: Row): Resource {
  const identifier: Identifier[] = [{ use: 'usual', system: mrnSystem(c.config, c.branchCode), value: r.mrn }];
  if (r.national_id) identifier.push({ use: 'official', system: c.config.nationalIdSystem, value: r.national_id });
  const name: Record<string, unknown> = { family: r.family_name };
  if (r.given_names.length > 0) name.given = r.given_names;
  const res: Resource = {
    resourceType: 'Patient',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    identifier,
    name: [name],
    gender: r.sex,
  };
  if (r.birth_date) res.birthDate = r.birth_date;
  const deceased = isoOrNull(r.deceased_at);
  if (deceased) res.deceasedDateTime = deceased;
  return res;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(`${what} is required`);
  if (value.length > MAX_TEXT) throw unprocessable(`${what} is too long`);
  return value;
}

interface PatientFields {
  mrn: string;
  national_id: string | null;
  family_name: string;
  given_names: string[];
  birth_date: string | null;
  sex: Row['sex'];
  deceased_at: string | null;
}

function patientFromFhir(c: StoreContext, res: Resource): PatientFields {
  const ids = (res.identifier as Identifier[] | undefined) ?? [];
  const mrn = ids.find((i) => i.system === mrnSystem(c.config, c.branchCode))?.value;
  const nid = ids.find((i) => i.system === c.config.nationalIdSystem)?.value;
  const names = (res.name as { use?: string; family?: string; given?: string[] }[] | undefined) ?? [];
  const name = names.find((n) => n.use === 'official') ?? names[0];
  const given = (name?.given ?? []).map((g) => text(g, 'Patient.name.given'));
  if (given.length > 10) throw unprocessable('Patient.name.given has too many names');
  if (typeof res.deceasedBoolean === 'boolean' && res.deceasedBoolean && !res.deceasedDateTime) throw unprocessable('Patient.deceasedDateTime is required when deceased');
  const deceased = typeof res.deceasedDateTime === 'string' ? new Date(res.deceasedDateTime) : null;
  if (deceased && Number.isNaN(deceased.getTime())) throw unprocessable('Patient.deceasedDateTime is not a valid time');
  return {
    mrn: text(mrn, "an identifier in the branch's MRN system"),
    national_id: nid === undefined ? null : text(nid, 'the national identifier'),
    family_name: text(name?.family, 'Patient.name.family'),
    given_names: given,
    birth_date: typeof res.birthDate === 'string' ? birthDate(res.birthDate) : null,
    sex: (res.gender as Row['sex'] | undefined) ?? 'unknown',
    deceased_at: deceased ? deceased.toISOString() : null,
  };
}

function birthDate(v: string): string {
  // The table holds full dates; a partial one (1950 or 1950-03) cannot be stored faithfully.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw unprocessable('Patient.birthDate must be a full date');
  return v;
}

function stringCondition(column: 'family' | 'given', v: StringValue): Condition {
  if (column === 'family') {
    if (v.exact) return sql<boolean>`family_name = ${v.value}`;
    // Folded prefix with leakproof operators: the (branch_id, family_search) index serves it.
    return sql<boolean>`(family_search ~>=~ search_key(${v.value}) AND family_search ~<~ (search_key(${v.value}) || chr(1114111)))`;
  }
  if (v.exact) return sql<boolean>`${v.value} = ANY (given_names)`;
  return sql<boolean>`EXISTS (SELECT 1 FROM unnest(given_names) g WHERE starts_with(search_key(g), search_key(${v.value})))`;
}

function identifierCondition(c: StoreContext, v: TokenValue): Condition {
  if (v.system === undefined) return sql<boolean>`(mrn = ${v.code} OR national_id = ${v.code})`;
  if (v.system === mrnSystem(c.config, c.branchCode)) return sql<boolean>`mrn = ${v.code}`;
  if (v.system === c.config.nationalIdSystem) return sql<boolean>`national_id = ${v.code}`;
  return FALSE;
}

function condition(c: StoreContext, p: SearchParam): Condition {
  const common = commonCondition(p);
  if (common) return common;
  switch (p.type) {
    case 'token':
      if (p.name === 'identifier') return or(p.values.map((v) => identifierCondition(c, v)));
      return or(p.values.map((v) => codeCondition('sex', v, 'http://hl7.org/fhir/administrative-gender')));
    case 'string':
      if (p.name === 'name') return or(p.values.map((v) => or([stringCondition('family', v), stringCondition('given', v)])));
      return or(p.values.map((v) => stringCondition(p.name === 'family' ? 'family' : 'given', v)));
    case 'date':
      return or(p.values.map((v) => dateCondition('birth_date', v, 'date')));
    default:
      return FALSE;
  }
}

async function readMany(c: StoreContext, ids: string[]): Promise<Resource[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  const rows = await c.trx.selectFrom('patients').select(COLUMNS).where('id', 'in', valid).execute();
  return rows.map((r) => patientToFhir(c, r));
}

/** After a patient is created, lab results that arrived first for its MRN point at it. */
async function adoptWaitingResults(c: StoreContext, id: string, mrn: string): Promise<void> {
  await c.trx.updateTable('observations').set({ patient_id: id }).where('patient_id', 'is', null).where('subject_mrn', '=', mrn).execute();
}

export const patientStore: ResourceStore & { readMany: typeof readMany } = {
  type: 'Patient',
  readMany,
  async read(c, id) {
    return (await readMany(c, [id]))[0] ?? null;
  },
  async search(c, req, after) {
    const where = and([...req.params.map((p) => condition(c, p)), afterCondition('created_at', after)]);
    const rows = await c.trx
      .selectFrom('patients')
      .select([...COLUMNS, sortKey('created_at').as('sort_key')])
      .where(where)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(req.count + 1)
      .execute();
    const page = rows.slice(0, req.count);
    const last = page[page.length - 1];
    return { resources: page.map((r) => patientToFhir(c, r)), next: rows.length > req.count && last ? { key: last.sort_key, id: last.id } : null };
  },
  async count(c, req) {
    const r = await c.trx.selectFrom('patients').select((eb) => eb.fn.countAll<string>().as('n')).where(and(req.params.map((p) => condition(c, p)))).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async create(c, res) {
    const f = patientFromFhir(c, res);
    try {
      const row = await c.trx
        .insertInto('patients')
        .values({ ...f, branch_id: currentBranchId() })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      await adoptWaitingResults(c, row.id, row.mrn);
      return patientToFhir(c, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new FhirError(409, 'duplicate', 'a patient with this MRN already exists');
      throw e;
    }
  },
  async update(c, id, res, expectedVersion) {
    if (!isUuid(id)) throw new FhirError(404, 'not-found', 'resource not found');
    const f = patientFromFhir(c, res);
    let q = c.trx
      .updateTable('patients')
      .set({ ...f, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
      .where('id', '=', id);
    if (expectedVersion !== null) q = q.where('version', '=', expectedVersion);
    try {
      const row = await q.returning(COLUMNS).executeTakeFirst();
      if (row) {
        await adoptWaitingResults(c, row.id, row.mrn);
        return patientToFhir(c, row);
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw new FhirError(409, 'duplicate', 'a patient with this MRN already exists');
      throw e;
    }
    // Missing (or another branch's: RLS hides it) answers 404 before any precondition is judged.
    const exists = await c.trx.selectFrom('patients').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new FhirError(404, 'not-found', 'resource not found');
    throw new FhirError(412, 'conflict', 'version mismatch (If-Match)');
  },
  patientIds(res) {
    return res.id ? [res.id] : [];
  },
};
