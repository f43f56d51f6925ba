import { sql } from 'kysely';
import { AddRingInput, PublishReleaseInput, type RolloutState } from '../../contract/releases';
import { recordAudit, type AuditEvent } from '../audit/record';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch, type Actor } from '../db/with-branch';
import { notifyStations } from './signals';
import { addRolloutEvent, allBranchIds, currentRollout, findRelease, loadRings, rolloutOfRelease, type RolloutRecord } from './store';

/*
 * What IT does with releases: publish, define rings, move a rollout from ring to ring, pause,
 * resume, roll back, set the health threshold. Each action commits with its audit row in the
 * first branch it affects; the other affected branches get their audit row right after.
 */

export class ReleaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'bad_request',
    message: string,
  ) {
    super(message);
  }
}

async function audited<T>(
  db: SystemDb,
  branchIds: readonly number[],
  actor: Actor,
  event: AuditEvent,
  work: (q: SystemDb) => Promise<T>,
): Promise<T> {
  const [first, ...rest] = branchIds;
  if (first === undefined) throw new ReleaseError('conflict', 'no branch to record this in: add a branch first');
  const result = await withBranch(db, first, actor, async (trx) => {
    const r = await work(asSystemDb(trx));
    await recordAudit(trx, actor, event);
    return r;
  });
  for (const b of rest) await withBranch(db, b, actor, (trx) => recordAudit(trx, actor, event));
  return result;
}

export async function publishRelease(db: SystemDb, actor: Actor, raw: PublishReleaseInput): Promise<{ id: number }> {
  const input = PublishReleaseInput.parse(raw);
  const branches = await allBranchIds(db);
  if (await findRelease(db, input.channel, input.version)) {
    throw new ReleaseError('conflict', `release ${input.version} is already published on ${input.channel}`);
  }
  return audited(
    db,
    branches,
    actor,
    { action: 'release.published', entityType: 'release', entityId: `${input.channel}/${input.version}`, detail: { files: input.files.length } },
    (q) =>
      q
        .insertInto('releases')
        .values({
          channel: input.channel,
          version: input.version,
          notes: input.notes,
          files: JSON.stringify(input.files),
          ...(input.releaseDate ? { release_date: input.releaseDate } : {}),
          published_by: `${actor.kind}:${actor.id}`,
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
  );
}

export async function addRing(db: SystemDb, actor: Actor, raw: AddRingInput): Promise<{ id: number }> {
  const input = AddRingInput.parse(raw);
  const sys = asSystemDb(db);
  let branchId: number | null = null;
  if (input.branch) {
    const b = await sys.selectFrom('branches').select('id').where('code', '=', input.branch).executeTakeFirst();
    if (!b) throw new ReleaseError('not_found', `no branch ${input.branch}`);
    branchId = b.id;
  }
  if ((input.kind === 'wards' || input.kind === 'percent') && branchId === null) throw new ReleaseError('bad_request', `a ${input.kind} ring names its branch`);
  if (input.kind === 'percent' && input.percent === undefined) throw new ReleaseError('bad_request', 'a percent ring gives its percent');
  if (input.kind === 'stations' && !input.stationIds?.length) throw new ReleaseError('bad_request', 'a stations ring lists its stations');
  let wardIds: number[] = [];
  if (input.kind === 'wards') {
    const codes = input.wardCodes ?? [];
    const rows = codes.length ? await sys.selectFrom('wards').select(['id', 'code']).where('branch_id', '=', branchId!).where('code', 'in', codes).execute() : [];
    if (rows.length !== codes.length || codes.length === 0) throw new ReleaseError('not_found', 'a ward of this ring does not exist in its branch');
    wardIds = rows.map((r) => r.id);
  }
  const branches = branchId !== null ? [branchId] : await allBranchIds(sys);
  return audited(
    db,
    branches,
    actor,
    { action: 'release.ring_added', entityType: 'release_ring', entityId: `${input.channel}/${input.name}`, detail: { kind: input.kind, position: input.position } },
    async (q) => {
      const clash = await q
        .selectFrom('release_rings')
        .select('id')
        .where('channel', '=', input.channel)
        .where((eb) => eb.or([eb('name', '=', input.name), eb('position', '=', input.position)]))
        .executeTakeFirst();
      if (clash) throw new ReleaseError('conflict', 'a ring of this channel already has this name or position');
      return q
        .insertInto('release_rings')
        .values({
          channel: input.channel,
          name: input.name,
          position: input.position,
          kind: input.kind,
          scope_branch_id: branchId,
          station_ids: input.kind === 'stations' ? (input.stationIds ?? []) : [],
          ward_ids: wardIds,
          percent: input.kind === 'percent' ? (input.percent ?? 0) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    },
  );
}

async function requireRelease(q: SystemDb, channel: string, version: string) {
  const release = await findRelease(q, channel, version);
  if (!release) throw new ReleaseError('not_found', `no release ${version} on ${channel}`);
  return release;
}

/**
 * The good version a new rollout falls back to: the previous rollout's release when it had
 * reached every ring and was not rolled back, otherwise what that rollout itself fell back to.
 */
function baselineAfter(prev: RolloutRecord | null, lastPosition: number): number | null {
  if (!prev) return null;
  if (prev.state !== 'rolled_back' && prev.ringPosition >= lastPosition) return prev.release.id;
  return prev.baseline?.id ?? null;
}

/** Starts a release's rollout at a ring, or moves it there (forward or back). */
export async function moveRollout(
  db: SystemDb,
  actor: Actor,
  input: { channel: string; version: string; ring: string },
): Promise<{ rolloutId: number; position: number }> {
  const sys = asSystemDb(db);
  const release = await requireRelease(sys, input.channel, input.version);
  const rings = await loadRings(sys, input.channel);
  const ring = rings.find((r) => r.name === input.ring);
  if (!ring) throw new ReleaseError('not_found', `no ring ${input.ring} on ${input.channel}`);
  const lastPosition = Math.max(...rings.map((r) => r.position));
  const branches = await allBranchIds(sys);
  return audited(
    db,
    branches,
    actor,
    { action: 'release.rollout_moved', entityType: 'release', entityId: `${input.channel}/${input.version}`, detail: { ring: ring.name, position: ring.position } },
    async (q) => {
      // One writer at a time per channel: two IT consoles cannot start rival rollouts.
      await sql`SELECT pg_advisory_xact_lock(hashtext('rollout:' || ${input.channel}))`.execute(q);
      const existing = await rolloutOfRelease(q, release.id);
      let rolloutId: number;
      if (existing) {
        if (existing.state === 'rolled_back' || existing.state === 'superseded') throw new ReleaseError('conflict', `the rollout of ${input.version} is ${existing.state}`);
        if (existing.state === 'halted') throw new ReleaseError('conflict', 'the rollout is halted: resume it first');
        await q.updateTable('rollouts').set({ ring_position: ring.position, updated_at: new Date() }).where('id', '=', existing.id).execute();
        rolloutId = existing.id;
      } else {
        const prev = await currentRollout(q, input.channel);
        const row = await q
          .insertInto('rollouts')
          .values({ channel: input.channel, release_id: release.id, baseline_release_id: baselineAfter(prev, lastPosition), ring_position: ring.position, state: 'active' })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (prev && prev.state !== 'rolled_back') {
          await q.updateTable('rollouts').set({ state: 'superseded', updated_at: new Date() }).where('id', '=', prev.id).execute();
        }
        rolloutId = row.id;
        await addRolloutEvent(q, rolloutId, 'started', { version: input.version, baseline: prev ? (baselineAfter(prev, lastPosition) === prev.release.id ? prev.release.version : (prev.baseline?.version ?? null)) : null });
      }
      await addRolloutEvent(q, rolloutId, 'moved', { ring: ring.name, position: ring.position, by: `${actor.kind}:${actor.id}` });
      await notifyStations(q, { channel: input.channel, kind: 'release' });
      return { rolloutId, position: ring.position };
    },
  );
}

const TRANSITIONS: Record<'pause' | 'resume' | 'rollback', { from: RolloutState[]; to: RolloutState; signal: 'release' | 'rollback' | null }> = {
  pause: { from: ['active'], to: 'paused', signal: null },
  resume: { from: ['paused', 'halted'], to: 'active', signal: 'release' },
  rollback: { from: ['active', 'paused', 'halted'], to: 'rolled_back', signal: 'rollback' },
};

/** Pause, resume or roll back a release's rollout. Rollback points the feed at the baseline at once. */
export async function changeRollout(
  db: SystemDb,
  actor: Actor,
  action: 'pause' | 'resume' | 'rollback',
  input: { channel: string; version: string },
): Promise<{ state: RolloutState }> {
  const sys = asSystemDb(db);
  const release = await requireRelease(sys, input.channel, input.version);
  const t = TRANSITIONS[action];
  const branches = await allBranchIds(sys);
  return audited(db, branches, actor, { action: `release.rollout_${action}`, entityType: 'release', entityId: `${input.channel}/${input.version}` }, async (q) => {
    const updated = await q
      .updateTable('rollouts')
      .set({ state: t.to, updated_at: new Date(), ...(action === 'resume' ? { halt_reason: null } : {}) })
      .where('release_id', '=', release.id)
      .where('state', 'in', t.from)
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      const r = await rolloutOfRelease(q, release.id);
      throw new ReleaseError(r ? 'conflict' : 'not_found', r ? `cannot ${action} a rollout that is ${r.state}` : `${input.version} has no rollout`);
    }
    await addRolloutEvent(q, updated.id, action === 'rollback' ? 'rolled_back' : action === 'pause' ? 'paused' : 'resumed', { by: `${actor.kind}:${actor.id}` });
    if (t.signal) await notifyStations(q, { channel: input.channel, kind: t.signal });
    return { state: t.to };
  });
}

export async function setRolloutThreshold(
  db: SystemDb,
  actor: Actor,
  input: { channel: string; version: string; maxErrorRatio: number; minErrorRate: number; minStations: number },
): Promise<void> {
  const sys = asSystemDb(db);
  const release = await requireRelease(sys, input.channel, input.version);
  const branches = await allBranchIds(sys);
  await audited(
    db,
    branches,
    actor,
    {
      action: 'release.threshold_set',
      entityType: 'release',
      entityId: `${input.channel}/${input.version}`,
      detail: { maxErrorRatio: input.maxErrorRatio, minErrorRate: input.minErrorRate, minStations: input.minStations },
    },
    async (q) => {
      const r = await q
        .updateTable('rollouts')
        .set({ max_error_ratio: input.maxErrorRatio, min_error_rate: input.minErrorRate, min_stations: input.minStations, updated_at: new Date() })
        .where('release_id', '=', release.id)
        .returning('id')
        .executeTakeFirst();
      if (!r) throw new ReleaseError('not_found', `${input.version} has no rollout`);
      await addRolloutEvent(q, r.id, 'threshold_set', { maxErrorRatio: input.maxErrorRatio, minErrorRate: input.minErrorRate, minStations: input.minStations });
    },
  );
}
