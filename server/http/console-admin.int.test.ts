import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { LoginResponse } from '../../contract/auth';
import { AuditCheckpointList, UserList } from '../../contract/console';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { addApiClient, enrolStation } from '../admin/credentials';
import { addUser } from '../admin/users';
import { checkpointKey, writeCheckpoints } from '../audit/checkpoint';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Issue 11, item 5 in the console: an IT administrator disables a user, sets a new password,
 * revokes a station or an API client, with the admin CLI's effect (sessions end, live streams
 * close within seconds, audited under the administrator's own id), only in the branches they
 * administer; and sees each branch's newest signed audit checkpoint against the chain.
 */
describe('console admin commands under the branch rule', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  let base: string;
  let dir: string;
  let northStation: { id: string; credential: string };
  let southStation: { id: string; credential: string };
  let itNorthId: number;

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 2);
    itNorthId = (await addUser(t.owner, { username: 'it.north', displayName: 'IT North', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'it_admin' }] })).id;
    await addUser(t.owner, { username: 'float.nurse', displayName: 'Float', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'nurse' }, { branchCode: 'south', role: 'nurse' }] });
    await addUser(t.owner, { username: 'nurse.two', displayName: 'Nurse Two', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'nurse' }] });
    northStation = await enrolStation(t.owner, 'north', 'n-med', 'N1');
    southStation = await enrolStation(t.owner, 'south', 's-med', 'S1');
    dir = mkdtempSync(path.join(tmpdir(), 'ws-console-admin-'));
    app = (
      await buildServer({
        db: t.app,
        policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1000 },
        log: silentLogger,
        databaseUrl: t.appUrl,
        auditCheckpoint: { file: path.join(dir, 'audit-checkpoints.log'), keyFile: path.join(dir, 'audit-checkpoint.key') },
      })
    ).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await app.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function login(username: string, branch: string, station?: { credential: string }, password = TEST_PASSWORD): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, branch }, headers: station ? { [STATION_CREDENTIAL_HEADER]: station.credential } : {} });
    assert.equal(r.statusCode, 200, r.body);
    return LoginResponse.parse(r.json()).token;
  }
  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  const auditRows = (branchId: number, action: string) =>
    withBranch(t.owner, branchId, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select(['actor_kind', 'actor_id', 'entity_id']).where('action', '=', action).execute());

  /** Opens a live stream and resolves with the milliseconds it stayed open after `cut`. */
  async function streamEndsAfter(url: string, headers: Record<string, string>, cut: () => Promise<unknown>): Promise<number> {
    const res = await fetch(`${base}${url}`, { headers });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read();
    const ended = (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
    const start = Date.now();
    await cut();
    const outcome = await Promise.race([ended.then(() => 'closed' as const), new Promise<'open'>((r) => setTimeout(() => r('open'), 8000).unref())]);
    if (outcome === 'open') await reader.cancel();
    assert.equal(outcome, 'closed', 'the stream was still open 8 s later');
    return Date.now() - start;
  }

  test('an administrator of north reaches nothing of south: users, stations and clients there are refused', async () => {
    const token = await login('it.north', 'north');
    const southClient = await addApiClient(t.owner, 'south', 'South Lab', ['read:*']);
    assert.equal((await call(token, 'POST', '/api/admin/users/dr.south/disable')).statusCode, 403);
    assert.equal((await call(token, 'POST', '/api/admin/users/float.nurse/disable')).statusCode, 403, 'a user who also works in south');
    assert.equal((await call(token, 'POST', '/api/admin/users/dr.south/password', { password: 'a new long password' })).statusCode, 403);
    assert.equal((await call(token, 'POST', `/api/admin/stations/${southStation.id}/revoke`)).statusCode, 404, 'answers as a missing station');
    assert.equal((await call(token, 'POST', `/api/admin/clients/${southClient.id}/revoke`)).statusCode, 404);
    const state = await t.owner.selectFrom('users').select(['username', 'disabled_at']).where('username', 'in', ['dr.south', 'float.nurse']).execute();
    assert.ok(state.every((u) => u.disabled_at === null));
    assert.equal((await t.owner.selectFrom('stations').select('revoked_at').where('id', '=', southStation.id).executeTakeFirstOrThrow()).revoked_at, null);
    // The list of users is the branch's, with every branch each one works in.
    const users = UserList.parse((await call(token, 'GET', '/api/admin/users')).json()).users;
    assert.ok(!users.some((u) => u.username === 'dr.south'));
    assert.deepEqual(users.find((u) => u.username === 'float.nurse')?.branches.sort(), ['north', 'south']);
    // The group administrator of both branches may.
    const both = await login('it.admin', 'north');
    assert.equal((await call(both, 'POST', '/api/admin/users/float.nurse/password', { password: 'float nurse new pw' })).statusCode, 200);
    assert.equal((await auditRows(f.south.id, 'admin.user_password_changed')).length, 1, 'audited in every branch the user works in');
    // Clinicians are refused; bad input is a clear 400.
    assert.equal((await call(await login('dr.north', 'north'), 'POST', '/api/admin/users/nurse.two/disable')).statusCode, 403);
    const short = await call(token, 'POST', '/api/admin/users/nurse.two/password', { password: 'short' });
    assert.equal(short.statusCode, 400);
    assert.equal((await call(token, 'POST', '/api/admin/stations/not-a-uuid/revoke')).statusCode, 400);
    assert.equal((await call(token, 'POST', '/api/admin/users/it.north/disable')).statusCode, 400, 'not oneself');
  });

  test('a password set in the console closes the user\'s open live stream within seconds; the old password stops working', async () => {
    const admin = await login('it.north', 'north');
    const token = await login('dr.north', 'north', northStation);
    const ms = await streamEndsAfter('/api/sync/live', { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: northStation.credential }, async () => {
      const r = await call(admin, 'POST', '/api/admin/users/dr.north/password', { password: 'console set password' });
      assert.equal(r.statusCode, 200, r.body);
      assert.ok(r.json<{ sessionsEnded: number }>().sessionsEnded >= 1);
    });
    assert.ok(ms < 6000, `closed after ${ms} ms`);
    const old = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.north', password: TEST_PASSWORD, branch: 'north' } });
    assert.equal(old.statusCode, 401);
    await login('dr.north', 'north', northStation, 'console set password');
    assert.deepEqual(
      (await auditRows(f.north.id, 'admin.user_password_changed')).filter((r) => r.actor_id === String(itNorthId)).map((r) => r.actor_kind),
      ['user'],
      'audited under the administrator\'s own id',
    );
  });

  test('disabling a user in the console ends their sessions and live stream; they cannot sign in', async () => {
    const admin = await login('it.north', 'north');
    const token = await login('nurse.two', 'north', northStation);
    const ms = await streamEndsAfter('/api/sync/live', { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: northStation.credential }, async () => {
      assert.equal((await call(admin, 'POST', '/api/admin/users/nurse.two/disable')).statusCode, 200);
    });
    assert.ok(ms < 6000, `closed after ${ms} ms`);
    const again = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nurse.two', password: TEST_PASSWORD, branch: 'north' } });
    assert.equal(again.statusCode, 401);
    assert.equal(UserList.parse((await call(admin, 'GET', '/api/admin/users')).json()).users.find((u) => u.username === 'nurse.two')?.disabled, true);
    assert.equal((await auditRows(f.north.id, 'admin.user_disabled')).filter((r) => r.actor_id === String(itNorthId)).length, 1);
  });

  test('enabling a disabled user and clearing failed sign-ins: listed, audited, under the branch rule', async () => {
    const admin = await login('it.north', 'north');
    const user = await addUser(t.owner, { username: 'nurse.three', displayName: 'Nurse Three', password: TEST_PASSWORD, roles: [{ branchCode: 'north', role: 'nurse' }] });
    const wrong = () => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'Nurse.Three', password: 'not the password', branch: 'north' } });
    for (let i = 0; i < 3; i++) assert.equal((await wrong()).statusCode, 401);
    const listed = async () => UserList.parse((await call(admin, 'GET', '/api/admin/users')).json());
    const three = async () => (await listed()).users.find((u) => u.username === 'nurse.three');
    assert.equal((await three())?.failedSignIns, 3, 'counted whatever the case typed');
    assert.equal((await call(admin, 'POST', '/api/admin/users/nurse.three/unlock')).statusCode, 200);
    assert.equal((await three())?.failedSignIns, 0);
    assert.deepEqual((await auditRows(f.north.id, 'admin.user_unlocked')).map((r) => [r.entity_id, r.actor_id]), [[String(user.id), String(itNorthId)]]);

    assert.equal((await call(admin, 'POST', '/api/admin/users/nurse.three/disable')).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nurse.three', password: TEST_PASSWORD, branch: 'north' } })).statusCode, 401);
    assert.equal((await call(admin, 'POST', '/api/admin/users/nurse.three/enable')).statusCode, 200);
    assert.equal((await three())?.disabled, false);
    await login('nurse.three', 'north');
    assert.equal((await call(admin, 'POST', '/api/admin/users/nurse.three/enable')).statusCode, 200, 'enabling an enabled user changes nothing');
    assert.equal((await auditRows(f.north.id, 'admin.user_enabled')).length, 1, 'audited once');

    // Another branch's user, or one who also works there, stays as it is.
    await t.owner.updateTable('users').set({ disabled_at: new Date() }).where('username', '=', 'float.nurse').execute();
    try {
      assert.equal((await call(admin, 'POST', '/api/admin/users/float.nurse/enable')).statusCode, 403);
      assert.equal((await call(admin, 'POST', '/api/admin/users/dr.south/unlock')).statusCode, 403);
      assert.notEqual((await t.owner.selectFrom('users').select('disabled_at').where('username', '=', 'float.nurse').executeTakeFirstOrThrow()).disabled_at, null);
      assert.equal((await call(admin, 'POST', '/api/admin/users/nobody.here/enable')).statusCode, 404);
    } finally {
      await t.owner.updateTable('users').set({ disabled_at: null }).where('username', '=', 'float.nurse').execute();
    }
  });

  test('revoking a station in the console closes its streams; revoking an API client refuses its token', async () => {
    const admin = await login('it.north', 'north');
    const station = await enrolStation(t.owner, 'north', 'n-med', 'N2');
    const ms = await streamEndsAfter('/updates/events', { [STATION_CREDENTIAL_HEADER]: station.credential }, async () => {
      assert.equal((await call(admin, 'POST', `/api/admin/stations/${station.id}/revoke`)).statusCode, 200);
    });
    assert.ok(ms < 6000);
    assert.deepEqual((await auditRows(f.north.id, 'admin.station_revoked')).map((r) => [r.entity_id, r.actor_id]), [[station.id, String(itNorthId)]]);

    const client = await addApiClient(t.owner, 'north', 'Central Lab', ['read:*']);
    const read = () => app.inject({ method: 'GET', url: `/fhir/Patient/${f.north.patientIds[0]}`, headers: { authorization: `Bearer ${client.token}` } });
    assert.equal((await read()).statusCode, 200);
    assert.equal((await call(admin, 'POST', `/api/admin/clients/${client.id}/revoke`)).statusCode, 200);
    const deadline = Date.now() + 20_000; // the FHIR token cache (FHIR_CLIENT_CACHE_MS, default 5 s)
    let status = (await read()).statusCode;
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await read()).statusCode;
    }
    assert.equal(status, 401);
    const listed = (await call(admin, 'GET', '/api/admin/clients')).json<{ clients: { id: number; revoked: boolean }[] }>().clients;
    assert.equal(listed.find((c) => c.id === client.id)?.revoked, true);
    assert.deepEqual((await auditRows(f.north.id, 'admin.client_revoked')).map((r) => r.actor_id), [String(itNorthId)]);
  });

  test('the console shows each branch\'s newest signed checkpoint and finds the owner\'s deleted newest row', async () => {
    const admin = await login('it.north', 'north');
    const read = async () => AuditCheckpointList.parse((await call(admin, 'GET', '/api/admin/audit/checkpoints')).json());
    const before = await read();
    assert.equal(before.configured, true);
    assert.deepEqual(before.branches.map((b) => [b.branch, b.matches]), [['north', null]], 'only the branches it administers; none checkpointed yet');
    assert.equal(existsSync(path.join(dir, 'audit-checkpoint.key')), false, 'reading creates no key');

    await writeCheckpoints(t.app, path.join(dir, 'audit-checkpoints.log'), checkpointKey(path.join(dir, 'audit-checkpoint.key')));
    const written = (await read()).branches[0]!;
    assert.equal(written.matches, true, JSON.stringify(written));
    assert.equal(written.checkpoint?.seq, written.head?.seq);

    await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, async (trx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update`.execute(trx);
      await sql`DELETE FROM audit_events WHERE branch_id = ${f.north.id} AND seq = (SELECT max(seq) FROM audit_events WHERE branch_id = ${f.north.id})`.execute(trx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update`.execute(trx);
    });
    const after = (await read()).branches[0]!;
    assert.equal(after.matches, false);
    assert.match(after.reason ?? '', /missing: the checkpoint of .* saw the chain reach row/);
    assert.ok(readFileSync(path.join(dir, 'audit-checkpoints.log'), 'utf8').includes('"branch":"north"'));
  });
});
