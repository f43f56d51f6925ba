import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { ConfigError, configFromEnv } from './config';
import { pushesPerBranchFor } from './db/branch-limiter';

const base = { DATABASE_URL: 'postgres://app:secret-pw@db.example/ward' };

test('the defaults of the README table, and every part of the server configured from one environment', () => {
  const c = configFromEnv(base);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8787);
  assert.equal(c.poolSize, 10);
  assert.equal(c.databaseCores, availableParallelism(), 'the embedded database runs on this machine');
  assert.equal(configFromEnv({ ...base, DATABASE_CORES: '16' }).databaseCores, 16);
  assert.deepEqual([1, 2, 3, 8].map(pushesPerBranchFor), [1, 1, 1, 4], "a branch's pushes use half the database's cores, at least one");
  assert.equal(c.drainDelayMs, 2000);
  assert.equal(c.policy.sessionTtlMs, 720 * 60_000);
  assert.equal(c.policy.idleTimeoutMs, 30 * 60_000);
  assert.equal(c.trustProxy, false);
  assert.equal(c.databaseOwnerUrl, null);
  assert.equal(c.databaseReadUrl, null, 'no replica unless named');
  assert.equal(c.fhir.clientCacheMs, 5000);
  assert.equal(c.notes.summarizer.provider, 'local');
  assert.equal(c.notes.transcription.provider, 'none');
  assert.equal(c.feedCompactionMs, 5 * 60_000);
  assert.equal(configFromEnv({ ...base, FEED_COMPACTION_MINUTES: '0' }).feedCompactionMs, 0, 'off');
  assert.equal(configFromEnv({ ...base, FEED_COMPACTION_MINUTES: '0.5' }).feedCompactionMs, 30_000);
  const set = configFromEnv({ ...base, PORT: '9000', TRUST_PROXY: '1', DRAIN_DELAY_MS: '0', FHIR_CURSOR_SECRET: 'x', PUBLIC_BASE_URL: 'https://ward.example/' });
  assert.deepEqual([set.port, set.trustProxy, set.drainDelayMs, set.fhir.cursorSecret, set.fhir.baseUrl], [9000, true, 0, 'x', 'https://ward.example/fhir']);
});

test('a bad value stops start-up with one sentence naming the variable, never its value', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /^DATABASE_URL is not set/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must be a postgres:\/\/ connection URL$/],
    [{ ...base, PORT: 'eighty' }, /^PORT must be a whole number from 0 to 65535$/],
    [{ ...base, PORT: '70000' }, /^PORT must be a whole number/],
    [{ ...base, DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be at least 1$/],
    [{ ...base, DATABASE_CORES: '0' }, /^DATABASE_CORES must be at least 1/],
    [{ ...base, DATABASE_CORES: 'two' }, /^DATABASE_CORES must be a whole number/],
    [{ ...base, SESSION_IDLE_MINUTES: '-5' }, /^SESSION_IDLE_MINUTES must be a whole number/],
    [{ ...base, TRUST_PROXY: 'yes' }, /^TRUST_PROXY must be 1/],
    [{ ...base, DATABASE_OWNER_URL: 'owner' }, /^DATABASE_OWNER_URL must be a postgres/],
    [{ ...base, DATABASE_READ_URL: 'replica' }, /^DATABASE_READ_URL must be a postgres/],
    [{ ...base, FHIR_CLIENT_CACHE_MS: 'soon' }, /^FHIR_CLIENT_CACHE_MS must be/],
    [{ ...base, PUBLIC_BASE_URL: 'not a url' }, /^PUBLIC_BASE_URL must be an http\(s\) URL$/],
    [{ ...base, NOTES_PROVIDER: 'openai' }, /^OPENAI_API_KEY is not set/],
    [{ ...base, FEED_COMPACTION_MINUTES: 'hourly' }, /^FEED_COMPACTION_MINUTES must be a number of minutes from 0 \(off\) to 1440$/],
    [{ ...base, FEED_COMPACTION_MINUTES: '2000' }, /^FEED_COMPACTION_MINUTES must be/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => configFromEnv(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('secret-pw') && !e.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});
