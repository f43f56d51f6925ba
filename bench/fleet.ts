import { createHash, randomBytes } from 'node:crypto';
import { Agent, get, request, type IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { addWard } from '../server/admin/branches';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import { hashSecret } from '../server/auth/tokens';
import { createPool } from '../server/db/pool';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { stationBucket } from '../server/releases/rings';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { createTestDatabase } from '../server/testing/test-db';
import { realStationFleet } from './fleet-stations';
import { printFigures, writeResults, type Figure } from './lib';
import { createSystemDb } from '../server/db/system-db';

/*
 * A fleet of simulated stations (plain HTTP clients in this process) against two server
 * instances sharing one database. Each online station holds a server-sent-events stream to one
 * instance and, on a signal, reads the update feed like electron-updater and "installs" what it
 * is offered. IT acts through the JSON API of instance A only, so signals reach instance B's
 * stations through PostgreSQL LISTEN/NOTIFY. A good release goes through three rings; a faulty
 * one halts itself on its error reports; a rollback reaches every online station.
 * Raw baseline, same run: one round of every online station reading the feed at once.
 */

const NORTH = 300;
const SOUTH = 220;
const PILOT_WARD_STATIONS = 30;
const OFFLINE_EVERY = 20; // 1 in 20 stations is offline (switched off) for the whole run
const CHANNEL = 'stable';

interface Station {
  id: string;
  credential: string;
  branch: 'north' | 'south';
  online: boolean;
  version: string;
  instance: number;
  offeredAt: Map<string, number>;
  pilot: boolean;
}

const sha512 = (s: string) => createHash('sha512').update(s).digest('base64');
const releaseBody = (version: string) => ({
  channel: CHANNEL,
  version,
  notes: `bench ${version}`,
  files: [{ platform: 'linux', url: `files/WardStation-${version}.deb`, sha512: sha512(version), size: 1 }],
});

/** The simulated fleet (plain HTTP clients): the raw baseline beside the real stations' figures. */
async function simulatedFleet(): Promise<{ figures: Record<string, Figure>; notes: string[] }> {
  const t = await createTestDatabase();
  const f = await twoBranches(t.owner, 1);
  await addWard(t.owner, 'north', { code: 'n-pilot', name: 'Pilot ward' });
  const pilotWard = (await t.owner.selectFrom('wards').select('id').where('code', '=', 'n-pilot').executeTakeFirstOrThrow()).id;

  // Stations enrolled in bulk (the admin CLI enrols one at a time, audited; not the point here).
  const stations: Station[] = [];
  const rows: { id: string; branch_id: number; ward_id: number; name: string; credential_hash: string }[] = [];
  for (let i = 0; i < NORTH + SOUTH; i++) {
    const north = i < NORTH;
    const credential = `wsk_${randomBytes(32).toString('base64url')}`;
    const id = [randomBytes(4), randomBytes(2), randomBytes(2), randomBytes(2), randomBytes(6)].map((b) => b.toString('hex')).join('-');
    rows.push({ id, branch_id: north ? f.north.id : f.south.id, ward_id: north ? (i < PILOT_WARD_STATIONS ? pilotWard : f.north.wardId) : f.south.wardId, name: `s${i}`, credential_hash: hashSecret(credential) });
    stations.push({ id, credential, branch: north ? 'north' : 'south', online: i % OFFLINE_EVERY !== 7, version: '1.0.0', instance: i % 2, offeredAt: new Map(), pilot: north && i < PILOT_WARD_STATIONS });
  }
  for (let i = 0; i < rows.length; i += 200) await t.owner.insertInto('stations').values(rows.slice(i, i + 200)).execute();

  const instances: { app: FastifyInstance; url: string; close: () => Promise<void> }[] = [];
  for (let i = 0; i < 2; i++) {
    const db = createSystemDb(createPool({ connectionString: t.appUrl, max: 8 }));
    const { app } = await buildServer({ db, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 10_000 }, log: silentLogger, databaseUrl: t.appUrl });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    instances.push({ app, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: async () => { await app.close(); await db.destroy(); } });
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const http = (method: string, url: string, headers: Record<string, string>, body?: object) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const payload = body ? JSON.stringify(body) : undefined;
      const req = request(url, { method, agent, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  const login = await http('POST', `${instances[0]!.url}/api/auth/login`, {}, { username: 'it.admin', password: TEST_PASSWORD, branch: 'north' });
  const token = (JSON.parse(login.text) as { token: string }).token;
  const it = async (method: string, path: string, body?: object) => {
    const r = await http(method, `${instances[0]!.url}${path}`, { authorization: `Bearer ${token}` }, body);
    if (r.status >= 400 && !path.endsWith('/move')) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return { status: r.status, json: r.text ? (JSON.parse(r.text) as any) : null };
  };

  // The station's side: read the feed like electron-updater (latest-linux.yml) and install.
  const checkFeed = async (s: Station) => {
    const r = await http('GET', `${instances[s.instance]!.url}/updates/${CHANNEL}/latest-linux.yml`, { authorization: `Bearer ${s.credential}` });
    const offered = /^version: "([^"]+)"/m.exec(r.text)?.[1];
    if (!offered) return;
    if (!s.offeredAt.has(offered)) s.offeredAt.set(offered, performance.now());
    s.version = offered; // downloads and installs are the update policy's business (main/core/update)
  };
  const report = (s: Station) =>
    http('POST', `${instances[s.instance]!.url}/updates/health`, { authorization: `Bearer ${s.credential}` }, {
      channel: CHANNEL,
      version: s.version,
      uptimeSeconds: 600,
      syncFailures: 0,
      crashes: s.version === '1.2.0' ? 1 : 0,
      errors: s.version === '1.2.0' ? 8 : s.id.startsWith('0') ? 1 : 0,
    });

  const online = stations.filter((s) => s.online);
  const streams: IncomingMessage[] = [];
  await Promise.all(
    online.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const req = get(`${instances[s.instance]!.url}/updates/events?channel=${CHANNEL}`, { agent: false, headers: { authorization: `Bearer ${s.credential}` } }, (res) => {
            streams.push(res);
            res.setEncoding('utf8');
            let buf = '';
            res.on('data', (chunk: string) => {
              buf += chunk;
              if (buf.includes(': connected')) resolve();
              let i: number;
              while ((i = buf.indexOf('\n\n')) >= 0) {
                const event = buf.slice(0, i);
                buf = buf.slice(i + 2);
                if (/^event: (release|rollback)$/m.test(event)) void checkFeed(s).catch(() => {});
              }
            });
          });
          req.on('error', reject);
        }),
    ),
  );

  const timeline: { atMs: number; what: string }[] = [];
  const t0 = performance.now();
  const mark = (what: string) => {
    timeline.push({ atMs: Math.round(performance.now() - t0), what });
    console.log(`  +${String(Math.round(performance.now() - t0)).padStart(6)} ms  ${what}`);
  };
  const until = async (cond: () => boolean, ms = 30_000) => {
    const end = performance.now() + ms;
    while (!cond()) {
      if (performance.now() > end) throw new Error('timed out waiting for the fleet');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const healthTick = async () => {
    const list = [...online];
    for (let i = 0; i < list.length; i += 64) await Promise.all(list.slice(i, i + 64).map(report));
  };

  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await it('POST', '/api/releases', releaseBody(v));
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'pilot', position: 1, kind: 'wards', branch: 'north', wardCodes: ['n-pilot'] });
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'north-25', position: 2, kind: 'percent', branch: 'north', percent: 25 });
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'everyone', position: 3, kind: 'everyone' });
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, version: '1.0.0', ring: 'everyone' });
  await until(() => online.every((s) => s.version === '1.0.0' && s.offeredAt.has('1.0.0')));
  mark(`baseline 1.0.0 on all ${online.length} online stations`);
  await healthTick();

  const ringTimes: Record<string, number> = {};
  const inRing = (s: Station, ring: string) =>
    ring === 'everyone' || s.pilot || (ring === 'north-25' && s.branch === 'north' && stationBucket(s.id) < 25);
  const status = async () => (await it('GET', `/api/releases/rollout?channel=${CHANNEL}`)).json;
  for (const ring of ['pilot', 'north-25', 'everyone']) {
    const start = performance.now();
    const moved = await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, version: '1.1.0', ring });
    if (moved.status !== 200) throw new Error(`move to ${ring}: ${moved.status} ${JSON.stringify(moved.json)}`);
    if (ring === 'pilot') await it('PUT', '/api/releases/rollout/threshold', { channel: CHANNEL, version: '1.1.0', maxErrorRatio: 2, minErrorRate: 2, minStations: 5 });
    // The online stations this ring and those before it hold, by the server's own ring rule.
    const expected = online.filter((s) => inRing(s, ring));
    await until(() => expected.every((s) => s.version === '1.1.0'));
    ringTimes[ring] = performance.now() - start;
    mark(`1.1.0 at ring ${ring}: ${online.filter((s) => s.version === '1.1.0').length} online stations offered it`);
    await healthTick();
  }
  const good = await status();
  if (good.state !== 'active') throw new Error(`the good release was ${good.state}: ${good.haltReason}`);
  mark(`1.1.0 healthy after 3 rings (error rate ${good.health.candidate.errorRate.toFixed(2)}/station-hour)`);

  // The faulty release: pilot ring, then its error reports halt it.
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, version: '1.2.0', ring: 'pilot' });
  await it('PUT', '/api/releases/rollout/threshold', { channel: CHANNEL, version: '1.2.0', maxErrorRatio: 2, minErrorRate: 2, minStations: 5 });
  await until(() => online.filter((s) => s.version === '1.2.0').length >= PILOT_WARD_STATIONS - 2);
  mark(`1.2.0 at ring pilot: ${online.filter((s) => s.version === '1.2.0').length} online stations`);
  let ticks = 0;
  let halted = null as any;
  while (ticks < 5) {
    ticks++;
    await healthTick();
    const s = await status();
    if (s.state === 'halted') {
      halted = s;
      break;
    }
  }
  if (!halted) throw new Error('the faulty release was not halted');
  mark(`1.2.0 halted by its health after ${ticks} report round(s): ${halted.haltReason}`);
  const refused = await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, version: '1.2.0', ring: 'north-25' });
  mark(`moving the halted rollout on: ${refused.status} ${refused.json?.error?.code ?? ''}`);

  // Raw baseline: every online station reads the feed at once, no command and no signal involved.
  const rawStart = performance.now();
  await Promise.all(online.map(checkFeed));
  const rawRoundMs = performance.now() - rawStart;

  // Rollback: time from the command until the last online station was offered 1.1.0 again.
  const onFaulty = online.filter((s) => s.version === '1.2.0');
  for (const s of online) s.offeredAt.delete('1.1.0');
  const rollbackStart = performance.now();
  await it('POST', '/api/releases/rollout/rollback', { channel: CHANNEL, version: '1.2.0' });
  await until(() => online.every((s) => s.offeredAt.has('1.1.0')), 60_000);
  const lastOffered = Math.max(...online.map((s) => s.offeredAt.get('1.1.0')!)) - rollbackStart;
  mark(`rollback: all ${online.length} online stations offered 1.1.0 (${onFaulty.length} of them downgrade from 1.2.0)`);
  const serverTimeline = (await status()).timeline as { at: string; kind: string; detail: Record<string, unknown> }[];

  for (const r of streams) r.destroy();
  agent.destroy();
  for (const i of instances) await i.close();
  await t.close();

  const figures: Record<string, Figure> = {
    stations: { value: stations.length, unit: 'stations (two branches)' },
    online: { value: online.length, unit: 'online stations (SSE streams over 2 instances)' },
    rollbackToLastStationOffered: { value: Math.round(lastOffered), unit: 'ms', goal: '<= 60000 ms; aim <= 5000 ms' },
    rawFeedRoundAllStations: { value: Math.round(rawRoundMs), unit: 'ms (baseline: every online station reads the feed at once)' },
    rollbackVsRawRound: { value: lastOffered / rawRoundMs, unit: 'x the raw feed round' },
    ringPilotMs: { value: Math.round(ringTimes.pilot!), unit: 'ms until every online station of ring pilot was offered 1.1.0' },
    ringNorth25Ms: { value: Math.round(ringTimes['north-25']!), unit: 'ms until every online station of rings up to north-25 was offered 1.1.0' },
    ringEveryoneMs: { value: Math.round(ringTimes.everyone!), unit: 'ms until every online station was offered 1.1.0' },
    haltAfterReportRounds: { value: ticks, unit: 'health report rounds' },
  };
  console.log('\n  server timeline of the faulty rollout:');
  for (const e of serverTimeline) console.log(`    ${e.at}  ${e.kind}  ${JSON.stringify(e.detail).slice(0, 160)}`);
  console.log('');
  return {
    figures,
    notes: [
      `timeline (client side): ${JSON.stringify(timeline)}`,
      `faulty rollout's server timeline: ${JSON.stringify(serverTimeline.map((e) => ({ at: e.at, kind: e.kind })))}`,
      `${stations.length - online.length} stations offline for the run; they get the previous version at their next periodic check`,
    ],
  };
}

export async function run(): Promise<Record<string, Figure>> {
  console.log('  simulated stations (raw baseline):');
  const sim = await simulatedFleet();
  console.log('  real station cores:');
  const real = await realStationFleet();
  const figures: Record<string, Figure> = {
    ...real.figures,
    realRollbackVsSimulated: {
      value: real.figures.realRollbackToLastDownloaded!.value / sim.figures.rollbackToLastStationOffered!.value,
      unit: 'x the simulated fleet\'s rollback (bare HTTP clients, same run)',
    },
    ...sim.figures,
  };
  printFigures(figures);
  writeResults('fleet', figures, [...real.notes, 'simulated fleet (the raw baseline, bare HTTP clients reading the feed):', ...sim.notes]);
  return figures;
}
