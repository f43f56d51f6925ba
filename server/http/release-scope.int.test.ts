import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseUpdateInfo } from 'electron-updater/out/providers/Provider';
import type { FastifyInstance } from 'fastify';
import { LoginResponse } from '../../contract/auth';
import { releaseSignatureMessage, RolloutStatus, type PublishReleaseInput } from '../../contract/releases';
import { enrolStation } from '../admin/credentials';
import { addUser } from '../admin/users';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { releaseKeyPair, signedRelease } from '../testing/release-signing';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Issue 11, item 1: a release action acts only in its administrator's branches. it.north
 * administers north only; it.group administers both and holds the group release manager role.
 */
describe('releases under the branch rule: scoped rollouts, the artifact store, signed feeds', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  let base: string;
  let store: string;
  let north: string;
  let group: string;
  const keys = releaseKeyPair();
  const st: Record<'n1' | 'n2' | 's1', { id: string; credential: string }> = {} as never;

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 1);
    await addUser(t.owner, { username: 'it.north', displayName: 'IT North', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'it_admin' }] });
    const g = await addUser(t.owner, {
      username: 'it.group',
      displayName: 'IT Group',
      password: TEST_PASSWORD,
      roles: [
        { branchCode: 'north', role: 'it_admin' },
        { branchCode: 'south', role: 'it_admin' },
      ],
    });
    await t.owner.insertInto('group_roles').values({ user_id: g.id, role: 'release_manager' }).execute();
    st.n1 = await enrolStation(t.owner, 'north', 'n-med', 'north 1');
    st.n2 = await enrolStation(t.owner, 'north', 'n-med', 'north 2');
    st.s1 = await enrolStation(t.owner, 'south', 's-med', 'south 1');
    store = mkdtempSync(path.join(tmpdir(), 'ws-artifacts-'));
    app = (
      await buildServer({
        db: t.app,
        policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1000 },
        log: silentLogger,
        databaseUrl: t.appUrl,
        updateFilesDir: store,
        releasePublicKey: keys.publicKey,
      })
    ).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    north = await login('it.north', 'north');
    group = await login('it.group', 'north');
  });
  after(async () => {
    await app.close();
    await t.close();
    rmSync(store, { recursive: true, force: true });
  });

  async function login(username: string, branch: string): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD, branch } });
    assert.equal(r.statusCode, 200, r.body);
    return LoginResponse.parse(r.json()).token;
  }
  const api = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${token}` } });
  async function ok(token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
    const r = await api(token, method, url, payload);
    assert.ok(r.statusCode < 300, `${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  }
  const release = (version: string): Promise<PublishReleaseInput> =>
    signedRelease(store, keys.privateKey, 'stable', version, [{ platform: 'linux', name: `WardStation-${version}.AppImage`, content: `appimage ${version}` }]);
  async function feed(station: { credential: string }) {
    const r = await app.inject({ method: 'GET', url: '/updates/stable/latest-linux.yml', headers: { 'x-station-credential': station.credential } });
    return r.statusCode === 200 ? parseUpdateInfo(r.body, 'latest-linux.yml', new URL(`${base}/updates/stable/latest-linux.yml`)) : null;
  }
  const auditActions = async (branchId: number) =>
    (await withBranch(t.owner, branchId, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select(['action', 'actor_id']).where('action', 'like', 'release.%').orderBy('seq').execute()));

  test('publishing takes artifacts from the server\'s store only, hashed by the server and signed', async () => {
    const fromUrl = await api(group, 'POST', '/api/releases', {
      channel: 'stable',
      version: '0.9.0',
      files: [{ platform: 'linux', url: 'https://elsewhere.example/WardStation.AppImage', sha512: `${'A'.repeat(86)}==`, size: 10 }],
    });
    assert.equal(fromUrl.statusCode, 400, 'a typed URL is refused');
    const body = await release('0.9.0');
    const missing = await api(group, 'POST', '/api/releases', { ...body, files: [{ ...body.files[0]!, name: 'WardStation-not-uploaded.AppImage' }] });
    assert.equal(missing.statusCode, 404);
    const forged = await api(group, 'POST', '/api/releases', { ...body, files: [{ ...body.files[0]!, signature: (await release('0.9.1')).files[0]!.signature }] });
    assert.equal(forged.statusCode, 400, 'a signature over another version does not verify');
    const traversal = await api(group, 'POST', '/api/releases', { ...body, files: [{ ...body.files[0]!, name: '../etc/passwd' }] });
    assert.equal(traversal.statusCode, 400);
    // Uploaded through the console: the server computes the digest.
    const up = await app.inject({
      method: 'PUT',
      url: '/api/releases/artifacts/WardStation-uploaded.AppImage',
      payload: Buffer.from('uploaded bytes'),
      headers: { authorization: `Bearer ${north}`, 'content-type': 'application/octet-stream' },
    });
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().size, 14);
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await ok(group, 'POST', '/api/releases', await release(v));
  });

  test('an administrator of north cannot add a ring, move, pause or roll back anything that reaches south', async () => {
    await ok(group, 'POST', '/api/releases/rings', { channel: 'stable', name: 'everyone', position: 10, kind: 'everyone' });
    await ok(north, 'POST', '/api/releases/rings', { channel: 'stable', name: 'north-med', position: 1, kind: 'wards', branch: 'north', wardCodes: ['n-med'] });
    const refusals = [
      await api(north, 'POST', '/api/releases/rings', { channel: 'stable', name: 'south-med', position: 2, kind: 'wards', branch: 'south', wardCodes: ['s-med'] }),
      await api(north, 'POST', '/api/releases/rings', { channel: 'stable', name: 'sneaky', position: 3, kind: 'stations', stationIds: [st.s1.id] }),
      await api(north, 'POST', '/api/releases/rings', { channel: 'stable', name: 'mixed', position: 4, kind: 'stations', branch: 'north', stationIds: [st.n1.id, st.s1.id] }),
      await api(north, 'POST', '/api/releases/rings', { channel: 'stable', name: 'all', position: 5, kind: 'everyone' }),
    ];
    assert.deepEqual(refusals.map((r) => r.statusCode), [403, 403, 403, 403]);

    // The group manager rolls 1.0.0 out to every branch; audited in both.
    await ok(group, 'POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.0.0', ring: 'everyone', scope: 'group' });
    assert.equal((await feed(st.s1))!.version, '1.0.0');
    assert.equal((await feed(st.n1))!.version, '1.0.0');

    // north's administrator: not south, not the group, and not the group's rollout.
    for (const [url, payload] of [
      ['/api/releases/rollout/move', { channel: 'stable', version: '1.1.0', ring: 'everyone', scope: 'south' }],
      ['/api/releases/rollout/move', { channel: 'stable', version: '1.1.0', ring: 'everyone', scope: 'group' }],
      ['/api/releases/rollout/pause', { channel: 'stable', version: '1.0.0', scope: 'group' }],
      ['/api/releases/rollout/rollback', { channel: 'stable', version: '1.0.0', scope: 'group' }],
      ['/api/releases/rollout/rollback', { channel: 'stable', version: '1.0.0', scope: 'south' }],
    ] as const) {
      assert.equal((await api(north, 'POST', url, payload)).statusCode, 403, `${url} ${JSON.stringify(payload)}`);
    }
    assert.equal((await api(north, 'PUT', '/api/releases/rollout/threshold', { channel: 'stable', version: '1.0.0', scope: 'group', maxErrorRatio: 2, minErrorRate: 1, minStations: 1 })).statusCode, 403);

    // In north, through the branchless "everyone" ring: it reaches north's stations only.
    await ok(north, 'POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.1.0', ring: 'everyone' });
    assert.equal((await feed(st.n1))!.version, '1.1.0');
    assert.equal((await feed(st.n2))!.version, '1.1.0');
    assert.equal((await feed(st.s1))!.version, '1.0.0', 'south is not offered north\'s release');
    await ok(north, 'POST', '/api/releases/rollout/pause', { channel: 'stable', version: '1.1.0' });
    await ok(north, 'POST', '/api/releases/rollout/rollback', { channel: 'stable', version: '1.1.0' });
    assert.equal((await feed(st.n1))!.version, '1.0.0', 'north rolled back to its baseline');
    const groupRollout = await t.owner.selectFrom('rollouts').select('state').where('scope_branch_id', 'is', null).executeTakeFirstOrThrow();
    assert.equal(groupRollout.state, 'active', 'north\'s actions left the group rollout alone');

    // What north's administrator sees: north's stations only.
    const fleet = await ok(north, 'GET', '/api/releases/fleet');
    assert.deepEqual(fleet.branches.map((b: { branch: string }) => b.branch).filter((b: string) => b !== 'north'), []);
    const status = RolloutStatus.parse(await ok(north, 'GET', '/api/releases/rollout?channel=stable'));
    assert.equal(status.rings.find((r) => r.name === 'everyone')!.stations, 2);
    const rings = await ok(north, 'GET', '/api/releases/rings?channel=stable');
    assert.ok(rings.rings.every((r: { branchId: number | null }) => r.branchId === null || r.branchId === f.north.id));

    const northAudit = (await auditActions(f.north.id)).map((r) => r.action);
    const southAudit = (await auditActions(f.south.id)).map((r) => r.action);
    assert.equal(northAudit.filter((a) => a === 'release.rollout_moved').length, 2, 'the group move and north\'s own');
    assert.equal(southAudit.filter((a) => a === 'release.rollout_moved').length, 1, 'only the group move reached south');
    assert.ok(!southAudit.includes('release.rollout_rollback') && !southAudit.includes('release.rollout_pause'));
  });

  test('stations hear only their own branch\'s and the group\'s release and flag events', async () => {
    const listen = async (credential: string) => {
      const res = await fetch(`${base}/updates/events`, { headers: { 'x-station-credential': credential } });
      const reader = res.body!.getReader();
      let text = '';
      const until = async (pattern: RegExp) => {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return text;
      };
      return { until, close: () => reader.cancel() };
    };
    const southStream = await listen(st.s1.credential);
    const northStream = await listen(st.n1.credential);
    await new Promise((r) => setTimeout(r, 300)); // LISTEN is up
    await ok(north, 'PUT', '/api/flags/dictation.enabled', { enabled: true });
    await ok(north, 'POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.2.0', ring: 'north-med' });
    await northStream.until(/event: release/);
    // Then a group action, which south must hear: everything before it was north's.
    await ok(group, 'POST', '/api/releases/rollout/move', { channel: 'stable', version: '1.0.0', ring: 'everyone', scope: 'group' });
    const heard = await southStream.until(/event: release/);
    assert.doesNotMatch(heard, /event: flags/);
    assert.equal(heard.match(/event: /g)!.length, 1, heard);
    assert.doesNotMatch(heard, /"branchId"/);
    await southStream.close();
    await northStream.close();
  });

  test('every artifact the feed offers carries a signature that verifies with the release public key', async () => {
    const info = (await feed(st.n1))!;
    assert.ok(info.files.length > 0);
    for (const file of info.files) {
      const signature = (file as unknown as { signature?: string }).signature;
      assert.ok(signature, `${file.url} carries a signature`);
      const name = file.url.split('/').pop()!;
      assert.ok(verify(null, Buffer.from(releaseSignatureMessage(info.version, name, file.sha512)), keys.publicKey, Buffer.from(signature, 'base64')));
    }
  });

  test('an artifact of a published release cannot be replaced through the console, by any administrator', async () => {
    const info = (await feed(st.s1))!;
    const name = info.files[0]!.url.split('/').pop()!;
    const before = readFileSync(path.join(store, name));
    const put = await app.inject({
      method: 'PUT',
      url: `/api/releases/artifacts/${name}`,
      payload: Buffer.from('other bytes under a released name'),
      headers: { authorization: `Bearer ${north}`, 'content-type': 'application/octet-stream' },
    });
    assert.equal(put.statusCode, 409, put.body);
    assert.match(put.json().error.message, /never replaced/);
    assert.deepEqual(readFileSync(path.join(store, name)), before, 'the stored bytes are unchanged');
  });
});
