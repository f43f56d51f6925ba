import { hashSecret } from '../auth/tokens';
import type { SystemDb } from '../db/system-db';

/*
 * The one station credential lookup (sync, releases, notes, sign-in and the station routes all
 * authenticate a station here). Only the credential's SHA-256 is stored and compared.
 */

export interface EnrolledStation {
  id: string;
  branchId: number;
  wardId: number;
  branchCode: string;
}

const CREDENTIAL = /^wsk_[A-Za-z0-9_-]{20,100}$/;

/** The enrolled, unrevoked station behind a credential, or null. */
export async function findStationByCredential(db: SystemDb, credential: string): Promise<EnrolledStation | null> {
  if (!CREDENTIAL.test(credential)) return null;
  const row = await db
    .selectFrom('stations as s')
    .innerJoin('branches as b', 'b.id', 's.branch_id')
    .select(['s.id', 's.branch_id', 's.ward_id', 'b.code'])
    .where('s.credential_hash', '=', hashSecret(credential))
    .where('s.revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, branchId: row.branch_id, wardId: row.ward_id, branchCode: row.code } : null;
}
