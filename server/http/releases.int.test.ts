import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancellationToken } from 'builder-util-runtime';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { LoginResponse } from '../../contract/auth';
import { FeatureFlagList } from '../../contract/flags';
import { RolloutStatus, type PublishReleaseInput } from '../../contract/releases';
import { releaseKeyPair, signedRelease } from '../testing/release-signing';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { buildServer } from './app';
import { silentLogger } from '../log';
import { createTestUpdater } from '../testing/electron-updater-client';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';

const sha512 = (s: string) => createHash('sha512').update(s).digest('base64');
const keys = releaseKeyPair();

describe('releases: rings, the electron-updater feed, health halts, rollback, flags', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  let base: string;
  let admin: string;
  let files: string;
  const stations: { id: string; credential: string }[] = [];

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 1);
    for (let i = 0; i < 6; i++) stations.push(await enrolStation(t.owner, i < 5 ? 'north' : 'south', i < 5 ? 'n-med' : 's-med', `station ${i}`));
    files = mkdtempSync(path.join(tmpdir(), 'ws-release-files-'));
    for (const v of ['1.0.0', '1.1.0']) writeFileSync(path.join(files, `WardStation-${v}.deb`), `linux ${v}`);
    writeFileSync(path.join(files, 'WardStation-9.9.9.deb'), 'tampered');
    // it.admin administers both branches and holds the group release manager role: group-wide rollouts.
    const it = await t.owner.selectFrom('users').select('id').where('username', '=', 'it.admin').executeTakeFirstOrThrow();
    await t.owner.insertInto('group_roles').values({ user_id: it.id, role: 'release_manager' }).execute();
    app = (
      await buildServer({
        db: t.app,
        policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1000 },
        log: silentLogger,
        databaseUrl: t.appUrl,
        updateFilesDir: files,
        releasePublicKey: keys.publicKey,
      })
    ).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = await login('it.admin', 'north');
  });
  after(async () => {
    await app.close();
    await t.close();
    rmSync(files, { recursive: true, force: true });
  });

  const release = (version: string): Promise<PublishReleaseInput> =>
    signedRelease(files, keys.privateKey, 'stable', version, [
      { platform: 'linux', name: `WardStation-${version}.deb`, content: `linux ${version}` },
      { platform: 'win', name: `WardStation-Setup-${version}.exe`, content: `win ${version}` },
    ], `WardStation ${version}`);

  async function login(username: string, branch: string): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD, branch } });
    assert.equal(r.statusCode, 200, r.body);
    return LoginResponse.parse(r.json()).token;
  }
  async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, token = admin) {
    return app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${token}` } });
  }
  async function ok(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
    const r = await api(method, url, payload);
    assert.ok(r.statusCode < 300, `${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  }
  async function offered(station: number, version: string, allowDowngrade = true) {
    const u = createTestUpdater({ feedUrl: `${base}/updates/stable`, version, credential: stations[station]!.credential, allowDowngrade });
    try {
      const r = await u.updater.checkForUpdates();
      return { available: r!.isUpdateAvailable, version: r!.updateInfo.version, info: r!.updateInfo };
    } finally {
      u.close();
    }
  }

  test('only IT administrators manage releases; stations need their credential for the feed', async () => {
    const nurse = await login('nurse.north', 'north');
    assert.equal((await api('POST', '/api/releases', await release('0.9.0'), nurse)).statusCode, 403);
    assert.equal((await api('GET', '/api/releases/fleet', undefined, 'nonsense')).statusCode, 401);
    const noCredential = await app.inject({ method: 'GET', url: '/updates/stable/latest-linux.yml' });
    assert.equal(noCredential.statusCode, 401);
    const wrong = await app.inject({ method: 'GET', url: '/updates/stable/latest-linux.yml', headers: { 'x-station-credential': `wsk_${'A'.repeat(43)}` } });
    assert.equal(wrong.statusCode, 401);
  });

  test('a baseline for everyone, then a pilot ring: electron-updater is offered the new version only in the ring', async () => {
    await ok('POST', '/api/releases', await release('1.0.0'));
    await ok('POST', '/api/releases', await release('1.1.0'));
    assert.equal((await api('POST', '/api/releases', await release('1.1.0'))).statusCode, 409);
    await ok('POST', '/api/releases/rings', { channel: 'stable', name: 'pilot', position: 1, kind: 'stations', stationIds: [stations[0]!.id] });
    await ok('POST', '/api/releases/rings', { channel: 'stable', name: 'north-half', position: 2, kind: 'percent', branch: 'north', percent: 50 });
    await ok('POST', '/api/releases/rings', { channel: 'stable', name: 'everyone', position: 3, kind: 'everyone' });
    await ok('POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.0.0', ring: 'everyone', scope: 'group' });
    await ok('POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.1.0', ring: 'pilot', scope: 'group' });

    const inRing = await offered(0, '1.0.0');
    assert.deepEqual([inRing.available, inRing.version], [true, '1.1.0']);
    assert.equal(inRing.info.files[0]!.url, 'files/WardStation-1.1.0.deb');
    assert.equal(inRing.info.files[0]!.sha512, sha512('linux 1.1.0'));
    // electron-updater downloads the file from the feed folder and checks its sha512.
    const u = createTestUpdater({ feedUrl: `${base}/updates/stable`, version: '1.0.0', credential: stations[0]!.credential, allowDowngrade: true });
    try {
      await u.updater.checkForUpdates();
      const [downloaded] = await u.updater.downloadUpdate();
      assert.equal(readFileSync(downloaded!, 'utf8'), 'linux 1.1.0');
      // A file that does not match its published sha512 is refused by the client.
      const tampered = u.executor.download(new URL(`${base}/updates/stable/files/WardStation-9.9.9.deb`), path.join(files, 'out.deb'), {
        sha512: sha512('linux 9.9.9'),
        headers: { authorization: `Bearer ${stations[0]!.credential}` },
        cancellationToken: new CancellationToken(),
      });
      await assert.rejects(tampered, /sha512 checksum mismatch/);
      const traversal = await app.inject({ method: 'GET', url: '/updates/stable/files/..%2Fetc%2Fpasswd', headers: { authorization: `Bearer ${stations[0]!.credential}` } });
      assert.equal(traversal.statusCode, 400);
    } finally {
      u.close();
    }
    const outside = await offered(5, '1.0.0');
    assert.deepEqual([outside.available, outside.version], [false, '1.0.0']);

    // The Windows feed file answers the same station with the Windows installer.
    const win = await app.inject({ method: 'GET', url: '/updates/stable/latest.yml', headers: { authorization: `Bearer ${stations[0]!.credential}` } });
    assert.match(win.body, /WardStation-Setup-1\.1\.0\.exe/);
    const mac = await app.inject({ method: 'GET', url: '/updates/stable/latest-mac.yml', headers: { authorization: `Bearer ${stations[0]!.credential}` } });
    assert.equal(mac.statusCode, 404, 'no macOS build published');
  });

  test('health reports past the threshold halt the rollout by themselves; the console sees why', async () => {
    await ok('PUT', '/api/releases/rollout/threshold', { channel: 'stable', version: '1.1.0', scope: 'group', maxErrorRatio: 2, minErrorRate: 1, minStations: 1 });
    const report = (s: number, version: string, errors: number) =>
      app.inject({
        method: 'POST',
        url: '/updates/health',
        headers: { authorization: `Bearer ${stations[s]!.credential}` },
        payload: { channel: 'stable', version, uptimeSeconds: 3600, syncFailures: 0, crashes: 0, errors },
      });
    // Healthy baseline stations in the reached ring? The pilot ring has one station; the baseline
    // is measured on reached stations that still run 1.0.0: none, so it counts as zero.
    const calm = await report(0, '1.1.0', 0);
    assert.equal(calm.json().rolloutState, 'active');
    const outside = await report(4, '1.0.0', 50);
    assert.equal(outside.json().rolloutState, 'active', 'errors outside the reached rings do not count');
    const bad = await report(0, '1.1.0', 30);
    assert.equal(bad.json().rolloutState, 'halted');
    const status = RolloutStatus.parse(await ok('GET', '/api/releases/rollout?channel=stable'));
    assert.equal(status.state, 'halted');
    assert.match(status.haltReason!, /exceeds/);
    assert.deepEqual(status.timeline.map((e) => e.kind), ['started', 'moved', 'threshold_set', 'halted']);
    assert.equal(status.rings.find((r) => r.name === 'pilot')!.stations, 1);
    // Counted over the signed-in branch's stations only (north: five of the six).
    assert.equal(status.rings.find((r) => r.name === 'everyone')!.stations, 5);
    // A halted rollout does not move on until IT resumes it.
    assert.equal((await api('POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.1.0', ring: 'north-half', scope: 'group' })).statusCode, 409);
    const fleet = await ok('GET', '/api/releases/fleet');
    assert.ok(fleet.branches.find((b: { branch: string }) => b.branch === 'north').versions.some((v: { version: string }) => v.version === '1.1.0'));
  });

  test('rollback: the pilot station is offered the previous version as a downgrade (allowDowngrade on)', async () => {
    const events: string[] = [];
    const sse = await fetch(`${base}/updates/events?channel=stable`, { headers: { authorization: `Bearer ${stations[0]!.credential}` } });
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();
    const got = (async () => {
      let text = '';
      while (!text.includes('event: rollback')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      events.push(text);
    })();
    await new Promise((r) => setTimeout(r, 200)); // the LISTEN connection is up by now
    await ok('POST', '/api/releases/rollout/rollback', { channel: 'stable', version: '1.1.0', scope: 'group' });
    await got;
    await reader.cancel();
    assert.match(events[0]!, /"kind":"rollback"/);

    const downgrade = await offered(0, '1.1.0', true);
    assert.deepEqual([downgrade.available, downgrade.version], [true, '1.0.0']);
    const withoutDowngrade = await offered(0, '1.1.0', false);
    assert.equal(withoutDowngrade.available, false, 'without allowDowngrade electron-updater would keep the bad version');
    assert.equal((await api('POST', '/api/releases/rollout/resume', { channel: 'stable', version: '1.1.0', scope: 'group' })).statusCode, 409);
  });

  test('every IT action is audited in each branch it affects', async () => {
    for (const branch of [f.north.id, f.south.id]) {
      const rows = await withBranch(t.owner, branch, { kind: 'admin', id: 't' }, (trx) =>
        trx.selectFrom('audit_events').select('action').where('action', 'like', 'release.%').execute(),
      );
      const actions = rows.map((r) => r.action);
      for (const a of ['release.published', 'release.rollout_moved', 'release.rollout_halted', 'release.rollout_rollback', 'release.threshold_set']) {
        assert.ok(actions.includes(a), `${a} in branch ${branch}`);
      }
    }
  });

  test('feature flags are per branch, audited, and readable by the branch\'s stations', async () => {
    const south = await login('it.admin', 'south');
    await ok('PUT', '/api/flags/dictation.enabled', { enabled: true, value: 'beta' });
    assert.equal((await api('PUT', '/api/flags/dictation.enabled', { enabled: false }, south)).statusCode, 200);
    assert.equal((await api('PUT', '/api/flags/BAD KEY', { enabled: true })).statusCode, 400);
    const read = async (s: number) =>
      FeatureFlagList.parse((await app.inject({ method: 'GET', url: '/api/station/flags', headers: { 'x-station-credential': stations[s]!.credential } })).json());
    const north = await read(0);
    assert.equal(north.branch, 'north');
    assert.deepEqual(north.flags.map((x) => [x.key, x.enabled, x.value]), [['dictation.enabled', true, 'beta']]);
    const southFlags = await read(5);
    assert.deepEqual(southFlags.flags.map((x) => [x.key, x.enabled]), [['dictation.enabled', false]]);
    const audits = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) =>
      trx.selectFrom('audit_events').select(sql<string>`count(*)`.as('n')).where('action', '=', 'flag.set').executeTakeFirstOrThrow(),
    );
    assert.equal(Number(audits.n), 1);
  });
});
