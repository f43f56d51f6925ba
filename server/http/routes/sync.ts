import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import { HEALTH_RECORDED_HEADER, STATION_HEALTH_HEADER, STATION_VERSION_HEADER, StationHealthHeader, Version, type ReleaseSignal } from '../../../contract/releases';
import { PULL_ROWS_MEDIA_TYPE, PullQuery, PushEnvelope, type PushResponse } from '../../../contract/sync';
import { recordAuditAtCommit, recordReadAudit } from '../../audit/record';
import { withBranchRead } from '../../db/read-replica';
import { createBranchLimiter, pushesPerBranchFor, type BranchLimiter } from '../../db/branch-limiter';
import { withBranch } from '../../db/with-branch';
import { createFeedHub, type FeedHub } from '../../sync/live';
import { pullChangesJson, pullChangesRows, pullRowsAnswerBytes } from '../../sync/pull';
import { pushMutations } from '../../sync/push';
import { triageBatch } from '../push-triage';
import type { EnrolledStation } from '../../stations/credential';
import { listFlags } from '../../flags/flags';
import { recordHealthReport } from '../../releases/health-gate';
import { recordContact } from '../../releases/presence';
import { healthVerdicts } from './health-verdicts';
import { releaseSignalHub } from './release-signals';
import { streamGuard } from '../stream-guard';
import { requireStationUser } from './station-auth';
import { authenticateBeforeBody } from '../authenticate';
import type { AppContext } from '../context';
import type { FhirConfig } from '../../fhir/config';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

const KEEPALIVE_MS = 15_000;

/**
 * Admission of a branch's pushes, after authentication and before the body is read: the
 * database limiter (db/branch-limiter.ts) bounds a branch's units of work, but a push waiting
 * there has already been read and parsed (up to megabytes of drafts) on the event loop every
 * branch shares. Beyond its share, a branch's pushes wait unread (the sender is held by TCP), so a
 * flood in one hospital costs the others neither event-loop time nor memory. Returns the release.
 */
function admit(gate: BranchLimiter, branchId: number): Promise<() => void> {
  return new Promise((admitted, refused) => {
    gate
      .run(branchId, () => new Promise<void>((done) => {
        let released = false;
        admitted(() => {
          if (!released) done();
          released = true;
        });
      }))
      .catch(refused);
  });
}

/** `fhir`: the FHIR store's settings, for clinical records (vitals, allergies) that pushes carry. */
export function registerSyncRoutes(app: FastifyInstance, ctx: AppContext, fhir: FhirConfig): void {
  const verdict = healthVerdicts(app, ctx);

  /**
   * Presence and health ride on sync traffic: every push and pull updates the station's last
   * contact and version; a health report in its header is recorded with the release health gate
   * (a faulty version's reports halt its rollout). A malformed report is ignored, never a reason
   * to refuse the sync itself; the answer's header tells the station whether it was kept.
   */
  async function heardFrom(station: EnrolledStation, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const sys = ctx.db;
    const rawVersion = request.headers[STATION_VERSION_HEADER];
    const version = typeof rawVersion === 'string' && Version.safeParse(rawVersion).success ? rawVersion : null;
    const rawHealth = request.headers[STATION_HEALTH_HEADER];
    let report: StationHealthHeader | null = null;
    if (typeof rawHealth === 'string' && rawHealth.length <= 2000) {
      try {
        const parsed = StationHealthHeader.safeParse(JSON.parse(rawHealth));
        if (parsed.success) report = parsed.data;
      } catch {
        // not JSON: ignored like any other malformed report
      }
    }
    if (!report) return recordContact(sys, station.id, version);
    await recordHealthReport(sys, station, report);
    reply.header(HEALTH_RECORDED_HEADER, '1');
    verdict(report.channel, station.branchId).catch((e: unknown) => ctx.log.warn('health verdict failed', { error: e instanceof Error ? e.name : 'unknown' }));
  }

  // A batch can be megabytes of drafts: its sender is checked before the body is read.
  const pusher = authenticateBeforeBody((request) => requireStationUser(ctx, request));
  // Without a setting: the database is taken to run on this machine's cores (the embedded one does).
  const perBranch = ctx.pushesPerBranch ?? pushesPerBranchFor(availableParallelism());
  const admission = perBranch > 0 ? createBranchLimiter({ perBranch, queueTimeoutMs: 10_000 }) : null;
  const releases = new WeakMap<FastifyRequest, () => void>();
  const release = async (request: FastifyRequest) => releases.get(request)?.();
  const pushHooks = {
    onRequest: async (request: FastifyRequest) => {
      await pusher.onRequest(request);
      if (admission) releases.set(request, await admit(admission, pusher.of(request).station.branchId));
    },
    onResponse: release,
    onRequestAbort: release,
  };
  app.post(serverApi.syncPush.path, pushHooks, async (request, reply): Promise<PushResponse> => {
    const { station, session } = pusher.of(request);
    await heardFrom(station, request, reply);
    const batch = triageBatch(parseInput(PushEnvelope, request.body).mutations);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    const results = await withBranch(ctx.db, station.branchId, actor, async (trx) => {
      const res = batch.answer(batch.apply.length ? await pushMutations(trx, station.id, session.userId, batch.apply, station.branchCode, fhir) : []);
      const count = (s: string) => res.filter((r) => r.status === s).length;
      // Sent with the COMMIT: the branch's audit lock is not held across a round trip.
      recordAuditAtCommit(trx, actor, {
        action: 'sync.push',
        entityType: 'station',
        entityId: station.id,
        detail: { applied: count('applied'), duplicate: count('duplicate'), conflict: count('conflict'), rejected: count('rejected') },
      });
      return res;
    });
    return { results };
  });

  /**
   * A page of the branch's feed, as JSON (a PullResponse, spliced from the stored JSON texts:
   * pullChangesJson) or as feed rows (assembled in the database: pullChangesRows).
   */
  const pull = (format: 'json' | 'rows') => async (request: FastifyRequest, reply: FastifyReply) => {
    const { station, session } = await requireStationUser(ctx, request);
    // Before the query is read: a station whose pulls the server refuses still reports its health.
    await heardFrom(station, request, reply);
    const query = parseInput(PullQuery, request.query);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    // On the replica when there is one (its horizon is its own snapshot's: server/sync/pull.ts);
    // the audit row is written on the primary before the page leaves.
    const page = await withBranchRead(ctx, station.branchId, actor, async (trx) => {
      const p = await (format === 'json' ? pullChangesJson : pullChangesRows)(trx, query.cursor, query.limit, { userId: session.userId });
      // The branch's feature flags come with the last page: a station caches them for offline use.
      const flags = p.more ? null : JSON.stringify(await listFlags(trx));
      if (format === 'rows') p.flags = flags;
      else if (flags) p.body = `${p.body.slice(0, -1)},"flags":${flags}}`;
      if (p.count > 0) {
        // Only a read-audit row is written, sent with the COMMIT and durable before the page
        // leaves (recordReadAudit).
        recordReadAudit(trx, actor, {
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
    // Sent as bytes: fastify would otherwise measure the string, then encode it again to write it.
    const body = format === 'rows' ? pullRowsAnswerBytes(page, page.flags ?? null) : Buffer.from(page.body, 'utf8');
    return reply.type(format === 'json' ? 'application/json; charset=utf-8' : PULL_ROWS_MEDIA_TYPE).send(body);
  };
  app.get(serverApi.syncPull.path, pull('json'));
  app.get(serverApi.syncPullRows.path, pull('rows'));

  const hub: FeedHub | null = ctx.databaseUrl ? createFeedHub(ctx.db, ctx.databaseUrl) : null;
  const guard = streamGuard(app, ctx);
  const streams = new Set<FastifyReply>();
  app.addHook('preClose', async () => {
    for (const s of streams) s.raw.end();
  });
  app.addHook('onClose', async () => {
    await hub?.close();
  });

  const signals = releaseSignalHub(app, ctx);

  /**
   * Server-sent events: `data: {"cursor":"…"}` whenever the station's branch feed moves, and
   * `event: release` with `data: {"channel","kind"}` for a release, rollback or flag change: one
   * stream per station carries both.
   */
  app.get(serverApi.syncLive.path, async (request, reply) => {
    const { station, session } = await requireStationUser(ctx, request);
    if (!hub) throw new HttpError(503, 'unavailable', 'live updates are not available on this server: stations still sync every 30 s; IT: give the server DATABASE_URL to listen on');
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
    const unsubscribeSignals = signals.subscribe((s: ReleaseSignal) => {
      // A station hears its own branch's and the group's signals, never another branch's.
      if (s.branchId !== undefined && s.branchId !== station.branchId) return;
      res.write(`event: release\ndata: ${JSON.stringify(s)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    // Logout, a password change, a disabled user or a revoked station ends the stream.
    const unwatch = guard.watch({ sessionId: session.sessionId, stationId: station.id }, () => res.end());
    const done = () => {
      clearInterval(keepalive);
      unsubscribe();
      unsubscribeSignals();
      unwatch();
      streams.delete(reply);
    };
    request.raw.on('close', done);
    res.on('close', done);
  });
}
