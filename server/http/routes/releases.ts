import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AddRingInput, Channel, MoveRolloutInput, PublishReleaseInput, RolloutTarget, RolloutThresholdInput } from '../../../contract/releases';
import type { Session } from '../../auth/sessions';
import { addRing, changeRollout, moveRollout, publishRelease, ReleaseError, setRolloutThreshold } from '../../releases/actions';
import { fleetVersions, rolloutStatus } from '../../releases/status';
import { loadRings } from '../../releases/store';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';
import { signalAfterCommit } from './release-signals';

const ChannelQuery = z.object({ channel: Channel.default('stable') });
const Action = z.object({ action: z.enum(['pause', 'resume', 'rollback']) });

/** Domain refusals become JSON errors with their status. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ReleaseError) throw new HttpError(e.kind === 'not_found' ? 404 : e.kind === 'conflict' ? 409 : 400, e.kind, e.message);
    // Two consoles publishing the same version or ring at once: the unique constraint decides.
    if ((e as { code?: string }).code === '23505') throw new HttpError(409, 'conflict', 'this already exists');
    throw e;
  }
}

/* The IT console's JSON API for releases, rings, rollouts and the fleet: it_admin only. */
export function registerReleaseRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function itAdmin(request: FastifyRequest): Promise<{ session: Session; actor: { kind: 'user'; id: string } }> {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    return { session, actor: { kind: 'user', id: String(session.userId) } };
  }

  app.post('/api/releases', async (request, reply) => {
    const { actor } = await itAdmin(request);
    const input = parseInput(PublishReleaseInput, request.body);
    const r = await mapped(() => publishRelease(ctx.db, actor, input));
    return reply.status(201).send(r);
  });

  app.get('/api/releases', async (request) => {
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

  app.post('/api/releases/rings', async (request, reply) => {
    const { actor } = await itAdmin(request);
    const input = parseInput(AddRingInput, request.body);
    return reply.status(201).send(await mapped(() => addRing(ctx.db, actor, input)));
  });

  app.get('/api/releases/rings', async (request) => {
    await itAdmin(request);
    const { channel } = parseInput(ChannelQuery, request.query);
    return { rings: await loadRings(ctx.db, channel) };
  });

  app.post('/api/releases/rollout/move', async (request) => {
    const { actor } = await itAdmin(request);
    const input = parseInput(MoveRolloutInput, request.body);
    const r = await mapped(() => moveRollout(ctx.db, actor, input));
    signalAfterCommit(app, ctx, { channel: input.channel, kind: 'release' });
    return r;
  });

  app.post('/api/releases/rollout/:action', async (request) => {
    const { actor } = await itAdmin(request);
    const { action } = parseInput(Action, request.params);
    const input = parseInput(RolloutTarget, request.body);
    const r = await mapped(() => changeRollout(ctx.db, actor, action, input));
    if (action !== 'pause') signalAfterCommit(app, ctx, { channel: input.channel, kind: action === 'rollback' ? 'rollback' : 'release' });
    return r;
  });

  app.put('/api/releases/rollout/threshold', async (request) => {
    const { actor } = await itAdmin(request);
    const input = parseInput(RolloutThresholdInput, request.body);
    await mapped(() => setRolloutThreshold(ctx.db, actor, input));
    return { ok: true };
  });

  app.get('/api/releases/rollout', async (request) => {
    await itAdmin(request);
    const { channel } = parseInput(ChannelQuery, request.query);
    const status = await rolloutStatus(ctx.db, channel);
    if (!status) throw new HttpError(404, 'not_found', 'no rollout on this channel');
    return status;
  });

  app.get('/api/releases/fleet', async (request) => {
    await itAdmin(request);
    return fleetVersions(ctx.db);
  });
}
