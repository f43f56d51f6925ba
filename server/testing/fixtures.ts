import type { Kysely } from 'kysely';
import type { Role } from '../../contract/roles';
import { addBranch, addWard } from '../admin/branches';
import { addUser } from '../admin/users';
import type { Database } from '../db/database';
import { withBranch } from '../db/with-branch';

/** Two branches with wards, staff and patients, including one national id present in both. */
export interface TwoBranches {
  north: { id: number; wardId: number; patientIds: string[] };
  south: { id: number; wardId: number; patientIds: string[] };
  sharedNationalId: string;
  password: string;
}

export const TEST_PASSWORD = 'correct horse battery';

export async function twoBranches(owner: Kysely<Database>, patientsPerBranch = 5): Promise<TwoBranches> {
  const sharedNationalId = 'NID-4242-SHARED';
  const result: Partial<TwoBranches> = { sharedNationalId, password: TEST_PASSWORD };
  for (const code of ['north', 'south'] as const) {
    const b = await addBranch(owner, code, `${code[0]!.toUpperCase()}${code.slice(1)} Hospital`);
    const w = await addWard(owner, code, { code: `${code[0]}-med`, name: 'Internal Medicine', beds: 24 });
    const ids = await withBranch(owner, b.id, { kind: 'admin', id: 'fixture' }, async (trx) => {
      const rows = await trx
        .insertInto('patients')
        .values(
          Array.from({ length: patientsPerBranch }, (_, i) => ({
            branch_id: b.id,
            mrn: `${code[0]!.toUpperCase()}${String(i + 1).padStart(6, '0')}`,
            national_id: i === 0 ? sharedNationalId : `NID-${code}-${i}`,
            family_name: i === 0 ? "O'Brien" : `${code === 'north' ? 'Nguyễn' : 'Müller'}-${i}`,
            given_names: ['Zoë'],
            birth_date: '1950-01-0' + ((i % 9) + 1),
            sex: 'female' as const,
            ward_id: w.id,
            bed: String(i + 1),
          })),
        )
        .returning('id')
        .execute();
      return rows.map((r) => r.id);
    });
    result[code] = { id: b.id, wardId: w.id, patientIds: ids };
  }
  const users: { username: string; roles: { branchCode: string; role: Role }[] }[] = [
    { username: 'dr.north', roles: [{ branchCode: 'north', role: 'physician' }] },
    { username: 'dr.south', roles: [{ branchCode: 'south', role: 'physician' }] },
    { username: 'nurse.north', roles: [{ branchCode: 'north', role: 'nurse' }] },
    { username: 'it.admin', roles: [{ branchCode: 'north', role: 'it_admin' }, { branchCode: 'south', role: 'it_admin' }] },
  ];
  for (const u of users) await addUser(owner, { ...u, displayName: u.username, password: TEST_PASSWORD });
  return result as TwoBranches;
}
