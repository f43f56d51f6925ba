import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { STATION_SECRET_HEADER, type UpdateStatus } from '../../contract/station-api';
import { createStation, type StationCore } from '../../main/core/station';
import { startStationHost, type StationHost } from '../../main/host/http-host';
import { createNodeUpdater } from '../../main/host/node-updater';
import { addWard } from '../../server/admin/branches';
import { enrolStation } from '../../server/admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../../server/auth/policy';
import { buildServer } from '../../server/http/app';
import { silentLogger } from '../../server/log';
import { TEST_PASSWORD, twoBranches } from '../../server/testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../../server/testing/test-db';
import { startProxy, type Proxy } from '../sync/proxy';
import { itClient, makeReleaseKeys, releaseBody, signFile, writeArtifact, type BuiltArtifact, type ReleaseKeys } from './release-kit';

/*
 * Staged releases with real stations (DESIGN §7): a real server over PostgreSQL, six station
 * cores under main/host in three wards of two branches, each with its own SQLite data folder,
 * credential and a TCP proxy in front of the server (to take it offline or inject sync faults).
 * The stations hear releases on their sync live stream, verify Ed25519 signatures, download
 * with electron-updater's own code, and report health on their sync traffic. main/host has no
 * installer: the test plays it by restarting a station's core at the new version.
 */

const CHANNEL = 'stable';
const WARDS = [
  { branch: 'north', ward: 'n-pilot', user: 'dr.north' },
  { branch: 'north', ward: 'n-med', user: 'dr.north' },
  { branch: 'south', ward: 's-med', user: 'dr.south' },
] as const;

interface Running {
  name: string;
  branch: string;
  ward: string;
  user: string;
  dir: string;
  credential: string;
  stationId: string;
  proxy: Proxy;
  station: StationCore;
  host: StationHost;
}

let t: TestDatabase;
let app: FastifyInstance;
let serverUrl: string;
let filesDir: string;
let keys: ReleaseKeys;
let it: Awaited<ReturnType<typeof itClient>>;
const stations: Running[] = [];
const artifacts = new Map<string, BuiltArtifact>();
// A station checks its channel often: whatever it leaves behind per check adds up.
const leaks: string[] = [];
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') leaks.push(w.message);
});

async function launch(s: Omit<Running, 'station' | 'host'>, version: string): Promise<Running> {
  const station = createStation({
    dataDir: s.dir,
    serverUrl: s.proxy.url,
    credential: s.credential,
    appVersion: version,
    updater: createNodeUpdater,
    releasePublicKey: keys.publicPem,
    sync: { backoffBaseMs: 100, backoffMaxMs: 600, pullIntervalMs: 1500 },
    updatePolicy: { idleBeforeInstallMs: 4000 },
    healthReportEveryMs: 1000,
    healthIncidentGapMs: 200,
  });
  const host = await startStationHost(station.handlers);
  await station.handlers.signIn({ username: s.user, password: TEST_PASSWORD, branch: s.branch });
  return { ...s, station, host };
}

/** The station API over main/host's loopback HTTP, as the renderer calls it. */
async function updateStatus(s: Running): Promise<UpdateStatus> {
  const r = await fetch(`${s.host.url}/api/updateStatus`, { method: 'POST', headers: { [STATION_SECRET_HEADER]: s.host.secret, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 200);
  return (await r.json()) as UpdateStatus;
}

/** What an installer does: the station's core restarts at the new version, on the same data folder. */
async function install(s: Running, version: string): Promise<Running> {
  await s.host.close();
  await s.station.close();
  const next = await launch(s, version);
  stations[stations.indexOf(s)] = next;
  return next;
}

async function until<T>(what: string, probe: () => Promise<T | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function downloaded(s: Running, version: string): Promise<UpdateStatus> {
  let last: UpdateStatus | null = null;
  try {
    return await until(`${s.name} downloaded ${version}`, async () => {
      last = await updateStatus(s);
      return last.downloadedVersion === version ? last : null;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}; its update status: ${JSON.stringify(last)}`);
  }
}

async function publish(version: string) {
  const a = artifacts.get(version) ?? writeArtifact(filesDir, version);
  artifacts.set(version, a);
  await it('POST', '/api/releases', releaseBody(CHANNEL, version, a, keys.privateKey));
}

before(async () => {
  t = await createTestDatabase();
  await twoBranches(t.owner, 3);
  await addWard(t.owner, 'north', { code: 'n-pilot', name: 'Pilot ward', beds: 10 });
  filesDir = mkdtempSync(path.join(tmpdir(), 'ws-release-files-'));
  keys = makeReleaseKeys();
  ({ app } = await buildServer({
    db: t.app,
    policy: DEFAULT_AUTH_POLICY,
    log: silentLogger,
    databaseUrl: t.appUrl,
    updateFilesDir: filesDir,
    releasePublicKey: createPublicKey(keys.publicPem),
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  serverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // The rollout spans both branches: it.admin holds the group release manager role explicitly.
  const itAdmin = await t.owner.selectFrom('users').select('id').where('username', '=', 'it.admin').executeTakeFirstOrThrow();
  await t.owner.insertInto('group_roles').values({ user_id: itAdmin.id, role: 'release_manager' }).execute();
  it = await itClient(serverUrl, 'it.admin', TEST_PASSWORD, 'north');
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'pilot', position: 1, kind: 'wards', branch: 'north', wardCodes: ['n-pilot'] });
  await it('POST', '/api/releases/rings', { channel: CHANNEL, name: 'everyone', position: 2, kind: 'everyone' });
  for (const w of WARDS) {
    for (const n of [1, 2]) {
      const name = `${w.ward}-${n}`;
      const { credential, id: stationId } = await enrolStation(t.owner, w.branch, w.ward, name);
      const proxy = await startProxy(serverUrl);
      const dir = mkdtempSync(path.join(tmpdir(), `ws-station-${name}-`));
      stations.push(await launch({ name, branch: w.branch, ward: w.ward, user: w.user, dir, credential, stationId, proxy }, '1.1.0'));
    }
  }
});

after(async () => {
  for (const s of stations) {
    await s.host.close();
    await s.station.close();
    await s.proxy.close();
    rmSync(s.dir, { recursive: true, force: true });
  }
  await app?.close();
  await t?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

const byWard = (ward: string) => stations.filter((s) => s.ward === ward);
const rollout = () => it('GET', `/api/releases/rollout?channel=${CHANNEL}`) as Promise<{ state: string; haltReason: string | null; version: string }>;

test('presence rides on sync: every live station shows its version and last contact', async () => {
  const rows = await until('all six stations seen at 1.1.0', async () => {
    const r = await t.owner.selectFrom('stations').select(['name', 'app_version', 'last_seen_at']).execute();
    return r.length === 6 && r.every((x) => x.app_version === '1.1.0' && x.last_seen_at && Date.now() - x.last_seen_at.getTime() < 30_000) ? r : null;
  });
  assert.equal(rows.length, 6);
});

test('a pilot ring reaches only the pilot ward: each pilot station verifies and downloads the artifact, the others are offered nothing', async () => {
  await publish('1.1.0');
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.1.0', ring: 'everyone' });
  await publish('1.2.0');
  const movedAt = Date.now();
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.2.0', ring: 'pilot' });
  await it('PUT', '/api/releases/rollout/threshold', { channel: CHANNEL, scope: 'group', version: '1.2.0', maxErrorRatio: 2, minErrorRate: 1, minStations: 2 });
  for (const s of byWard('n-pilot')) {
    const st = await downloaded(s, '1.2.0');
    assert.equal(st.currentVersion, '1.1.0');
    assert.equal(st.state, 'ready');
    // Kept in the station's data folder, byte for byte the signed artifact.
    const file = path.join(s.dir, 'updates', 'downloads', 'pending', artifacts.get('1.2.0')!.fileName);
    assert.equal(createHash('sha512').update(readFileSync(file)).digest('base64'), artifacts.get('1.2.0')!.sha512);
  }
  for (const s of stations.filter((x) => x.ward !== 'n-pilot')) {
    const st = await until(`${s.name} checked after the move`, async () => {
      const u = await updateStatus(s);
      return u.lastCheckedAt && Date.parse(u.lastCheckedAt) >= movedAt - 1000 ? u : null;
    });
    assert.equal(st.offeredVersion, null, `${s.name} is offered nothing`);
    assert.equal(st.downloadedVersion, null);
    assert.equal(st.error, null);
  }
});

test("the pilot stations' own sync failures halt the rollout", async () => {
  // Locked, the pilot stations may install: the installer puts 1.2.0 in place.
  for (const s of byWard('n-pilot')) {
    await s.station.handlers.lock({});
    assert.equal((await updateStatus(s)).waitingFor, 'installer');
  }
  for (const s of byWard('n-pilot')) await install(s, '1.2.0');
  // 1.2.0 turns out faulty on the pilot ward: its sync traffic fails for a while.
  for (const s of byWard('n-pilot')) s.proxy.mode = 'down';
  await new Promise((r) => setTimeout(r, 2500));
  for (const s of byWard('n-pilot')) s.proxy.mode = 'pass';
  const halted = await until('the rollout halted', async () => {
    const r = await rollout();
    return r.state === 'halted' ? r : null;
  });
  assert.match(halted.haltReason ?? '', /on 1\.2\.0 \(2 stations\)/);
  const reports = await t.owner
    .selectFrom('station_health_reports')
    .select((eb) => ['station_id', eb.fn.sum<string>('sync_failures').as('failures')])
    .where('version', '=', '1.2.0')
    .groupBy('station_id')
    .execute();
  assert.deepEqual(new Set(reports.filter((r) => Number(r.failures) > 0).map((r) => r.station_id)), new Set(byWard('n-pilot').map((s) => s.stationId)));
});

test('IT resumes and moves to everyone; a station with a draft being written does not install until it is locked', async () => {
  await it('POST', '/api/releases/rollout/resume', { channel: CHANNEL, scope: 'group', version: '1.2.0' });
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.2.0', ring: 'everyone' });
  const others = stations.filter((s) => s.ward !== 'n-pilot');
  for (const s of others) await downloaded(s, '1.2.0');
  const writer = others[0]!;
  const patient = (await writer.station.handlers.listPatients({})).patients[0]!;
  await writer.station.handlers.saveDraft({ patientId: patient.id, text: 'Pt stable overnight.\nPlan: continue current management, review bloods.' });
  assert.equal((await updateStatus(writer)).waitingFor, 'lock', 'a draft being written holds the install');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await updateStatus(writer)).waitingFor, 'lock');
  await writer.station.handlers.lock({});
  assert.equal((await updateStatus(writer)).waitingFor, 'installer', 'locked: the install may go ahead');
  // The others, idle with nothing open, may install without being locked.
  for (const s of others.slice(1)) await until(`${s.name} idle enough to install`, async () => (await updateStatus(s)).waitingFor === 'installer');
  for (const s of others) await install(s, '1.2.0');
  for (const s of stations) assert.equal((await updateStatus(s)).currentVersion, '1.2.0');
});

test('a rollback reaches every online station; one offline during it catches up when it reconnects', async () => {
  const offline = byWard('s-med')[1]!;
  offline.proxy.mode = 'down';
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  await it('POST', '/api/releases/rollout/rollback', { channel: CHANNEL, scope: 'group', version: '1.2.0' });
  for (const s of stations.filter((x) => x !== offline)) {
    const st = await downloaded(s, '1.1.0');
    assert.equal(st.currentVersion, '1.2.0');
    assert.equal(st.offeredVersion, '1.1.0');
  }
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 60_000, `rollback reached the online stations in ${tookMs} ms`);
  assert.notEqual((await updateStatus(offline)).downloadedVersion, '1.1.0', 'the offline station heard nothing');
  offline.proxy.mode = 'pass';
  await downloaded(offline, '1.1.0');
});

test('an artifact whose signature does not verify is refused and reported as a health error', async () => {
  // The server refuses to publish a forged signature, so the forgery is what a compromised server
  // or database would offer: a published release whose stored signature is replaced.
  const forger = makeReleaseKeys();
  await publish('1.3.0');
  const a = artifacts.get('1.3.0')!;
  const forged = signFile(forger.privateKey, '1.3.0', a.fileName, a.sha512);
  const row = await t.owner.selectFrom('releases').select(['id', 'files']).where('version', '=', '1.3.0').executeTakeFirstOrThrow();
  const files = (row.files as { signature?: string }[]).map((f) => ({ ...f, signature: forged }));
  await sql`UPDATE releases SET files = ${JSON.stringify(files)}::jsonb WHERE id = ${row.id}`.execute(t.owner);
  const since = new Date();
  await it('POST', '/api/releases/rollout/move', { channel: CHANNEL, scope: 'group', version: '1.3.0', ring: 'pilot' });
  for (const s of byWard('n-pilot')) {
    const st = await until(`${s.name} refused 1.3.0`, async () => {
      const u = await updateStatus(s);
      return u.error ? u : null;
    });
    assert.match(st.error!, /1\.3\.0: .*signature that does not verify/);
    assert.equal(st.offeredVersion, '1.3.0');
    assert.equal(st.downloadedVersion, '1.1.0', 'what was verified before stays');
    assert.equal(existsSync(path.join(s.dir, 'updates', 'downloads', 'pending', artifacts.get('1.3.0')!.fileName)), false, 'never downloaded');
    await until(`${s.name}'s health error on the server`, async () => {
      const r = await t.owner.selectFrom('station_health_reports').select('errors').where('station_id', '=', s.stationId).where('reported_at', '>=', since).where('errors', '>', 0).execute();
      return r.length > 0;
    });
  }
});

test('the checks and downloads of the whole rollout left no listeners piling up', () => {
  assert.deepEqual(leaks, []);
});
