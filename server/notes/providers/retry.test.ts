import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APIConnectionTimeoutError, RateLimitError } from 'openai';
import { retryAfterMs, withRetries } from './retry';
import { NoteProviderError } from './types';

const policy = { maxRetries: 3, maxRetryAfterMs: 1000, backoffMs: 1 };

describe('retry policy', () => {
  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250' }), now), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), now), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:03 GMT' }), now), 3000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now), null);
    assert.equal(retryAfterMs(new Headers(), now), null);
  });

  it('counts attempts, stops at the bound, and names the failure', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(policy, async () => {
        calls++;
        throw new APIConnectionTimeoutError();
      }),
      (e: unknown) => e instanceof NoteProviderError && e.kind === 'timeout' && e.attempts === 4,
    );
    assert.equal(calls, 4);
    const ok = await withRetries(policy, async () => (++calls === 6 ? 'done' : Promise.reject(new APIConnectionTimeoutError())));
    assert.deepEqual(ok, { value: 'done', attempts: 2 });
  });

  it('a 429 asking for more than the cap fails at once', async () => {
    let calls = 0;
    const limited = () => new RateLimitError(429, { message: 'slow down' }, 'slow down', new Headers({ 'retry-after': '60' }));
    await assert.rejects(
      withRetries(policy, async () => {
        calls++;
        throw limited();
      }),
      (e: unknown) => e instanceof NoteProviderError && e.kind === 'rate_limited' && e.attempts === 1 && /more than the 1 s allowed/.test(e.message),
    );
    assert.equal(calls, 1);
  });

  it('an unknown error is not retried and its message is not passed on', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(policy, async () => {
        calls++;
        throw new Error('Jane Doe, MRN 123');
      }),
      (e: unknown) => e instanceof NoteProviderError && !e.message.includes('Jane'),
    );
    assert.equal(calls, 1);
  });
});
