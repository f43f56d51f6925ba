import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { isUuid } from '../../../contract/fhir/reference';
import type { Identifier, Resource } from '../../../contract/fhir/types';
import type { PatientRow } from '../../db/database';
import { mrnSystem } from '../config';
import { FhirError, unprocessable } from '../errors';
import type { SearchParam, StringValue, TokenValue } from '../search';
import { afterCondition, and, codeCondition, commonCondition, dateCondition, FALSE, isoOrNull, isUniqueViolation, or, sortKey, type Condition } from './sql';
import { clip, instantOf } from './project';
import type { ResourceStore, StoreContext } from './store';
import { saveVersion, storedAtRowVersion, tokenCondition, withMeta } from './stored';
import { currentBranchId } from '../../db/with-branch';

/* Patient <-> patients: the same patients the station shows. */

type Row = Pick<PatientRow, 'id' | 'mrn' | 'national_id' | 'family_name' | 'given_names' | 'birth_date' | 'sex' | 'deceased_at' | 'updated_at' | 'version'>;
const COLUMNS = ['id', 'mrn', 'national_id', 'family_name', 'given_names', 'birth_date', 'sex', 'deceased_at', 'updated_at', 'version'] as const;

export function patientToFhir(c: StoreContext, r: Row): Resource {
  const identifier: Identifier[] = [{ use: 'usual', system: mrnSystem(c.config, c.branchCode), value: r.mrn }];
  if (r.national_id) identifier.push({ use: 'official', system: c.config.nationalIdSystem, value: r.national_id });
  const name: Record<string, unknown> = {};
  if (r.family_name) name.family = r.family_name;
  if (r.given_names.length > 0) name.given = r.given_names;
  const res: Resource = {
    resourceType: 'Patient',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    identifier,
    ...(Object.keys(name).length > 0 ? { name: [name] } : {}),
    gender: r.sex,
  };
  if (r.birth_date) res.birthDate = r.birth_date;
  const deceased = isoOrNull(r.deceased_at);
  if (deceased) res.deceasedDateTime = deceased;
  return res;
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

interface HumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
}

/**
 * The columns of a patients row. The one clinical rule: a Patient needs an identifier the branch
 * can match on (its MRN system, the national identifier, or a system the calling partner
 * registered), so results and resends find it. Everything else R4 allows is accepted: several
 * names and identifiers, no family name, partial birth dates (the column holds full dates only:
 * it stays empty, the stored resource keeps what was sent).
 */
function patientFromFhir(c: StoreContext, res: Resource): PatientFields {
  const ids = ((res.identifier as Identifier[] | undefined) ?? []).filter((i) => typeof i.value === 'string' && i.value.trim() !== '');
  const mrnSys = mrnSystem(c.config, c.branchCode);
  const mrn = ids.find((i) => i.system === mrnSys)?.value ?? ids.find((i) => i.system !== undefined && c.identifierSystems.includes(i.system))?.value;
  const nid = ids.find((i) => i.system === c.config.nationalIdSystem)?.value;
  if (mrn === undefined && nid === undefined) {
    throw unprocessable(
      `a Patient needs an identifier this branch matches on: system ${mrnSys} (the branch MRN), ${c.config.nationalIdSystem}, or an identifier system registered for this API client`,
      'Patient.identifier',
    );
  }
  const names = (res.name as HumanName[] | undefined) ?? [];
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old' && n.use !== 'maiden') ?? names[0];
  if (typeof res.deceasedBoolean === 'boolean' && res.deceasedBoolean && !res.deceasedDateTime) throw unprocessable('the time of death is required when deceased', 'Patient.deceasedDateTime');
  const deceased = instantOf(res.deceasedDateTime, 'Patient.deceasedDateTime');
  const birth = typeof res.birthDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(res.birthDate) ? res.birthDate : null;
  return {
    // A Patient known only by its national identifier gets that as its local number on the ward.
    mrn: clip(mrn ?? nid!, 200)!,
    national_id: nid === undefined ? null : clip(nid, 200),
    family_name: clip(name?.family ?? name?.text ?? '', 200) ?? '',
    given_names: (name?.given ?? []).slice(0, 10).map((g) => clip(g, 200)!),
    birth_date: birth,
    sex: (res.gender as Row['sex'] | undefined) ?? 'unknown',
    deceased_at: deceased,
  };
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
  // The MRN and national id are columns (every patient has them, FHIR-sent or not); every other identifier is in the token index.
  if (v.system === undefined) return sql<boolean>`(mrn = ${v.code} OR national_id = ${v.code} OR ${tokenCondition('Patient', 'identifier', v)})`;
  if (v.system === mrnSystem(c.config, c.branchCode)) return sql<boolean>`mrn = ${v.code}`;
  if (v.system === c.config.nationalIdSystem) return sql<boolean>`national_id = ${v.code}`;
  return tokenCondition('Patient', 'identifier', v);
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

const STORED = storedAtRowVersion('Patient', 'patients').as('stored');
type WithStored = Row & { stored: Resource | null };
const toResource = (c: StoreContext, r: WithStored) => r.stored ?? patientToFhir(c, r);

async function readMany(c: StoreContext, ids: string[]): Promise<Resource[]> {
  const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
  if (valid.length === 0) return [];
  const rows = await c.trx.selectFrom('patients').select([...COLUMNS, STORED]).where('id', 'in', valid).execute();
  return rows.map((r) => toResource(c, r));
}

/**
 * After a patient is created (or its MRN changes), lab results that arrived first for its MRN
 * point at it. Each linked result is a change: a new version with a new lastUpdated, and its
 * stored resource (if it was sent through FHIR) gains the literal subject reference.
 */
async function adoptWaitingResults(c: StoreContext, id: string, mrn: string): Promise<void> {
  await sql`
    WITH linked AS (
      UPDATE observations SET patient_id = ${id}::uuid, version = version + 1, updated_at = now()
       WHERE patient_id IS NULL AND subject_mrn = ${mrn}
       RETURNING branch_id, id, version, updated_at)
    INSERT INTO fhir_resources (branch_id, resource_type, id, version, last_updated, resource)
    SELECT l.branch_id, 'Observation', l.id, l.version, l.updated_at,
           jsonb_set(f.resource, '{subject}', coalesce(f.resource->'subject', '{}') || jsonb_build_object('reference', 'Patient/' || ${id}))
             || jsonb_build_object('meta', coalesce(f.resource->'meta', '{}') || jsonb_build_object(
                  'versionId', l.version::text,
                  'lastUpdated', to_char(l.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
      FROM linked l
      JOIN fhir_resources f ON f.branch_id = l.branch_id AND f.resource_type = 'Observation' AND f.id = l.id AND f.version = l.version - 1`.execute(c.trx);
}

async function store(c: StoreContext, res: Resource, row: Row): Promise<Resource> {
  await adoptWaitingResults(c, row.id, row.mrn);
  const stored = withMeta(res, row.id, row.version, row.updated_at);
  await saveVersion(c, stored);
  return stored;
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
      .select([...COLUMNS, STORED, sortKey('created_at').as('sort_key')])
      .where(where)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(req.count + 1)
      .execute();
    const page = rows.slice(0, req.count);
    const last = page[page.length - 1];
    return { resources: page.map((r) => toResource(c, r)), next: rows.length > req.count && last ? { key: last.sort_key, id: last.id } : null };
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
        .values({ ...f, id: randomUUID(), branch_id: currentBranchId() })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
      return await store(c, res, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new FhirError(409, 'duplicate', 'a patient with this MRN already exists', {}, ['Patient.identifier']);
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
      if (row) return await store(c, res, row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new FhirError(409, 'duplicate', 'a patient with this MRN already exists', {}, ['Patient.identifier']);
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
