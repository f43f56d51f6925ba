import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { findNonAdditive } from '../../migrations/server/additive-check';
import { readSyncRules, SYNC_RULE_FILES } from '../../migrations/server/sync-rules';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { syncRules, syncRulesDrift } from './rules';

describe('sync rules: the database runs the repository\'s SQL', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.close());

  test('the source defines the feed and push functions', () => {
    assert.deepEqual(syncRules().map((r) => r.name).sort(), ['change_feed_announce', 'change_feed_append', 'change_feed_compact', 'change_feed_horizon', 'sync_apply', 'sync_push', 'sync_push_arrays', 'sync_push_set']);
  });

  test('every installed function matches the repository\'s source, byte for byte', async () => {
    assert.deepEqual(await syncRulesDrift(t.owner), []);
  });

  test('a function changed in the database is reported as drift (negative control)', async () => {
    const rule = syncRules().find((r) => r.name === 'change_feed_horizon')!;
    await sql.raw(`CREATE OR REPLACE FUNCTION change_feed_horizon() RETURNS bigint LANGUAGE plpgsql STABLE AS $$${rule.body} $$`).execute(t.owner);
    try {
      assert.deepEqual(await syncRulesDrift(t.owner), ['change_feed_horizon']);
    } finally {
      await sql.raw(readSyncRules('feed.sql')).execute(t.owner);
    }
    assert.deepEqual(await syncRulesDrift(t.owner), []);
  });

  test('the rule files only create or replace (they are installed by additive migrations)', () => {
    for (const file of SYNC_RULE_FILES) {
      const text = readSyncRules(file);
      assert.deepEqual(findNonAdditive(text), [], file);
      const outside = text.replace(/\$\$[^]*?\$\$/g, '$$$$').replace(/--.*$/gm, '').replace(/\/\*[^]*?\*\//g, '');
      const statements = outside.split(';').map((x) => x.trim()).filter(Boolean);
      assert.ok(statements.length >= 2, file);
      for (const s of statements) assert.match(s, /^CREATE OR REPLACE FUNCTION \w+\(/, `${file}: ${s.slice(0, 60)}`);
    }
  });
});
