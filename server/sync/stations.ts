import { hashSecret } from '../auth/tokens';
import type { SystemDb } from '../db/system-db';

export interface Station {
  id: string;
  branchId: number;
  wardId: number;
  branchCode: string;
}

/** The enrolled, unrevoked station behind a credential (only its SHA-256 is stored). */
export async function findStation(db: SystemDb, credential: string): Promise<Station | null> {
  const row = await db
    .selectFrom('stations as s')
    .innerJoin('branches as b', 'b.id', 's.branch_id')
    .select(['s.id', 's.branch_id', 's.ward_id', 'b.code'])
    .where('s.credential_hash', '=', hashSecret(credential))
    .where('s.revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, branchId: row.branch_id, wardId: row.ward_id, branchCode: row.code } : null;
}
