import { sql } from 'kysely';
import type { RolloutEvent, RolloutState } from '../../contract/releases';
import type { SystemDb } from '../db/system-db';
import type { Release, Rollout, StoredReleaseFile } from './feed';
import type { Ring } from './rings';

/* Reads of the release tables, and the one place rows become domain objects. */

type ReleaseRow = { id: number; channel: string; version: string; notes: string; files: unknown; release_date: Date };

export function rowToRelease(r: ReleaseRow): Release {
  return { id: r.id, channel: r.channel, version: r.version, notes: r.notes, files: r.files as StoredReleaseFile[], releaseDate: r.release_date };
}

export async function findRelease(q: SystemDb, channel: string, version: string): Promise<Release | null> {
  const r = await q
    .selectFrom('releases')
    .select(['id', 'channel', 'version', 'notes', 'files', 'release_date'])
    .where('channel', '=', channel)
    .where('version', '=', version)
    .executeTakeFirst();
  return r ? rowToRelease(r) : null;
}

async function releaseById(q: SystemDb, id: number | null): Promise<Release | null> {
  if (id === null) return null;
  const r = await q.selectFrom('releases').select(['id', 'channel', 'version', 'notes', 'files', 'release_date']).where('id', '=', id).executeTakeFirst();
  return r ? rowToRelease(r) : null;
}

export interface RolloutRecord extends Rollout {
  maxErrorRatio: number;
  minErrorRate: number;
  minStations: number;
  haltReason: string | null;
  startedAt: Date;
}

const ROLLOUT_COLUMNS = [
  'id',
  'channel',
  'release_id',
  'baseline_release_id',
  'ring_position',
  'state',
  'max_error_ratio',
  'min_error_rate',
  'min_stations',
  'halt_reason',
  'started_at',
  'scope_branch_id',
] as const;

type RolloutRow = {
  id: number;
  channel: string;
  release_id: number;
  baseline_release_id: number | null;
  ring_position: number;
  state: RolloutState;
  max_error_ratio: string;
  min_error_rate: string;
  min_stations: number;
  halt_reason: string | null;
  started_at: Date;
  scope_branch_id: number | null;
};

async function toRollout(q: SystemDb, r: RolloutRow): Promise<RolloutRecord> {
  const release = await releaseById(q, r.release_id);
  if (!release) throw new Error('rollout without its release');
  return {
    id: r.id,
    channel: r.channel,
    release,
    baseline: await releaseById(q, r.baseline_release_id),
    ringPosition: r.ring_position,
    state: r.state,
    maxErrorRatio: Number(r.max_error_ratio),
    minErrorRate: Number(r.min_error_rate),
    minStations: r.min_stations,
    haltReason: r.halt_reason,
    startedAt: r.started_at,
    scopeBranchId: r.scope_branch_id,
  };
}

/**
 * The rollout a branch's stations follow on a channel: the newest of the branch's own rollouts
 * and the group-wide ones. Another branch's rollout never decides what this branch is offered.
 */
export async function currentRollout(q: SystemDb, channel: string, branchId: number): Promise<RolloutRecord | null> {
  const r = await q
    .selectFrom('rollouts')
    .select(ROLLOUT_COLUMNS)
    .where('channel', '=', channel)
    .where((eb) => eb.or([eb('scope_branch_id', 'is', null), eb('scope_branch_id', '=', branchId)]))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? toRollout(q, r) : null;
}

/** The newest rollout of exactly this scope (a branch, or null: group-wide). */
export async function scopedRollout(q: SystemDb, channel: string, scopeBranchId: number | null): Promise<RolloutRecord | null> {
  const r = await q
    .selectFrom('rollouts')
    .select(ROLLOUT_COLUMNS)
    .where('channel', '=', channel)
    .where('scope_branch_id', scopeBranchId === null ? 'is' : '=', scopeBranchId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? toRollout(q, r) : null;
}

export async function rolloutOfRelease(q: SystemDb, releaseId: number, scopeBranchId: number | null): Promise<RolloutRecord | null> {
  const r = await q
    .selectFrom('rollouts')
    .select(ROLLOUT_COLUMNS)
    .where('release_id', '=', releaseId)
    .where('scope_branch_id', scopeBranchId === null ? 'is' : '=', scopeBranchId)
    .executeTakeFirst();
  return r ? toRollout(q, r) : null;
}

export async function loadRings(q: SystemDb, channel: string): Promise<Ring[]> {
  const rows = await q
    .selectFrom('release_rings')
    .select(['id', 'channel', 'name', 'position', 'kind', 'scope_branch_id', 'station_ids', 'ward_ids', 'percent'])
    .where('channel', '=', channel)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    name: r.name,
    position: r.position,
    kind: r.kind,
    branchId: r.scope_branch_id,
    stationIds: r.station_ids,
    wardIds: r.ward_ids,
    percent: r.percent,
  }));
}

export async function rolloutTimeline(q: SystemDb, rolloutId: number): Promise<RolloutEvent[]> {
  const rows = await q.selectFrom('rollout_events').select(['at', 'kind', 'detail']).where('rollout_id', '=', rolloutId).orderBy('id').execute();
  return rows.map((r) => ({ at: r.at.toISOString(), kind: r.kind, detail: (r.detail ?? {}) as Record<string, unknown> }));
}

export async function addRolloutEvent(q: SystemDb, rolloutId: number, kind: string, detail: Record<string, unknown> = {}): Promise<void> {
  await q.insertInto('rollout_events').values({ rollout_id: rolloutId, kind, detail: JSON.stringify(detail) }).execute();
}

export async function allBranchIds(q: SystemDb): Promise<number[]> {
  return (await q.selectFrom('branches').select('id').orderBy('id').execute()).map((b) => b.id);
}

/** Now, as the database sees it: rollout windows compare against database timestamps. */
export async function dbNow(q: SystemDb): Promise<Date> {
  const r = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(q);
  return r.rows[0]!.now;
}
