import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServerApiClient, declaredServerRoutes, ServerApiError, serverPath, type FetchLike, type ServerApiClient, updateFeedFolder } from '../../contract/server-api';
import { enrolStation } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer, type BuiltServer } from './app';

/*
 * contract/server-api.ts against the real server: the routes fastify registers (walked with its
 * onRoute hook, the console's pages included) are exactly the declared ones, and the client derived from the declaration talks to it (through fastify's
 * inject, on a real PostgreSQL), answers parsed by the contract and refusals as ServerApiError.
 */
describe('server HTTP API declared in contract/', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let client: ServerApiClient;
  let registered: BuiltServer['routes'];
  let consoleDir: string;
  before(async () => {
    consoleDir = await mkdtemp(path.join(tmpdir(), 'console-'));
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    await enrolStation(t.owner, 'north', 'n-med', 'N1');
    const built = await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger }, { consoleDir });
    app = built.app;
    registered = built.routes;
    const viaInject: FetchLike = async (url, init) => {
      const r = await app.inject({ method: init.method as 'GET', url, headers: init.headers, ...(init.body !== undefined ? { payload: init.body } : {}) });
      return { ok: r.statusCode < 400, status: r.statusCode, json: async () => JSON.parse(r.body) as unknown };
    };
    client = createServerApiClient(viaInject);
  });
  after(async () => {
    await app.close();
    await t.close();
    await rm(consoleDir, { recursive: true, force: true });
  });

  /** What is registered but not declared, and what is declared but not registered. */
  const compare = (routes: { method: string; url: string }[]) => {
    const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
    const declared = new Set(declaredServerRoutes().map(key));
    const actual = new Set(routes.map(key));
    return { undeclared: [...actual].filter((r) => !declared.has(r)).sort(), unregistered: [...declared].filter((r) => !actual.has(r)).sort() };
  };

  test('the routes fastify registers are exactly the declared ones', () => {
    assert.deepEqual(compare(registered), { undeclared: [], unregistered: [] });
    assert.ok(registered.length > 40, `walked ${registered.length} routes`);
    // The check can fail both ways: a route added without a declaration, a declared route dropped.
    assert.deepEqual(compare([...registered, { method: 'GET', url: '/api/undeclared' }]).undeclared, ['GET /api/undeclared']);
    assert.deepEqual(compare(registered.filter((r) => r.url !== '/api/notes/:id/approve')).unregistered, ['POST /api/notes/:id/approve']);
  });

  test('paths are filled in and encoded, queries appended', () => {
    assert.equal(serverPath('changeRollout', { params: { action: 'pause' } }), '/api/releases/rollout/pause');
    assert.equal(serverPath('setFlag', { params: { key: 'a/b' } }), '/api/flags/a%2Fb');
    assert.equal(serverPath('rolloutStatus', { query: { channel: 'beta', none: undefined } }), '/api/releases/rollout?channel=beta');
    assert.throws(() => serverPath('setFlag', {}), /missing path parameter key/);
    assert.equal(updateFeedFolder('beta'), '/updates/beta');
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
