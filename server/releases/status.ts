import type { FleetVersions, RolloutStatus } from '../../contract/releases';
import type { SystemDb } from '../db/system-db';
import { rolloutHealth } from './health-gate';
import { ringHolds } from './rings';
import { currentRollout, loadRings, rolloutTimeline } from './store';

/* What the IT console shows: the rollout per ring and branch, its health, its timeline, the fleet. */

/**
 * The rollout one branch's stations follow, as its IT administrator sees it: rings and counts of
 * that branch's stations only (another branch's rings and fleet are not theirs to see).
 */
export async function rolloutStatus(q: SystemDb, channel: string, branchId: number): Promise<RolloutStatus | null> {
  const rollout = await currentRollout(q, channel, branchId);
  if (!rollout) return null;
  const rings = (await loadRings(q, channel)).filter((r) => r.branchId === null || r.branchId === branchId);
  const stations = await q.selectFrom('stations').select(['id', 'branch_id', 'ward_id']).where('revoked_at', 'is', null).where('branch_id', '=', branchId).execute();
  const branches = new Map((await q.selectFrom('branches').select(['id', 'code']).execute()).map((b) => [b.id, b.code]));
  const idents = stations.map((s) => ({ id: s.id, branchId: s.branch_id, wardId: s.ward_id }));
  const health = await rolloutHealth(q, { ...rollout, scopeBranchId: branchId }, rings);
  return {
    channel,
    scope: rollout.scopeBranchId === null ? 'group' : (branches.get(rollout.scopeBranchId) ?? ''),
    version: rollout.release.version,
    baselineVersion: rollout.baseline?.version ?? null,
    state: rollout.state,
    ringPosition: rollout.ringPosition,
    haltReason: rollout.haltReason,
    threshold: { maxErrorRatio: rollout.maxErrorRatio, minErrorRate: rollout.minErrorRate, minStations: rollout.minStations },
    rings: rings.map((r) => ({
      name: r.name,
      position: r.position,
      kind: r.kind,
      branch: r.branchId === null ? null : (branches.get(r.branchId) ?? null),
      reached: r.position <= rollout.ringPosition && rollout.state !== 'rolled_back',
      stations: idents.filter((s) => ringHolds(r, s)).length,
    })),
    health,
    timeline: await rolloutTimeline(q, rollout.id),
  };
}

/** Station versions of the given branches (the administrator's own). */
export async function fleetVersions(q: SystemDb, branchIds: readonly number[]): Promise<FleetVersions> {
  if (branchIds.length === 0) return { branches: [] };
  const rows = await q
    .selectFrom('stations as s')
    .innerJoin('branches as b', 'b.id', 's.branch_id')
    .select((eb) => ['b.code', 's.app_version', eb.fn.countAll<string>().as('n')])
    .where('s.revoked_at', 'is', null)
    .where('s.branch_id', 'in', branchIds)
    .groupBy(['b.code', 's.app_version'])
    .orderBy('b.code')
    .execute();
  const out = new Map<string, { version: string | null; stations: number }[]>();
  for (const r of rows) {
    const list = out.get(r.code) ?? [];
    list.push({ version: r.app_version, stations: Number(r.n) });
    out.set(r.code, list);
  }
  return { branches: [...out].map(([branch, versions]) => ({ branch, versions })) };
}
