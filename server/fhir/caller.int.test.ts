import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addApiClient } from '../admin/credentials';
import { DEFAULT_AUTH_POLICY } from '../auth/policy';
import { asSystemDb } from '../db/system-db';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { twoBranches } from '../testing/fixtures';
import { cachedCallers } from './caller';

describe('API-client callers remembered for a short while', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await twoBranches(t.owner, 1);
  });
  after(() => t.close());

  test('a revoked client is refused once its entry expires, and at once without a cache', async () => {
    const { token } = await addApiClient(t.owner, 'north', 'Lab', ['read:*']);
    const db = asSystemDb(t.app);
    const cached = cachedCallers(300);
    const uncached = cachedCallers(0);
    assert.equal((await cached(db, DEFAULT_AUTH_POLICY, token))?.actor.kind, 'client');
    await t.owner.updateTable('api_clients').set({ revoked_at: new Date() }).execute();
    assert.equal(await uncached(db, DEFAULT_AUTH_POLICY, token), null);
    assert.notEqual(await cached(db, DEFAULT_AUTH_POLICY, token), null, 'within the cache time');
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await cached(db, DEFAULT_AUTH_POLICY, token), null, 'after it');
    assert.equal(await cached(db, DEFAULT_AUTH_POLICY, 'wsc_unknown'), null);
  });
});
