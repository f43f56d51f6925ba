import type { KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { AddRingInput, PublishReleaseInput, type ReleaseFile, type RolloutState } from '../../contract/releases';
import { recordAudit, type AuditEvent } from '../audit/record';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch, type Actor } from '../db/with-branch';
import { digestArtifact, signatureHolds } from './artifacts';
import { notifyStations } from './signals';
import { addRolloutEvent, allBranchIds, currentRollout, findRelease, loadRings, rolloutOfRelease, scopedRollout, type RolloutRecord } from './store';

/*
 * What IT does with releases: publish, define rings, move a rollout from ring to ring, pause,
 * resume, roll back, set the health threshold. Each action commits with its audit row in the
 * first branch it affects; the other affected branches get their audit row right after.
 *
 * The branch rule holds here too (issue 11): an action acts only in the branches where its
 * actor is an IT administrator. A rollout has a scope, one branch or the whole group; a
 * group-wide one needs the group release manager role, held explicitly, and is audited in every
 * branch. A ring names its branch (only a group release manager adds branchless rings), and a
 * rollout of one branch reaches that branch's stations whatever rings it passes.
 */

export class ReleaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'bad_request' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

/** What the actor may do: the branches they administer, and whether they hold the group role. */
export interface ReleaseAuthority {
  branchIds: readonly number[];
  group: boolean;
}

/** Where releases come from and what they must verify against. */
export interface ArtifactStore {
  dir: string | null;
  publicKey: KeyObject | null;
}

interface Scope {
  /** null: group-wide. */
  branchId: number | null;
  /** The branches it touches, where it is audited. */
  branches: number[];
}

async function resolveScope(sys: SystemDb, authority: ReleaseAuthority, scope: string | undefined): Promise<Scope> {
  if (scope === undefined) throw new ReleaseError('bad_request', "name the rollout's scope: a branch code or 'group'");
  if (scope === 'group') {
    if (!authority.group) throw new ReleaseError('forbidden', 'a group-wide rollout needs the group release manager role');
    return { branchId: null, branches: await allBranchIds(sys) };
  }
  const b = await sys.selectFrom('branches').select('id').where('code', '=', scope).executeTakeFirst();
  if (!b) throw new ReleaseError('not_found', `no branch ${scope}`);
  if (!authority.branchIds.includes(b.id)) throw new ReleaseError('forbidden', `you are not an IT administrator of branch ${scope}`);
  return { branchId: b.id, branches: [b.id] };
}

const scopeName = async (sys: SystemDb, branchId: number | null) =>
  branchId === null ? 'group' : (await sys.selectFrom('branches').select('code').where('id', '=', branchId).executeTakeFirstOrThrow()).code;

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

/**
 * Publishes a release from artifacts already in the server's store: the server computes each
 * file's SHA-512 and size and checks the release manager's signature over them. Publishing
 * reaches no station (a rollout does); it is audited in the publisher's branches.
 */
export async function publishRelease(
  db: SystemDb,
  actor: Actor,
  authority: ReleaseAuthority,
  raw: PublishReleaseInput,
  store: ArtifactStore,
): Promise<{ id: number }> {
  const input = PublishReleaseInput.parse(raw);
  const sys = db;
  const branches = authority.group ? await allBranchIds(sys) : [...authority.branchIds];
  if (branches.length === 0) throw new ReleaseError('forbidden', 'only an IT administrator publishes releases');
  if (!store.dir) throw new ReleaseError('conflict', 'this server has no artifact store (set UPDATE_FILES_DIR)');
  if (!store.publicKey) throw new ReleaseError('conflict', 'this server has no release public key to check signatures with (set WARDSTATION_RELEASE_PUBLIC_KEY)');
  if (await findRelease(sys, input.channel, input.version)) {
    throw new ReleaseError('conflict', `release ${input.version} is already published on ${input.channel}`);
  }
  const files: ReleaseFile[] = [];
  for (const f of input.files) {
    const digest = await digestArtifact(store.dir, f.name);
    if (!digest) throw new ReleaseError('not_found', `no artifact ${f.name} in the artifact store: upload it first`);
    if (!signatureHolds(store.publicKey, input.version, f.name, digest.sha512, f.signature)) {
      throw new ReleaseError('bad_request', `the signature of ${f.name} does not verify with the release public key`);
    }
    files.push({ platform: f.platform, url: `files/${f.name}`, sha512: digest.sha512, size: digest.size, signature: f.signature });
  }
  return audited(
    db,
    branches,
    actor,
    { action: 'release.published', entityType: 'release', entityId: `${input.channel}/${input.version}`, detail: { files: files.length } },
    (q) =>
      q
        .insertInto('releases')
        .values({
          channel: input.channel,
          version: input.version,
          notes: input.notes,
          files: JSON.stringify(files),
          ...(input.releaseDate ? { release_date: input.releaseDate } : {}),
          published_by: `${actor.kind}:${actor.id}`,
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
  );
}

export async function addRing(db: SystemDb, actor: Actor, authority: ReleaseAuthority, raw: AddRingInput): Promise<{ id: number }> {
  const input = AddRingInput.parse(raw);
  const sys = db;
  let branchId: number | null = null;
  if (input.branch) {
    const b = await sys.selectFrom('branches').select('id').where('code', '=', input.branch).executeTakeFirst();
    if (!b) throw new ReleaseError('not_found', `no branch ${input.branch}`);
    branchId = b.id;
  }
  if (input.kind === 'stations' && branchId === null && input.stationIds?.length) {
    // A stations ring belongs to its stations' branch: one branch, or a group ring.
    const owners = await sys.selectFrom('stations').select('branch_id').distinct().where('id', 'in', input.stationIds).execute();
    if (owners.length === 1) branchId = owners[0]!.branch_id;
  }
  if (branchId === null ? !authority.group : !authority.branchIds.includes(branchId)) {
    throw new ReleaseError('forbidden', branchId === null ? 'a ring without a branch needs the group release manager role' : `you are not an IT administrator of branch ${input.branch ?? 'of these stations'}`);
  }
  if (input.kind === 'stations' && branchId !== null && input.stationIds?.length) {
    const foreign = await sys.selectFrom('stations').select('id').where('id', 'in', input.stationIds ?? []).where('branch_id', '<>', branchId).executeTakeFirst();
    if (foreign) throw new ReleaseError('forbidden', 'a station of this ring is not in its branch');
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

/** Starts a release's rollout at a ring, or moves it there (forward or back), in one scope. */
export async function moveRollout(
  db: SystemDb,
  actor: Actor,
  authority: ReleaseAuthority,
  input: { channel: string; version: string; ring: string; scope?: string | undefined },
): Promise<{ rolloutId: number; position: number }> {
  const sys = db;
  const scope = await resolveScope(sys, authority, input.scope);
  const release = await requireRelease(sys, input.channel, input.version);
  // A branch's rollout sees only its own rings and the branchless ones (which then reach only it).
  const rings = (await loadRings(sys, input.channel)).filter((r) => scope.branchId === null || r.branchId === null || r.branchId === scope.branchId);
  const ring = rings.find((r) => r.name === input.ring);
  if (!ring) throw new ReleaseError('not_found', `no ring ${input.ring} on ${input.channel} for this scope`);
  const lastPosition = Math.max(...rings.map((r) => r.position));
  const scopeCode = await scopeName(sys, scope.branchId);
  return audited(
    db,
    scope.branches,
    actor,
    { action: 'release.rollout_moved', entityType: 'release', entityId: `${input.channel}/${input.version}`, detail: { ring: ring.name, position: ring.position, scope: scopeCode } },
    async (q) => {
      // One writer at a time per channel: two IT consoles cannot start rival rollouts.
      await sql`SELECT pg_advisory_xact_lock(hashtext('rollout:' || ${input.channel}))`.execute(q);
      const existing = await rolloutOfRelease(q, release.id, scope.branchId);
      let rolloutId: number;
      if (existing) {
        if (existing.state === 'rolled_back' || existing.state === 'superseded') throw new ReleaseError('conflict', `the rollout of ${input.version} is ${existing.state}`);
        if (existing.state === 'halted') throw new ReleaseError('conflict', 'the rollout is halted: resume it first');
        await q.updateTable('rollouts').set({ ring_position: ring.position, updated_at: new Date() }).where('id', '=', existing.id).execute();
        rolloutId = existing.id;
      } else {
        // The rollout this scope's stations followed until now: its good version is the baseline.
        // Only a rollout of the same scope is superseded; a group rollout is the group's.
        const prev = scope.branchId === null ? await scopedRollout(q, input.channel, null) : await currentRollout(q, input.channel, scope.branchId);
        const row = await q
          .insertInto('rollouts')
          .values({
            channel: input.channel,
            release_id: release.id,
            baseline_release_id: baselineAfter(prev, lastPosition),
            ring_position: ring.position,
            state: 'active',
            scope_branch_id: scope.branchId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (prev && prev.state !== 'rolled_back' && prev.scopeBranchId === scope.branchId) {
          await q.updateTable('rollouts').set({ state: 'superseded', updated_at: new Date() }).where('id', '=', prev.id).execute();
        }
        rolloutId = row.id;
        await addRolloutEvent(q, rolloutId, 'started', { version: input.version, baseline: prev ? (baselineAfter(prev, lastPosition) === prev.release.id ? prev.release.version : (prev.baseline?.version ?? null)) : null });
      }
      await addRolloutEvent(q, rolloutId, 'moved', { ring: ring.name, position: ring.position, by: `${actor.kind}:${actor.id}` });
      await notifyStations(q, { channel: input.channel, kind: 'release', ...(scope.branchId !== null ? { branchId: scope.branchId } : {}) });
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
  authority: ReleaseAuthority,
  action: 'pause' | 'resume' | 'rollback',
  input: { channel: string; version: string; scope?: string | undefined },
): Promise<{ state: RolloutState }> {
  const sys = db;
  const scope = await resolveScope(sys, authority, input.scope);
  const release = await requireRelease(sys, input.channel, input.version);
  const t = TRANSITIONS[action];
  const detail = { scope: await scopeName(sys, scope.branchId) };
  return audited(db, scope.branches, actor, { action: `release.rollout_${action}`, entityType: 'release', entityId: `${input.channel}/${input.version}`, detail }, async (q) => {
    const updated = await q
      .updateTable('rollouts')
      .set({ state: t.to, updated_at: new Date(), ...(action === 'resume' ? { halt_reason: null } : {}) })
      .where('release_id', '=', release.id)
      .where('scope_branch_id', scope.branchId === null ? 'is' : '=', scope.branchId)
      .where('state', 'in', t.from)
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      const r = await rolloutOfRelease(q, release.id, scope.branchId);
      throw new ReleaseError(r ? 'conflict' : 'not_found', r ? `cannot ${action} a rollout that is ${r.state}` : `${input.version} has no rollout in ${detail.scope}`);
    }
    await addRolloutEvent(q, updated.id, action === 'rollback' ? 'rolled_back' : action === 'pause' ? 'paused' : 'resumed', { by: `${actor.kind}:${actor.id}` });
    if (t.signal) await notifyStations(q, { channel: input.channel, kind: t.signal, ...(scope.branchId !== null ? { branchId: scope.branchId } : {}) });
    return { state: t.to };
  });
}

export async function setRolloutThreshold(
  db: SystemDb,
  actor: Actor,
  authority: ReleaseAuthority,
  input: { channel: string; version: string; scope?: string | undefined; maxErrorRatio: number; minErrorRate: number; minStations: number },
): Promise<void> {
  const sys = db;
  const scope = await resolveScope(sys, authority, input.scope);
  const release = await requireRelease(sys, input.channel, input.version);
  await audited(
    db,
    scope.branches,
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
        .where('scope_branch_id', scope.branchId === null ? 'is' : '=', scope.branchId)
        .returning('id')
        .executeTakeFirst();
      if (!r) throw new ReleaseError('not_found', `${input.version} has no rollout in this scope`);
      await addRolloutEvent(q, r.id, 'threshold_set', { maxErrorRatio: input.maxErrorRatio, minErrorRate: input.minErrorRate, minStations: input.minStations });
    },
  );
}
