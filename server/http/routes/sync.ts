import type { FastifyInstance, FastifyReply } from 'fastify';
import { PullQuery, PushEnvelope, type PushResponse } from '../../../contract/sync';
import { recordAudit } from '../../audit/record';
import { withBranch } from '../../db/with-branch';
import { createFeedHub, type FeedHub } from '../../sync/live';
import { pullChangesJson } from '../../sync/pull';
import { sql } from 'kysely';
import { pushMutations } from '../../sync/push';
import { triageBatch } from '../push-triage';
import { streamGuard } from '../stream-guard';
import { requireStationUser } from './station-auth';
import { authenticateBeforeBody } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

const KEEPALIVE_MS = 15_000;

export function registerSyncRoutes(app: FastifyInstance, ctx: AppContext): void {
  // A batch can be megabytes of drafts: its sender is checked before the body is read.
  const pusher = authenticateBeforeBody((request) => requireStationUser(ctx, request));
  app.post('/api/sync/push', { onRequest: pusher.onRequest }, async (request): Promise<PushResponse> => {
    const { station, session } = pusher.of(request);
    const batch = triageBatch(parseInput(PushEnvelope, request.body).mutations);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    const results = await withBranch(ctx.db, station.branchId, actor, async (trx) => {
      const res = batch.answer(batch.apply.length ? await pushMutations(trx, station.id, session.userId, batch.apply) : []);
      const count = (s: string) => res.filter((r) => r.status === s).length;
      await recordAudit(trx, actor, {
        action: 'sync.push',
        entityType: 'station',
        entityId: station.id,
        detail: { applied: count('applied'), duplicate: count('duplicate'), conflict: count('conflict'), rejected: count('rejected') },
      });
      return res;
    });
    return { results };
  });

  /** The answer is a PullResponse; its JSON is assembled in the database (pullChangesJson). */
  app.get('/api/sync/pull', async (request, reply) => {
    const { station, session } = await requireStationUser(ctx, request);
    const query = parseInput(PullQuery, request.query);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    const page = await withBranch(ctx.db, station.branchId, actor, async (trx) => {
      const p = await pullChangesJson(trx, query.cursor, query.limit, { userId: session.userId });
      if (p.count > 0) {
        // This unit of work writes only its read-audit row: it may commit without waiting for
        // the disk. A database crash can lose the last fraction of a second of read-audit rows,
        // never data; it keeps the live channel and a ward's bootstrap fast.
        await sql`SET LOCAL synchronous_commit = off`.execute(trx);
        await recordAudit(trx, actor, {
          action: 'sync.pull',
          entityType: 'station',
          entityId: station.id,
          detail: { count: p.count, from: query.cursor, to: p.cursor },
          // Who looked at which patient: every patient the page carried data of.
          patientIds: p.patientIds,
        });
      }
      return p;
    });
    return reply.type('application/json; charset=utf-8').send(page.json);
  });

  const hub: FeedHub | null = ctx.databaseUrl ? createFeedHub(ctx.db, ctx.databaseUrl) : null;
  const guard = streamGuard(app, ctx);
  const streams = new Set<FastifyReply>();
  app.addHook('preClose', async () => {
    for (const s of streams) s.raw.end();
  });
  app.addHook('onClose', async () => {
    await hub?.close();
  });

  /** Server-sent events: `data: {"cursor":"…"}` whenever the station's branch feed moves. */
  app.get('/api/sync/live', async (request, reply) => {
    const { station, session } = await requireStationUser(ctx, request);
    if (!hub) throw new HttpError(503, 'unavailable', 'live channel not configured');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': live\n\n');
    streams.add(reply);
    let last = '';
    const unsubscribe = hub.subscribe(station.branchId, (cursor) => {
      if (last !== '' && BigInt(cursor) <= BigInt(last)) return;
      last = cursor;
      res.write(`data: ${JSON.stringify({ cursor })}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    // Logout, a password change, a disabled user or a revoked station ends the stream.
    const unwatch = guard.watch({ sessionId: session.sessionId, stationId: station.id }, () => res.end());
    const done = () => {
      clearInterval(keepalive);
      unsubscribe();
      unwatch();
      streams.delete(reply);
    };
    request.raw.on('close', done);
    res.on('close', done);
  });
}
