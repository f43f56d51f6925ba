import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { AddRingInput, ChannelQuery, MoveRolloutInput, PublishReleaseInput, RolloutTarget, RolloutThresholdInput } from '../../../contract/releases';
import { RolloutActionParams, serverApi } from '../../../contract/server-api';
import type { Session } from '../../auth/sessions';
import { addRing, changeRollout, moveRollout, publishRelease, ReleaseError, setRolloutThreshold, type ReleaseAuthority } from '../../releases/actions';
import { storeArtifact } from '../../releases/artifacts';
import { recordAudit } from '../../audit/record';
import { withBranch } from '../../db/with-branch';
import { fleetVersions, rolloutStatus } from '../../releases/status';
import { loadRings } from '../../releases/store';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';
import { releaseStateChanged, signalAfterCommit } from './release-signals';


/** Domain refusals become JSON errors with their status. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ReleaseError) {
      throw new HttpError(e.kind === 'not_found' ? 404 : e.kind === 'conflict' ? 409 : e.kind === 'forbidden' ? 403 : 400, e.kind, e.message);
    }
    // Two consoles publishing the same version or ring at once: the unique constraint decides.
    if ((e as { code?: string }).code === '23505') throw new HttpError(409, 'conflict', 'this already exists (a release with this version on this channel, or the same change): publish under a new version number');
    throw e;
  }
}

/* The IT console's JSON API for releases, rings, rollouts and the fleet: it_admin only. */
export function registerReleaseRoutes(app: FastifyInstance, ctx: AppContext): void {
  /**
   * The signed-in IT administrator and what they may act on: the branches where they hold
   * it_admin, and the group release manager role only when held explicitly.
   */
  async function itAdmin(request: FastifyRequest): Promise<{ session: Session; actor: { kind: 'user'; id: string }; authority: ReleaseAuthority }> {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    const sys = ctx.db;
    const [branches, group] = await Promise.all([
      sys.selectFrom('user_branch_roles').select('branch_id').where('user_id', '=', session.userId).where('role', '=', 'it_admin').execute(),
      sys.selectFrom('group_roles').select('role').where('user_id', '=', session.userId).where('role', '=', 'release_manager').executeTakeFirst(),
    ]);
    return { session, actor: { kind: 'user', id: String(session.userId) }, authority: { branchIds: branches.map((b) => b.branch_id), group: group !== undefined } };
  }
  const artifactStore = () => ({ dir: ctx.updateFilesDir ?? null, publicKey: ctx.releasePublicKey ?? null });

  app.post(serverApi.publishRelease.path, async (request, reply) => {
    const { actor, authority } = await itAdmin(request);
    const input = parseInput(PublishReleaseInput, request.body);
    const r = await mapped(() => publishRelease(ctx.db, actor, authority, input, artifactStore()));
    return reply.status(201).send(r);
  });

  // Uploads an artifact into the server's own store; the server hashes it at publish.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
    scope.put(serverApi.uploadArtifact.path, { bodyLimit: 2 * 1024 ** 3 }, async (request, reply) => {
      const { session, actor } = await itAdmin(request);
      const { name } = parseInput(serverApi.uploadArtifact.params, request.params);
      const dir = ctx.updateFilesDir;
      if (!dir) throw new HttpError(409, 'conflict', 'this server has no artifact store: set UPDATE_FILES_DIR in its environment and restart it');
      if (!(request.body instanceof Readable)) throw new HttpError(415, 'bad_request', 'send the artifact as application/octet-stream');
      // A published artifact is never replaced: the store is shared by every branch, and new bytes
      // under a released name would make every station offered that release refuse it.
      const published = await ctx.db
        .selectFrom('releases')
        .select(['channel', 'version'])
        .where(sql<boolean>`files @> ${JSON.stringify([{ url: `files/${name}` }])}::jsonb`)
        .executeTakeFirst();
      if (published) throw new HttpError(409, 'conflict', `${name} belongs to release ${published.version} on ${published.channel}: a published artifact is never replaced; upload under a new name`);
      const stored = await storeArtifact(dir, name, request.body);
      // Storing reaches no station (publishing, which checks the signature, does); audited where it was done.
      await withBranch(ctx.db, session.branch.id, actor, (trx) =>
        recordAudit(trx, actor, { action: 'release.artifact_uploaded', entityType: 'artifact', entityId: name, detail: { sha512: stored.sha512, size: stored.size } }),
      );
      return reply.status(201).send({ name, ...stored });
    });
  });

  app.get(serverApi.listReleases.path, async (request) => {
    await itAdmin(request);
    const { channel } = parseInput(ChannelQuery, request.query);
    const rows = await ctx.db
      .selectFrom('releases')
      .select(['version', 'notes', 'release_date', 'published_at', 'published_by'])
      .where('channel', '=', channel)
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
    return {
      releases: rows.map((r) => ({ version: r.version, notes: r.notes, releaseDate: r.release_date.toISOString(), publishedAt: r.published_at.toISOString(), publishedBy: r.published_by })),
    };
  });

  app.post(serverApi.addRing.path, async (request, reply) => {
    const { actor, authority } = await itAdmin(request);
    const input = parseInput(AddRingInput, request.body);
    const ring = await mapped(() => addRing(ctx.db, actor, authority, input));
    releaseStateChanged(app);
    return reply.status(201).send(ring);
  });

  app.get(serverApi.listRings.path, async (request) => {
    const { authority } = await itAdmin(request);
    const { channel } = parseInput(ChannelQuery, request.query);
    const rings = await loadRings(ctx.db, channel);
    return { rings: rings.filter((r) => r.branchId === null || authority.branchIds.includes(r.branchId)) };
  });

  // A rollout action without a scope acts in the signed-in branch; 'group' must be asked for.
  const scoped = <T extends { scope?: string | undefined }>(input: T, session: Session): T & { scope: string } => ({ ...input, scope: input.scope ?? session.branch.code });
  const signal = async (channel: string, kind: 'release' | 'rollback', scope: string) => {
    releaseStateChanged(app);
    if (ctx.databaseUrl) return; // the action's NOTIFY already carries the signal, scoped
    const b = scope === 'group' ? undefined : await ctx.db.selectFrom('branches').select('id').where('code', '=', scope).executeTakeFirst();
    signalAfterCommit(app, ctx, { channel, kind, ...(b ? { branchId: b.id } : {}) });
  };

  app.post(serverApi.moveRollout.path, async (request) => {
    const { actor, authority, session } = await itAdmin(request);
    const input = scoped(parseInput(MoveRolloutInput, request.body), session);
    const r = await mapped(() => moveRollout(ctx.db, actor, authority, input));
    await signal(input.channel, 'release', input.scope);
    return r;
  });

  app.post(serverApi.changeRollout.path, async (request) => {
    const { actor, authority, session } = await itAdmin(request);
    const { action } = parseInput(RolloutActionParams, request.params);
    const input = scoped(parseInput(RolloutTarget, request.body), session);
    const r = await mapped(() => changeRollout(ctx.db, actor, authority, action, input));
    if (action !== 'pause') await signal(input.channel, action === 'rollback' ? 'rollback' : 'release', input.scope);
    else releaseStateChanged(app);
    return r;
  });

  app.put(serverApi.setRolloutThreshold.path, async (request) => {
    const { actor, authority, session } = await itAdmin(request);
    const input = scoped(parseInput(RolloutThresholdInput, request.body), session);
    await mapped(() => setRolloutThreshold(ctx.db, actor, authority, input));
    return { ok: true };
  });

  // What the signed-in branch's stations follow, counted over that branch only.
  app.get(serverApi.rolloutStatus.path, async (request) => {
    const { session } = await itAdmin(request);
    const { channel } = parseInput(ChannelQuery, request.query);
    const status = await rolloutStatus(ctx.db, channel, session.branch.id);
    if (!status) throw new HttpError(404, 'not_found', 'no rollout on this channel');
    return status;
  });

  app.get(serverApi.fleetVersions.path, async (request) => {
    const { authority } = await itAdmin(request);
    return fleetVersions(ctx.db, authority.branchIds);
  });
}
