import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { ApiErrorBody } from '../../contract/errors';
import { LoginResponse, MeResponse } from '../../contract/auth';
import { PatientList } from '../../contract/patient';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { silentLogger } from '../log';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { buildServer } from './app';

describe('HTTP: sign-in, sessions, roles and patients', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  const policy = { ...DEFAULT_AUTH_POLICY, maxFailuresPerUsername: 3, maxAttemptsPerRemotePerMinute: 1000 };

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 4);
    app = (await buildServer({ db: t.app, policy, log: silentLogger })).app;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  async function login(username: string, branch: string, password = TEST_PASSWORD) {
    return app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, branch } });
  }
  async function token(username: string, branch: string): Promise<string> {
    const r = await login(username, branch);
    assert.equal(r.statusCode, 200, r.body);
    return LoginResponse.parse(r.json()).token;
  }

  test('login answers the contract shape', async () => {
    const r = await login('dr.north', 'north');
    assert.equal(r.statusCode, 200);
    const body = LoginResponse.parse(r.json());
    assert.equal(body.user.username, 'dr.north');
    assert.deepEqual(body.user.roles, ['physician']);
    assert.equal(body.branch.code, 'north');
    assert.ok(new Date(body.expiresAt).getTime() > Date.now());
  });

  test('wrong password, unknown user and a foreign branch get the same 401', async () => {
    const answers = await Promise.all([login('nurse.north', 'north', 'wrong password'), login('nobody.here', 'north'), login('nurse.north', 'south')]);
    for (const r of answers) {
      assert.equal(r.statusCode, 401);
      assert.deepEqual(r.json(), { error: { code: 'unauthorized', message: 'invalid username, password or branch' } });
    }
  });

  test('repeated failures lock the username (429), audited as failures and a lockout', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login('dr.south', 'south', 'bad')).statusCode, 401);
    const locked = await login('dr.south', 'south');
    assert.equal(locked.statusCode, 429);
    assert.equal(ApiErrorBody.parse(locked.json()).error.code, 'rate_limited');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    const actions = await withBranch(t.owner, f.south.id, { kind: 'admin', id: 't' }, (trx) =>
      trx
        .selectFrom('audit_events')
        .select('action')
        .where('action', 'in', ['auth.login_failed', 'auth.lockout'])
        .where(sql<string>`detail->>'username'`, '=', 'dr.south')
        .execute(),
    );
    assert.equal(actions.filter((a) => a.action === 'auth.login_failed').length, 3);
    assert.equal(actions.filter((a) => a.action === 'auth.lockout').length, 1);
  });

  test('bad input gets a JSON 400, never a crash', async () => {
    for (const payload of ['{not json', JSON.stringify({ username: 'x' }), JSON.stringify({ username: 'a', password: 'b', branch: 'NOT A CODE' })]) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { 'content-type': 'application/json' } });
      assert.equal(r.statusCode, 400, payload);
      assert.equal(ApiErrorBody.parse(r.json()).error.code, 'bad_request');
    }
    const big = await app.inject({ method: 'POST', url: '/api/auth/login', payload: JSON.stringify({ username: 'x'.repeat(2_000_000) }), headers: { 'content-type': 'application/json' } });
    assert.equal(big.statusCode, 413);
    const unknown = await app.inject({ method: 'GET', url: '/api/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(ApiErrorBody.parse(unknown.json()).error.code, 'not_found');
  });

  test('routes need a valid bearer token; logout revokes it', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/api/me' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Bearer wss_forged' } })).statusCode, 401);
    const tok = await token('nurse.north', 'north');
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tok}` } });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(MeResponse.parse(me.json()).user.roles, ['nurse']);
    assert.equal((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${tok}` } })).statusCode, 204);
    assert.equal((await app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tok}` } })).statusCode, 401);
  });

  test('an idle session is refused, and so is an expired one', async () => {
    const me = (tok: string) => app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${tok}` } });
    const idle = await token('nurse.north', 'north');
    assert.equal((await me(idle)).statusCode, 200);
    await t.owner.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - policy.idleTimeoutMs - 1000) }).where('revoked_at', 'is', null).execute();
    assert.equal((await me(idle)).statusCode, 401);
    const expired = await token('nurse.north', 'north');
    assert.equal((await me(expired)).statusCode, 200);
    await t.owner.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('revoked_at', 'is', null).execute();
    assert.equal((await me(expired)).statusCode, 401);
  });

  test('one remote address is limited per minute, whichever usernames it tries', async () => {
    const strict = (await buildServer({ db: t.app, policy: { ...policy, maxAttemptsPerRemotePerMinute: 4 }, log: silentLogger })).app;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await strict.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: '203.0.113.9',
          payload: { username: `spray${i}`, password: 'x', branch: 'north' },
        });
        statuses.push(r.statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    } finally {
      await strict.close();
    }
  });

  test('patients: only the session\'s branch, whatever the query asks', async () => {
    const north = await token('dr.north', 'north');
    const r = await app.inject({ method: 'GET', url: '/api/patients?branch=south&branch_id=2', headers: { authorization: `Bearer ${north}` } });
    assert.equal(r.statusCode, 200);
    const list = PatientList.parse(r.json());
    assert.deepEqual(list.patients.map((p) => p.id).sort(), [...f.north.patientIds].sort());
    const byNationalId = PatientList.parse(
      (await app.inject({ method: 'GET', url: `/api/patients?q=${f.sharedNationalId}`, headers: { authorization: `Bearer ${north}` } })).json(),
    );
    assert.equal(byNationalId.patients.length, 1);
    assert.ok(f.north.patientIds.includes(byNationalId.patients[0]!.id));
    const apostrophe = PatientList.parse(
      (await app.inject({ method: 'GET', url: `/api/patients?q=${encodeURIComponent("o'bri")}`, headers: { authorization: `Bearer ${north}` } })).json(),
    );
    assert.equal(apostrophe.patients[0]?.familyName, "O'Brien");
    // Folded search: no diacritics typed, still found; LIKE wildcards are plain characters.
    const folded = PatientList.parse(
      (await app.inject({ method: 'GET', url: '/api/patients?q=nguyen', headers: { authorization: `Bearer ${north}` } })).json(),
    );
    assert.ok(folded.patients.length > 0 && folded.patients.every((p) => p.familyName.startsWith('Nguyễn')));
    const wildcard = PatientList.parse(
      (await app.inject({ method: 'GET', url: '/api/patients?q=%25', headers: { authorization: `Bearer ${north}` } })).json(),
    );
    assert.equal(wildcard.patients.length, 0);
    const foreign = await app.inject({ method: 'GET', url: `/api/patients/${f.south.patientIds[0]}`, headers: { authorization: `Bearer ${north}` } });
    const missing = await app.inject({ method: 'GET', url: '/api/patients/00000000-0000-4000-8000-000000000000', headers: { authorization: `Bearer ${north}` } });
    assert.equal(foreign.statusCode, 404);
    assert.deepEqual(foreign.json(), missing.json());
  });

  test('an IT administrator reads no patient data; reads are audited with the reader', async () => {
    const it = await token('it.admin', 'north');
    const r = await app.inject({ method: 'GET', url: '/api/patients', headers: { authorization: `Bearer ${it}` } });
    assert.equal(r.statusCode, 403);
    assert.equal(ApiErrorBody.parse(r.json()).error.code, 'forbidden');
    assert.ok(!r.body.includes(f.north.patientIds[0]!));
    const nurse = await token('nurse.north', 'north');
    const read = await app.inject({ method: 'GET', url: `/api/patients/${f.north.patientIds[1]}`, headers: { authorization: `Bearer ${nurse}` } });
    assert.equal(read.statusCode, 200);
    const audit = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) =>
      trx.selectFrom('audit_events').select(['actor_kind', 'patient_id']).where('action', '=', 'patient.read').execute(),
    );
    assert.ok(audit.some((a) => a.patient_id === f.north.patientIds[1] && a.actor_kind === 'user'));
  });

  test('health: alive and ready when migrated', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200, ready.body);
  });
});
