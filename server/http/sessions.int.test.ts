import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LoginResponse } from '../../contract/auth';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { addApiClient, enrolStation, revokeApiClient, revokeStation } from '../admin/credentials';
import { disableUser, setPassword } from '../admin/users';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Issue 11, item 5: a session travels with the station it was opened at, and a password change,
 * a disabled user, a revoked station or a revoked API client ends access and live streams.
 */
describe('sessions that can be cut off', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  let base: string;
  let a: { id: string; credential: string };
  let b: { id: string; credential: string };

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 2);
    a = await enrolStation(t.owner, 'north', 'n-med', 'station A');
    b = await enrolStation(t.owner, 'north', 'n-med', 'station B');
    app = (await buildServer({ db: t.app, policy: { ...DEFAULT_AUTH_POLICY, maxAttemptsPerRemotePerMinute: 1000 }, log: silentLogger, databaseUrl: t.appUrl })).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  async function login(username: string, station: { credential: string }, password = TEST_PASSWORD): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, branch: 'north' }, headers: { [STATION_CREDENTIAL_HEADER]: station.credential } });
    assert.equal(r.statusCode, 200, r.body);
    return LoginResponse.parse(r.json()).token;
  }
  const pull = (token: string, credential?: string) =>
    app.inject({ method: 'GET', url: '/api/sync/pull?cursor=0&limit=10', headers: { authorization: `Bearer ${token}`, ...(credential ? { [STATION_CREDENTIAL_HEADER]: credential } : {}) } });
  const me = (token: string, credential?: string) =>
    app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}`, ...(credential ? { [STATION_CREDENTIAL_HEADER]: credential } : {}) } });

  /** Opens a server-sent-event stream and resolves with the milliseconds it stayed open after `cut` was called. */
  async function streamEndsAfter(url: string, headers: Record<string, string>, cut: () => Promise<unknown>): Promise<number> {
    const res = await fetch(`${base}${url}`, { headers });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read(); // the stream's first comment: it is open
    const ended = (async () => {
      for (;;) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
      }
    })();
    const start = Date.now();
    await cut();
    const timeout = new Promise<'open'>((r) => setTimeout(() => r('open'), 8000).unref());
    const outcome = await Promise.race([ended.then(() => 'closed' as const), timeout]);
    if (outcome === 'open') await reader.cancel();
    assert.equal(outcome, 'closed', 'the stream was still open 8 s later');
    return Date.now() - start;
  }

  test('a session holds only with the credential of the station it was opened at', async () => {
    const token = await login('dr.north', a);
    assert.equal((await pull(token, a.credential)).statusCode, 200);
    assert.equal((await pull(token, b.credential)).statusCode, 401, 'another station of the same ward and branch');
    assert.equal((await me(token)).statusCode, 401, 'the token alone, without its station');
    assert.equal((await me(token, a.credential)).statusCode, 200);
  });

  test('a password change closes the user\'s open live stream within seconds and ends the session', async () => {
    const token = await login('dr.north', a);
    const ms = await streamEndsAfter('/api/sync/live', { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: a.credential }, () =>
      setPassword(t.owner, 'dr.north', 'another long password'),
    );
    assert.ok(ms < 6000, `closed after ${ms} ms`);
    assert.equal((await pull(token, a.credential)).statusCode, 401);
    await login('dr.north', a, 'another long password');
    const audit = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('detail').where('action', '=', 'admin.user_password_changed').execute());
    assert.equal(audit.length, 1);
  });

  test('logout closes the live stream too', async () => {
    const token = await login('nurse.north', a);
    await streamEndsAfter('/api/sync/live', { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: a.credential }, () =>
      app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: a.credential } }),
    );
  });

  test('disabling a user ends their sessions', async () => {
    const token = await login('nurse.north', b);
    await disableUser(t.owner, 'nurse.north');
    assert.equal((await pull(token, b.credential)).statusCode, 401);
    const again = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nurse.north', password: TEST_PASSWORD, branch: 'north' }, headers: { [STATION_CREDENTIAL_HEADER]: b.credential } });
    assert.equal(again.statusCode, 401);
  });

  test('revoking a station ends its sessions and closes its release and live streams', async () => {
    const token = await login('dr.north', b, 'another long password');
    const live = fetch(`${base}/api/sync/live`, { headers: { authorization: `Bearer ${token}`, [STATION_CREDENTIAL_HEADER]: b.credential } });
    const liveReader = (await live).body!.getReader();
    await liveReader.read();
    const ms = await streamEndsAfter('/updates/events', { [STATION_CREDENTIAL_HEADER]: b.credential }, () => revokeStation(t.owner, b.id));
    assert.ok(ms < 6000);
    const liveEnded = await Promise.race([(async () => { while (!(await liveReader.read()).done); return true; })(), new Promise((r) => setTimeout(() => r(false), 4000).unref())]);
    assert.equal(liveEnded, true, 'the live stream of its session closed too');
    assert.equal((await pull(token, b.credential)).statusCode, 401);
    const feed = await app.inject({ method: 'GET', url: '/updates/stable/latest-linux.yml', headers: { [STATION_CREDENTIAL_HEADER]: b.credential } });
    assert.equal(feed.statusCode, 401);
  });

  test('revoking an API client refuses its token within the client cache time (FHIR_CLIENT_CACHE_MS, default 5 s)', async () => {
    const client = await addApiClient(t.owner, 'north', 'Central Lab', ['read:*']);
    const read = () => app.inject({ method: 'GET', url: `/fhir/Patient/${f.north.patientIds[0]}`, headers: { authorization: `Bearer ${client.token}` } });
    assert.equal((await read()).statusCode, 200);
    await revokeApiClient(t.owner, client.id);
    // A known token is trusted for FHIR_CLIENT_CACHE_MS without a lookup (the FHIR hot path);
    // the revocation holds once that passes. Bounded: 20 s, four times the default.
    const deadline = Date.now() + 20_000;
    let status = (await read()).statusCode;
    while (status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await read()).statusCode;
    }
    assert.equal(status, 401);
    const audit = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('entity_id').where('action', '=', 'admin.client_revoked').execute());
    assert.deepEqual(audit.map((r) => r.entity_id), [String(client.id)]);
  });
});
