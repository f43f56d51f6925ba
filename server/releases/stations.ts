import { hashSecret } from '../auth/tokens';
import type { SystemDb } from '../db/system-db';
import type { StationIdentity } from './rings';

/** The enrolled, unrevoked station a credential belongs to, or null. Only the hash is compared. */
export async function stationByCredential(q: SystemDb, credential: string): Promise<StationIdentity | null> {
  if (!/^wsk_[A-Za-z0-9_-]{20,100}$/.test(credential)) return null;
  const row = await q
    .selectFrom('stations')
    .select(['id', 'branch_id', 'ward_id'])
    .where('credential_hash', '=', hashSecret(credential))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, branchId: row.branch_id, wardId: row.ward_id } : null;
}
