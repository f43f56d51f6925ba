import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { enrolStation } from '../admin/credentials';
import { unlockUser } from '../admin/users';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { withBranch } from '../db/with-branch';
import { silentLogger } from '../log';
import { TEST_PASSWORD, twoBranches, type TwoBranches } from '../testing/fixtures';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { buildServer } from './app';

/*
 * Issue 11, item 4: sign-in throttling cannot be turned against its users. Wrong passwords slow
 * down their own source (station or address) at that name, exponentially; the right password
 * from another station still works; IT can unlock.
 */
describe('sign-in throttling by username and source', () => {
  let t: TestDatabase;
  let f: TwoBranches;
  let app: FastifyInstance;
  let a: { id: string; credential: string };
  let b: { id: string; credential: string };

  before(async () => {
    t = await createTestDatabase();
    f = await twoBranches(t.owner, 1);
    a = await enrolStation(t.owner, 'north', 'n-med', 'station A');
    b = await enrolStation(t.owner, 'north', 'n-med', 'station B');
    app = (await buildServer({ db: t.app, policy: DEFAULT_AUTH_POLICY, log: silentLogger })).app;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  const login = (password: string, station?: { credential: string }, ip = '10.0.0.7') =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: ip,
      payload: { username: 'dr.north', password, branch: 'north' },
      headers: station ? { [STATION_CREDENTIAL_HEADER]: station.credential } : {},
    });

  test('ten wrong passwords from one address do not stop the right password from another station', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await login('wrong password', a)).statusCode);
    assert.deepEqual(answers.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(answers.slice(5).includes(429), `the sixth attempt on waits: ${answers.join(' ')}`);
    const other = await login(TEST_PASSWORD, b);
    assert.equal(other.statusCode, 200, other.body);
  });

  test('the delay doubles per failure past the free ones, and IT unlocks the name', async () => {
    const ip = '10.0.0.9';
    const backdate = () => t.owner.updateTable('login_attempts').set({ at: new Date(Date.now() - 600_000) }).where('remote', '=', ip).where('success', '=', false).execute();
    const waits: number[] = [];
    for (let n = 1; n <= 8; n++) {
      assert.equal((await login('wrong password', undefined, ip)).statusCode, 401, `failure ${n} is answered`);
      if (n >= 5) {
        // Right after the failure, even the right password from this source waits.
        const probe = await login(TEST_PASSWORD, undefined, ip);
        assert.equal(probe.statusCode, 429);
        waits.push(Number(probe.headers['retry-after']));
      }
      await backdate(); // as if the wait had passed (the window is 15 minutes)
    }
    assert.deepEqual(waits, [1, 2, 4, 8]);
    await login('wrong password', undefined, ip);
    assert.equal((await login(TEST_PASSWORD, b)).statusCode, 200, 'another station is not slowed');
    await login('wrong password', undefined, ip);
    await login('wrong password', undefined, ip);
    assert.equal((await login(TEST_PASSWORD, undefined, ip)).statusCode, 429);
    await unlockUser(t.owner, 'dr.north');
    assert.equal((await login(TEST_PASSWORD, undefined, ip)).statusCode, 200, 'unlocked by IT');
    const audit = await withBranch(t.owner, f.north.id, { kind: 'admin', id: 't' }, (trx) => trx.selectFrom('audit_events').select('action').where('action', '=', 'admin.user_unlocked').execute());
    assert.equal(audit.length, 1);
  });
});
