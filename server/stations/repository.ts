import type { StationSummary } from '../../contract/console';
import type { StationInfo } from '../../contract/ward';
import type { SystemDb } from '../db/system-db';

/** Stations of one branch. Not patient data (no RLS): the branch filter here is the scoping. */
export async function listStations(db: SystemDb, branchId: number): Promise<StationSummary[]> {
  const rows = await db
    .selectFrom('stations as s')
    .innerJoin('wards as w', (j) => j.onRef('w.id', '=', 's.ward_id').onRef('w.branch_id', '=', 's.branch_id'))
    .select(['s.id', 's.name', 's.app_version', 's.enrolled_at', 's.last_seen_at', 's.revoked_at', 'w.code as ward_code', 'w.name as ward_name'])
    .where('s.branch_id', '=', branchId)
    .orderBy('w.code')
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    ward: { code: r.ward_code, name: r.ward_name },
    appVersion: r.app_version,
    enrolledAt: r.enrolled_at.toISOString(),
    lastSeenAt: r.last_seen_at ? r.last_seen_at.toISOString() : null,
    revoked: r.revoked_at !== null,
  }));
}

/** What an enrolled station needs before anyone signs in: its branch, its ward and the branch's wards. */
export async function stationInfo(db: SystemDb, station: { branchId: number; wardId: number }): Promise<StationInfo | null> {
  const branch = await db.selectFrom('branches').select(['code', 'name']).where('id', '=', station.branchId).executeTakeFirst();
  const wards = await db.selectFrom('wards').select(['id', 'code', 'name']).where('branch_id', '=', station.branchId).orderBy('code').execute();
  const ward = wards.find((w) => w.id === station.wardId);
  return branch && ward ? { branch, ward, wards } : null;
}
