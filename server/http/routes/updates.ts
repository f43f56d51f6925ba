import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FeatureFlagList } from '../../../contract/flags';
import type { ReleaseSignal } from '../../../contract/releases';
import { FeedFileParams, FeedParams, serverApi, UpdateEventsQuery } from '../../../contract/server-api';
import type { Ring } from '../../releases/rings';
import { withBranch } from '../../db/with-branch';
import { listFlags } from '../../flags/flags';
import { recordHealthReport } from '../../releases/health-gate';
import { FEED_FILES, offerFor, updateInfoYaml } from '../../releases/feed';
import { currentRollout, loadRings } from '../../releases/store';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';
import { healthVerdicts } from './health-verdicts';
import { onReleaseStateChanged, releaseSignalHub } from './release-signals';
import { streamGuard } from '../stream-guard';
import { requireStation } from './station-auth';

const HEARTBEAT_MS = 25_000;
const CACHE_MS = 5_000;

interface ChannelState {
  rollout: Awaited<ReturnType<typeof currentRollout>>;
  rings: Ring[];
}

/*
 * What stations read: the electron-updater feed (answered per station by its ring), their health
 * reports, the live release signal stream, and their branch's feature flags.
 */
export function registerUpdateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const hub = releaseSignalHub(app, ctx);
  const guard = streamGuard(app, ctx);

  // The rollout a branch follows on a channel and the rings, shared by that branch's stations'
  // feed reads. Cached only where this instance LISTENs: every change NOTIFYs, and a signal
  // empties the cache before stations hear it.
  const cache = new Map<string, { at: number; state: Promise<ChannelState> }>();
  hub.subscribe(() => cache.clear());
  onReleaseStateChanged(app, () => cache.clear());
  const channelState = (channel: string, branchId: number): Promise<ChannelState> => {
    const key = `${channel}/${branchId}`;
    const hit = cache.get(key);
    if (ctx.databaseUrl && hit && Date.now() - hit.at < CACHE_MS) return hit.state;
    const sys = ctx.db;
    const state = Promise.all([currentRollout(sys, channel, branchId), loadRings(sys, channel)]).then(([rollout, rings]) => ({ rollout, rings }));
    if (ctx.databaseUrl) {
      cache.set(key, { at: Date.now(), state });
      state.catch(() => cache.delete(key));
    }
    return state;
  };

  const verdict = healthVerdicts(app, ctx);

  app.get(serverApi.updateFeed.path, async (request, reply) => {
    const { channel, file } = parseInput(FeedParams, request.params);
    const station = await requireStation(ctx, request);
    const { rollout, rings } = await channelState(channel, station.branchId);
    const release = offerFor(rollout, rings, station);
    const body = release ? updateInfoYaml(release, FEED_FILES[file]!) : null;
    if (!body) throw new HttpError(404, 'not_found', 'no release for this station on this channel');
    return reply.header('cache-control', 'no-store').type('text/yaml; charset=utf-8').send(body);
  });

  // Release files, when this server hosts them (UPDATE_FILES_DIR) rather than an artifact store.
  app.get(serverApi.updateFile.path, async (request, reply) => {
    const { name } = parseInput(FeedFileParams, request.params);
    await requireStation(ctx, request);
    const dir = ctx.updateFilesDir;
    const file = dir ? path.join(dir, name) : null;
    const size = file ? await stat(file).then((s) => (s.isFile() ? s.size : null), () => null) : null;
    if (!file || size === null) throw new HttpError(404, 'not_found', 'no such release file');
    return reply.header('content-length', size).type('application/octet-stream').send(createReadStream(file));
  });

  app.post(serverApi.reportHealth.path, async (request) => {
    const station = await requireStation(ctx, request);
    const body = parseInput(serverApi.reportHealth.body, request.body);
    await recordHealthReport(ctx.db, station, body);
    const state = await verdict(body.channel, station.branchId);
    return { recorded: true, rolloutState: state };
  });

  app.get(serverApi.stationFlags.path, async (request): Promise<FeatureFlagList> => {
    const station = await requireStation(ctx, request);
    const actor = { kind: 'station', id: station.id } as const;
    const [branch, flags] = await Promise.all([
      ctx.db.selectFrom('branches').select('code').where('id', '=', station.branchId).executeTakeFirstOrThrow(),
      withBranch(ctx.db, station.branchId, actor, (trx) => listFlags(trx)),
    ]);
    return { branch: branch.code, flags };
  });

  // Server-sent events: online stations hear of a release or rollback at once and check the feed.
  const streams = new Set<ServerResponse>();
  app.get(serverApi.updateEvents.path, async (request, reply) => {
    const { channel } = parseInput(UpdateEventsQuery, request.query);
    const station = await requireStation(ctx, request);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n: connected\n\n');
    const send = (s: ReleaseSignal) => {
      // A station hears its own branch's and the group's signals, never another branch's.
      if (s.branchId !== undefined && s.branchId !== station.branchId) return;
      if (!channel || s.channel === channel || s.kind === 'flags') res.write(`event: ${s.kind}\ndata: ${JSON.stringify(s)}\n\n`);
    };
    const unsubscribe = hub.subscribe(send);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    // A revoked station's stream ends within seconds.
    const unwatch = guard.watch({ stationId: station.id }, () => res.end());
    streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      unwatch();
      streams.delete(res);
    });
  });
  // Close streams before the server waits for open requests; stations reconnect to another instance.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
}
