import { sql } from 'kysely';
import type { Patient } from '../../contract/patient';
import { foldSearch } from '../../contract/search';
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

/**
 * Search by family-name prefix (the term folded by the contract's foldSearch, the column by the
 * SQL search_key(), which fold alike: "nguyen" finds "Nguyễn"), MRN
 * or national identifier; an empty query lists the branch. The prefix is a range on the folded
 * column with leakproof operators, so the index still serves it under row-level security.
 */
export async function findPatients(trx: BranchTransaction, q: string | undefined, limit = 50): Promise<Patient[]> {
  let query = basePatientQuery(trx);
  const term = q?.trim();
  if (term) {
    const folded = foldSearch(term);
    query = query.where((eb) =>
      eb.or([
        eb.and([
          eb(sql<string>`p.family_search`, sql`~>=~`, sql<string>`${folded}::text`),
          eb(sql<string>`p.family_search`, sql`~<~`, sql<string>`(${folded}::text || chr(1114111))`),
        ]),
        eb('p.mrn', '=', term),
        eb('p.national_id', '=', term),
      ]),
    );
  }
  const rows = await query.orderBy(sql`p.family_search USING ~<~`).orderBy('p.mrn').limit(limit).execute();
  return rows.map(rowToPatient);
}

export async function getPatient(trx: BranchTransaction, id: string): Promise<Patient | null> {
  const row = await basePatientQuery(trx).where('p.id', '=', id).executeTakeFirst();
  return row ? rowToPatient(row) : null;
}
