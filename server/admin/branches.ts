import { BranchCode } from '../../contract/auth';
import type { OwnerDb } from '../db/owner-db';

/* Administration of branches and wards. Runs as the owner role (the app role cannot write these). */

export async function addBranch(db: OwnerDb, code: string, name: string): Promise<{ id: number; code: string }> {
  const parsed = BranchCode.parse(code);
  const row = await db.insertInto('branches').values({ code: parsed, name }).returning(['id', 'code']).executeTakeFirstOrThrow();
  return row;
}

export async function addWard(
  db: OwnerDb,
  branchCode: string,
  ward: { code: string; name: string; beds?: number },
): Promise<{ id: number; branchId: number }> {
  const branch = await findBranch(db, branchCode);
  const row = await db
    .insertInto('wards')
    .values({ branch_id: branch.id, code: ward.code, name: ward.name, beds: ward.beds ?? 0 })
    .returning(['id', 'branch_id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, branchId: row.branch_id };
}

export async function findBranch(db: OwnerDb, code: string): Promise<{ id: number; code: string; name: string }> {
  const b = await db.selectFrom('branches').select(['id', 'code', 'name']).where('code', '=', code).executeTakeFirst();
  if (!b) throw new Error(`there is no branch with code ${code}: use a branch code such as north or south`);
  return b;
}

export async function findWard(db: OwnerDb, branchId: number, code: string): Promise<{ id: number }> {
  const w = await db.selectFrom('wards').select('id').where('branch_id', '=', branchId).where('code', '=', code).executeTakeFirst();
  if (!w) throw new Error(`there is no ward with code ${code} in that branch: check the ward code for that branch`);
  return w;
}
