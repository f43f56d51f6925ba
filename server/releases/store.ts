import { sql } from 'kysely';
import type { ReleaseFile, RolloutEvent, RolloutState } from '../../contract/releases';
import type { SystemDb } from '../db/system-db';
import type { Release, Rollout } from './feed';
import type { Ring } from './rings';

/* Reads of the release tables, and the one place rows become domain objects. */

type ReleaseRow = { id: number; channel: string; version: string; notes: string; files: unknown; release_date: Date };

export function rowToRelease(r: ReleaseRow): Release {
  return { id: r.id, channel: r.channel, version: r.version, notes: r.notes, files: r.files as ReleaseFile[], releaseDate: r.release_date };
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
  };
}

/** The channel's newest rollout: the one the feed answers from. */
export async function currentRollout(q: SystemDb, channel: string): Promise<RolloutRecord | null> {
  const r = await q.selectFrom('rollouts').select(ROLLOUT_COLUMNS).where('channel', '=', channel).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return r ? toRollout(q, r) : null;
}

export async function rolloutOfRelease(q: SystemDb, releaseId: number): Promise<RolloutRecord | null> {
  const r = await q.selectFrom('rollouts').select(ROLLOUT_COLUMNS).where('release_id', '=', releaseId).executeTakeFirst();
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
