import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServerApiClient, serverApi, ServerApiError, serverPath, type FetchLike, type ServerApiClient, type ServerRoute } from '../../contract/server-api';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * contract/server-api.ts against the real server: every declared route is registered with its
 * method and path, and the client derived from the declaration talks to it (through fastify's
 * inject, on a real PostgreSQL), answers parsed by the contract and refusals as ServerApiError.
 */
describe('server HTTP API declared in contract/', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let client: ServerApiClient;
  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    await enrolStation(t.owner, 'north', 'n-med', 'N1');
    app = (await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger })).app;
    const viaInject: FetchLike = async (url, init) => {
      const r = await app.inject({ method: init.method as 'GET', url, headers: init.headers, ...(init.body !== undefined ? { payload: init.body } : {}) });
      return { ok: r.statusCode < 400, status: r.statusCode, json: async () => JSON.parse(r.body) as unknown };
    };
    client = createServerApiClient(viaInject);
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  test('every declared route is registered with its method and path', () => {
    const missing = (Object.keys(serverApi) as ServerRoute[]).filter((r) => !app.hasRoute({ method: serverApi[r].method, url: serverApi[r].path }));
    assert.deepEqual(missing, []);
    // The check can fail: a route the server does not have is reported.
    assert.equal(app.hasRoute({ method: 'DELETE', url: '/api/releases/rollout/:action' }), false);
  });

  test('paths are filled in and encoded, queries appended', () => {
    assert.equal(serverPath('changeRollout', { params: { action: 'pause' } }), '/api/releases/rollout/pause');
    assert.equal(serverPath('setFlag', { params: { key: 'a/b' } }), '/api/flags/a%2Fb');
    assert.equal(serverPath('rolloutStatus', { query: { channel: 'beta', none: undefined } }), '/api/releases/rollout?channel=beta');
    assert.throws(() => serverPath('setFlag', {}), /missing path parameter key/);
  });

  test('the derived client signs in, reads the fleet and gets refusals with their codes', async () => {
    const { token } = await client.login({ body: { username: 'it.admin', password: TEST_PASSWORD, branch: 'north' } });
    assert.deepEqual((await client.listStations({ token })).stations.map((s) => s.name), ['N1']);
    assert.ok((await client.fleetVersions({ token })).branches.some((b) => b.branch === 'north'));
    await client.setFlag({ token, params: { key: 'ward.vitals' }, body: { enabled: true } });
    assert.deepEqual((await client.listFlags({ token })).flags.map((f) => [f.key, f.enabled]), [['ward.vitals', true]]);

    const refused = async (p: Promise<unknown>, status: number, code: string) => {
      await assert.rejects(p, (e: unknown) => e instanceof ServerApiError && e.status === status && e.code === code);
    };
    await refused(client.rolloutStatus({ token, query: { channel: 'stable' } }), 404, 'not_found');
    await refused(client.listStations({}), 401, 'unauthorized');
    const nurse = await client.login({ body: { username: 'nurse.north', password: TEST_PASSWORD, branch: 'north' } });
    await refused(client.listStations({ token: nurse.token }), 403, 'forbidden');
    await refused(client.login({ body: { username: 'it.admin', password: 'wrong password', branch: 'north' } }), 401, 'unauthorized');
    await client.logout({ token });
    await refused(client.me({ token }), 401, 'unauthorized');
  });
});
