import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { StationList } from '../../contract/console';
import { enrolStation } from '../admin/credentials';
import { addWard } from '../admin/branches';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { silentLogger } from '../log';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { TEST_PASSWORD, twoBranches } from '../testing/fixtures';
import { buildServer } from './app';

describe('console API: the fleet of the branch, IT administrators only', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
    await addWard(t.owner, 'north', { code: 'n-icu', name: 'ICU' });
    await enrolStation(t.owner, 'north', 'n-med', 'N1');
    await enrolStation(t.owner, 'north', 'n-icu', 'N2');
    await enrolStation(t.owner, 'south', 's-med', 'S1');
    app = (await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger })).app;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  const tokenFor = async (username: string, branch: string) =>
    (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD, branch } })).json<{ token: string }>().token;

  test('an IT administrator sees only the stations of the branch signed into', async () => {
    for (const [branch, names] of [['north', ['N1', 'N2']], ['south', ['S1']]] as const) {
      const r = await app.inject({ method: 'GET', url: '/api/admin/stations', headers: { authorization: `Bearer ${await tokenFor('it.admin', branch)}` } });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(StationList.parse(r.json()).stations.map((s) => s.name).sort(), [...names]);
    }
  });

  test('clinicians are refused', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/admin/stations', headers: { authorization: `Bearer ${await tokenFor('dr.north', 'north')}` } });
    assert.equal(r.statusCode, 403);
  });
});
