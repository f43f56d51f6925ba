import type { HealthReport, RolloutState, VersionHealth } from '../../contract/releases';
import { recordAudit } from '../audit/record';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { haltReason, summarize, type HealthSample } from './health';
import { reachedBy, type Ring, type StationIdentity } from './rings';
import { notifyStations } from './signals';
import { addRolloutEvent, allBranchIds, currentRollout, loadRings, type RolloutRecord } from './store';

/* Station health reports, and the gate that halts a rollout by itself. */

export async function recordHealthReport(q: SystemDb, station: StationIdentity, report: HealthReport): Promise<void> {
  await q
    .insertInto('station_health_reports')
    .values({
      station_id: station.id,
      version: report.version,
      uptime_seconds: report.uptimeSeconds,
      sync_failures: report.syncFailures,
      crashes: report.crashes,
      errors: report.errors,
    })
    .execute();
  await q.updateTable('stations').set({ app_version: report.version, last_seen_at: new Date() }).where('id', '=', station.id).execute();
}

/** How far back the old version's health counts: the same stations' day before the rollout. */
const BASELINE_WINDOW_MS = 24 * 3600_000;

/**
 * Both versions' health among the stations of the rings the rollout reached: the candidate
 * since the rollout started, the baseline (old) version on the same stations over the day
 * before it and on those that have not updated yet.
 */
export async function rolloutHealth(q: SystemDb, rollout: RolloutRecord, rings: readonly Ring[]): Promise<{ candidate: VersionHealth; baseline: VersionHealth | null }> {
  const versions = [rollout.release.version, ...(rollout.baseline ? [rollout.baseline.version] : [])];
  const rows = await q
    .selectFrom('station_health_reports as h')
    .innerJoin('stations as s', 's.id', 'h.station_id')
    .select((eb) => [
      'h.station_id',
      'h.version',
      's.branch_id',
      's.ward_id',
      eb.fn.sum<string>('h.uptime_seconds').as('uptime'),
      eb.fn.sum<string>(eb(eb('h.sync_failures', '+', eb.ref('h.crashes')), '+', eb.ref('h.errors'))).as('incidents'),
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb('h.version', '=', rollout.release.version), eb('h.reported_at', '>=', rollout.startedAt)]),
        ...(rollout.baseline
          ? [eb.and([eb('h.version', '=', rollout.baseline.version), eb('h.reported_at', '>=', new Date(rollout.startedAt.getTime() - BASELINE_WINDOW_MS))])]
          : []),
      ]),
    )
    .groupBy(['h.station_id', 'h.version', 's.branch_id', 's.ward_id'])
    .execute();
  const byVersion = new Map<string, HealthSample[]>(versions.map((v) => [v, []]));
  for (const r of rows) {
    if (rollout.scopeBranchId !== null && r.branch_id !== rollout.scopeBranchId) continue;
    if (!reachedBy(rings, rollout.ringPosition, { id: r.station_id, branchId: r.branch_id, wardId: r.ward_id })) continue;
    byVersion.get(r.version)?.push({ stationId: r.station_id, uptimeSeconds: Number(r.uptime), incidents: Number(r.incidents) });
  }
  return {
    candidate: summarize(rollout.release.version, byVersion.get(rollout.release.version) ?? []),
    baseline: rollout.baseline ? summarize(rollout.baseline.version, byVersion.get(rollout.baseline.version) ?? []) : null,
  };
}

/**
 * Halts the rollout a branch's stations follow on a channel when its health passes the
 * threshold. Returns the rollout's state.
 */
export async function evaluateRollout(db: SystemDb, channel: string, branchId: number): Promise<RolloutState | null> {
  const sys = asSystemDb(db);
  const rollout = await currentRollout(sys, channel, branchId);
  if (!rollout) return null;
  if (rollout.state !== 'active') return rollout.state;
  const rings = await loadRings(sys, channel);
  const health = await rolloutHealth(sys, rollout, rings);
  const reason = haltReason(health.candidate, health.baseline, rollout);
  if (!reason) return rollout.state;
  const actor = { kind: 'system', id: 'health-gate' } as const;
  const [first, ...rest] = rollout.scopeBranchId === null ? await allBranchIds(sys) : [rollout.scopeBranchId];
  if (first === undefined) return rollout.state;
  const event = { action: 'release.rollout_halted', entityType: 'release', entityId: `${channel}/${rollout.release.version}`, detail: { reason } };
  const halted = await withBranch(db, first, actor, async (trx) => {
    const q = asSystemDb(trx);
    // Only one instance (and one report) halts it: the conditional update decides.
    const r = await q
      .updateTable('rollouts')
      .set({ state: 'halted', halt_reason: reason, updated_at: new Date() })
      .where('id', '=', rollout.id)
      .where('state', '=', 'active')
      .returning('id')
      .executeTakeFirst();
    if (!r) return false;
    await addRolloutEvent(q, rollout.id, 'halted', { reason, candidate: health.candidate, baseline: health.baseline });
    await notifyStations(q, { channel, kind: 'release', ...(rollout.scopeBranchId !== null ? { branchId: rollout.scopeBranchId } : {}) });
    await recordAudit(trx, actor, event);
    return true;
  });
  if (halted) for (const b of rest) await withBranch(db, b, actor, (trx) => recordAudit(trx, actor, event));
  return halted ? 'halted' : (await currentRollout(sys, channel, branchId))?.state ?? null;
}
