import { sql } from 'kysely';
import type { Patient } from '../../contract/patient';
import type { BranchTransaction } from '../db/with-branch';

/*
 * Patients of the transaction's branch. There is no branch filter here on purpose: row-level
 * security scopes every statement to the branch withBranch bound.
 */

interface PatientJoinedRow {
  id: string;
  mrn: string;
  national_id: string | null;
  family_name: string;
  given_names: string[];
  birth_date: string | null;
  sex: Patient['sex'];
  bed: string | null;
  deceased_at: Date | null;
  updated_at: Date;
  ward_id: number | null;
  ward_code: string | null;
  ward_name: string | null;
}

function rowToPatient(r: PatientJoinedRow): Patient {
  return {
    id: r.id,
    mrn: r.mrn,
    nationalId: r.national_id,
    familyName: r.family_name,
    givenNames: r.given_names,
    birthDate: r.birth_date,
    sex: r.sex,
    ward: r.ward_id !== null && r.ward_code !== null && r.ward_name !== null ? { id: r.ward_id, code: r.ward_code, name: r.ward_name } : null,
    bed: r.bed,
    deceasedAt: r.deceased_at ? r.deceased_at.toISOString() : null,
    updatedAt: r.updated_at.toISOString(),
  };
}

function basePatientQuery(trx: BranchTransaction) {
  return trx
    .selectFrom('patients as p')
    .leftJoin('wards as w', (j) => j.onRef('w.id', '=', 'p.ward_id').onRef('w.branch_id', '=', 'p.branch_id'))
    .select([
      'p.id',
      'p.mrn',
      'p.national_id',
      'p.family_name',
      'p.given_names',
      'p.birth_date',
      'p.sex',
      'p.bed',
      'p.deceased_at',
      'p.updated_at',
      'p.ward_id',
      'w.code as ward_code',
      'w.name as ward_name',
    ]);
}

/** Escapes LIKE wildcards so a search for "50%" or "O_Brien" means what it says. */
function likePrefix(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Search by family-name prefix, MRN or national identifier; empty query lists the branch. */
export async function findPatients(trx: BranchTransaction, q: string | undefined, limit = 50): Promise<Patient[]> {
  let query = basePatientQuery(trx);
  const term = q?.trim();
  if (term) {
    query = query.where((eb) =>
      eb.or([
        eb(sql<string>`lower(p.family_name)`, 'like', likePrefix(term.toLowerCase())),
        eb('p.mrn', '=', term),
        eb('p.national_id', '=', term),
      ]),
    );
  }
  const rows = await query.orderBy(sql`lower(p.family_name)`).orderBy('p.mrn').limit(limit).execute();
  return rows.map(rowToPatient);
}

export async function getPatient(trx: BranchTransaction, id: string): Promise<Patient | null> {
  const row = await basePatientQuery(trx).where('p.id', '=', id).executeTakeFirst();
  return row ? rowToPatient(row) : null;
}
