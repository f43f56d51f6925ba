import { fork, type ChildProcess } from 'node:child_process';
import { createPublicKey, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { itClient, makeReleaseKeys, releaseBody, writeArtifact } from '../e2e/updates/release-kit';
import { addWard } from '../server/admin/branches';
import { DEFAULT_AUTH_POLICY } from '../server/auth/policy';
import { hashSecret } from '../server/auth/tokens';
import { createPool } from '../server/db/pool';
import { createSystemDb } from '../server/db/system-db';
import { buildServer } from '../server/http/app';
import { silentLogger } from '../server/log';
import { stationBucket } from '../server/releases/rings';
import { TEST_PASSWORD, twoBranches } from '../server/testing/fixtures';
import { createTestDatabase } from '../server/testing/test-db';
import type { Figure } from './lib';
import type { FromWorker, ToWorker, WorkerStation } from './fleet-worker';

/*
 * The fleet with real stations: station cores (main/core, SQLite, sync client, live stream,
 * update service with electron-updater's code) in a few worker processes, against two server
 * instances sharing one database; IT acts on instance A only, so instance B's stations hear
 * through PostgreSQL LISTEN/NOTIFY. A good release goes through three rings, the faulty 1.2.0
 * halts itself on its stations' real sync failures, and a rollback reaches every online station.
 * Times are from IT's command to the last station's download (the workers' clocks: one machine).
 */

// FLEET_SCALE=0.25 for a quick smoke run; the figures in bench/results are at 1.
const SCALE = Number(process.env.FLEET_SCALE ?? '1');
const NORTH = Math.round(130 * SCALE);
const SOUTH = Math.round(90 * SCALE);
const PILOT = Math.max(6, Math.round(24 * SCALE));
const WORKERS = 4;
const OFFLINE_EVERY = 20;
const CHANNEL = 'stable';

interface Tracked {
  id: string;
  branch: 'north' | 'south';
  pilot: boolean;
  online: boolean;
  running: string | null;
  downloads: Map<string, number>;
  checkedAt: number;
}

export async function realStationFleet(): Promise<{ figures: Record<string, Figure>; notes: string[] }> {
  const t = await createTestDatabase();
  const f = await twoBranches(t.owner, 1);
  // The fleet's clinicians sign in with a cheap password hash (scrypt N=2^10): two hundred
  // sign-ins at the production cost would measure scrypt, not releases. The server reads the
  // cost from the stored hash, so this changes nothing else.
  const salt = randomBytes(16);
  const key = scryptSync(TEST_PASSWORD.normalize('NFC'), salt, 32, { N: 1024, r: 8, p: 1 });
  await t.owner.updateTable('users').set({ password_hash: `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}` }).where('username', 'in', ['dr.north', 'dr.south']).execute();
  await addWard(t.owner, 'north', { code: 'n-pilot', name: 'Pilot ward' });
  const pilotWard = (await t.owner.selectFrom('wards').select('id').where('code', '=', 'n-pilot').executeTakeFirstOrThrow()).id;
  const filesDir = mkdtempSync(path.join(tmpdir(), 'ws-fleet-files-'));
  const keys = makeReleaseKeys();

  const instances: { app: FastifyInstance; url: string; close: () => Promise<void> }[] = [];
  for (let i = 0; i < 2; i++) {
    const db = createSystemDb(createPool({ connectionString: t.appUrl, max: 10 }));
    const { app } = await buildServer({ db, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 100_000 }, log: silentLogger, databaseUrl: t.appUrl, updateFilesDir: filesDir, releasePublicKey: createPublicKey(keys.publicPem) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    instances.push({ app, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, close: async () => { await app.close(); await db.destroy(); } });
  }

  // Stations enrolled in bulk (the admin CLI enrols one at a time, audited; not the point here).
  const tracked: Tracked[] = [];
  const specs: WorkerStation[] = [];
  const rows: { id: string; branch_id: number; ward_id: number; name: string; credential_hash: string }[] = [];
  for (let i = 0; i < NORTH + SOUTH; i++) {
    const north = i < NORTH;
    const credential = `wsk_${randomBytes(32).toString('base64url')}`;
    const id = [randomBytes(4), randomBytes(2), randomBytes(2), randomBytes(2), randomBytes(6)].map((b) => b.toString('hex')).join('-');
    const pilot = north && i < PILOT;
    rows.push({ id, branch_id: north ? f.north.id : f.south.id, ward_id: north ? (pilot ? pilotWard : f.north.wardId) : f.south.wardId, name: `s${i}`, credential_hash: hashSecret(credential) });
    const online = i % OFFLINE_EVERY !== 7;
    tracked.push({ id, branch: north ? 'north' : 'south', pilot, online, running: null, downloads: new Map(), checkedAt: 0 });
    if (online) specs.push({ id, credential, serverUrl: instances[i % 2]!.url, user: north ? 'dr.north' : 'dr.south', branch: north ? 'north' : 'south' });
  }
  for (let i = 0; i < rows.length; i += 200) await t.owner.insertInto('stations').values(rows.slice(i, i + 200)).execute();
  const byId = new Map(tracked.map((s) => [s.id, s]));
  const online = tracked.filter((s) => s.online);

  // The rollout spans both branches: it.admin holds the group release manager role explicitly.
  const itAdmin = await t.owner.selectFrom('users').select('id').where('username', '=', 'it.admin').executeTakeFirstOrThrow();
  await t.owner.insertInto('group_roles').values({ user_id: itAdmin.id, role: 'release_manager' }).execute();
  const it = await itClient(instances[0]!.url, 'it.admin', TEST_PASSWORD, 'north');
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await it('POST', '/api/releases', releaseBody(CHANNEL, v, writeArtifact(filesDir, v, 64 * 1024), keys.privateKey));
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'pilot', position: 1, kind: 'wards', branch: 'north', wardCodes: ['n-pilot'] });
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'north-25', position: 2, kind: 'percent', branch: 'north', percent: 25 });
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'everyone', position: 3, kind: 'everyone' });
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.0.0', ring: 'everyone' });

  // The workers: real station cores, a quarter of the fleet each.
  const dataRoot = mkdtempSync(path.join(tmpdir(), 'ws-fleet-stations-'));
  const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fleet-worker.ts');
  const workers: ChildProcess[] = [];
  let ready = 0;
  let failedToStart = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, (_, w) => {
      const child = fork(workerFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
      child.on('message', (m: FromWorker) => {
        const s = 'id' in m ? byId.get(m.id) : undefined;
        if (m.type === 'downloaded' && s && !s.downloads.has(m.version)) s.downloads.set(m.version, m.at);
        if (m.type === 'checked' && s) s.checkedAt = Math.max(s.checkedAt, m.at);
        if (m.type === 'running' && s) s.running = m.version;
      });
      return new Promise<void>((resolve) => {
        child.on('message', (m: FromWorker) => {
          if (m.type !== 'ready') return;
          ready += m.count;
          failedToStart += m.failed;
          resolve();
        });
        const msg: ToWorker = { type: 'start', stations: specs.filter((_, i) => i % WORKERS === w), dataRoot: path.join(dataRoot, `w${w}`), publicKeyPem: keys.publicPem, version: '1.0.0' };
        child.send(msg);
      });
    }),
  );
  const startupMs = performance.now() - started;
  console.log(`  ${ready} station cores running in ${WORKERS} worker processes (${failedToStart} failed to start) after ${Math.round(startupMs)} ms`);

  const until = async (what: string, cond: () => boolean, ms = 180_000) => {
    const end = performance.now() + ms;
    while (!cond()) {
      if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const status = () => it('GET', `/api/releases/rollout?channel=${CHANNEL}`) as Promise<{ state: string; haltReason: string | null }>;
  const inRing = (s: Tracked, ring: string) => ring === 'everyone' || s.pilot || (ring === 'north-25' && s.branch === 'north' && stationBucket(s.id) < 25);
  const notes: string[] = [];

  const ringMs: Record<string, number> = {};
  for (const ring of ['pilot', 'north-25', 'everyone']) {
    const t0 = Date.now();
    await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.1.0', ring });
    if (ring === 'pilot') await it('PUT', '/api/releases/rollout/threshold', { channel: CHANNEL, scope: 'group', version: '1.1.0', maxErrorRatio: 2, minErrorRate: 60, minStations: 5 });
    const expected = online.filter((s) => inRing(s, ring));
    await until(`ring ${ring} downloaded 1.1.0`, () => expected.every((s) => s.downloads.has('1.1.0')));
    ringMs[ring] = Math.max(...expected.map((s) => s.downloads.get('1.1.0')!)) - t0;
    console.log(`  1.1.0 at ring ${ring}: ${expected.length} stations downloaded it, the last ${ringMs[ring]} ms after the command`);
  }
  await until('every online station running 1.1.0', () => online.every((s) => s.running === '1.1.0'));
  const good = await status();
  if (good.state !== 'active') throw new Error(`the good release was ${good.state}: ${good.haltReason}`);

  // The faulty build: pilot ring; its stations install it, fail to sync, report, and halt it.
  const faultyAt = Date.now();
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.2.0', ring: 'pilot' });
  await it('PUT', '/api/releases/rollout/threshold', { channel: CHANNEL, scope: 'group', version: '1.2.0', maxErrorRatio: 2, minErrorRate: 60, minStations: 5 });
  const poll = async () => {
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      const s = await status();
      if (s.state === 'halted') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the faulty release was not halted');
  };
  const halted = await poll();
  const haltMs = Date.now() - faultyAt;
  const pilots = online.filter((s) => s.pilot);
  const firstInstall = Math.min(...pilots.map((s) => s.downloads.get('1.2.0') ?? Infinity));
  console.log(`  1.2.0 halted ${haltMs} ms after its move to the pilot ring: ${halted.haltReason}`);
  notes.push(`faulty 1.2.0: ${halted.haltReason}`);

  // Rollback: every online station hears it; those on 1.2.0 download 1.1.0 again.
  await until('the pilot stations running 1.2.0', () => pilots.every((s) => s.running === '1.2.0'), 30_000).catch(() => {});
  const onFaulty = pilots.filter((s) => s.running === '1.2.0');
  for (const s of onFaulty) s.downloads.delete('1.1.0');
  const rb = Date.now();
  await it('POST', '/api/releases/rollout/rollback', { channel: CHANNEL, scope: 'group', version: '1.2.0' });
  await until('the rollback reached every online station', () => onFaulty.every((s) => s.downloads.has('1.1.0')) && online.every((s) => s.checkedAt >= rb), 120_000);
  const rollbackDownloadedMs = Math.max(...onFaulty.map((s) => s.downloads.get('1.1.0')!)) - rb;
  const rollbackCheckedMs = Math.max(...online.map((s) => s.checkedAt)) - rb;
  console.log(`  rollback: ${onFaulty.length} stations on 1.2.0 downloaded 1.1.0, the last after ${rollbackDownloadedMs} ms; all ${online.length} online stations checked within ${rollbackCheckedMs} ms`);

  for (const w of workers) w.send({ type: 'stop' } satisfies ToWorker);
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
  for (const i of instances) await i.close();
  await t.close();
  rmSync(filesDir, { recursive: true, force: true });
  rmSync(dataRoot, { recursive: true, force: true });

  const figures: Record<string, Figure> = {
    realStations: { value: ready, unit: `real station cores in ${WORKERS} worker processes (two branches, three wards, 2 server instances)` },
    realRollbackToLastDownloaded: { value: rollbackDownloadedMs, unit: `ms: rollback command -> last of the ${onFaulty.length} stations on 1.2.0 downloaded 1.1.0`, goal: '<= 60000 ms; aim <= 5000 ms' },
    realRollbackAllOnlineChecked: { value: rollbackCheckedMs, unit: `ms: rollback command -> last of ${online.length} online stations checked the feed` },
    realRingPilotMs: { value: ringMs.pilot!, unit: 'ms: move to pilot -> last pilot station downloaded 1.1.0' },
    realRingNorth25Ms: { value: ringMs['north-25']!, unit: 'ms: move to north-25 -> last station of the rings so far downloaded 1.1.0' },
    realRingEveryoneMs: { value: ringMs.everyone!, unit: 'ms: move to everyone -> last online station downloaded 1.1.0' },
    realHaltMs: { value: haltMs, unit: 'ms: faulty 1.2.0 moved to pilot -> halted by its stations\' sync-failure reports' },
    realHaltAfterFirstDownloadMs: { value: Number.isFinite(firstInstall) ? faultyAt + haltMs - firstInstall : -1, unit: 'ms: first pilot station downloaded 1.2.0 -> halted' },
  };
  notes.push(`real fleet: ${ready} cores started in ${Math.round(startupMs)} ms; ${tracked.length - online.length} stations offline for the run`);
  return { figures, notes };
}
