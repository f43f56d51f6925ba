import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { RemoteCallPolicy } from '../config';
import { NoteProviderError } from './types';

/*
 * The one retry loop of remote calls. The openai client runs with maxRetries 0 so that attempts
 * are counted here, 429 waits honour retry-after (up to a cap: a provider asking for an hour fails
 * visibly instead of holding a job), and timeouts, connection errors and 5xx back off.
 */

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Milliseconds a response asks us to wait (retry-after-ms, retry-after seconds or HTTP date), or null. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers?.get('retry-after');
  if (!ra) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

interface Failure {
  kind: 'timeout' | 'rate_limited' | 'provider_error';
  retryable: boolean;
  waitMs: number | null;
  message: string;
}

function describe(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true, waitMs: null, message: 'the provider did not answer in time' };
  if (error instanceof APIUserAbortError) return { kind: 'provider_error', retryable: false, waitMs: null, message: 'the request was cancelled' };
  if (error instanceof APIConnectionError) return { kind: 'provider_error', retryable: true, waitMs: null, message: 'could not connect to the provider' };
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    if (status === 429) return { kind: 'rate_limited', retryable: true, waitMs: retryAfterMs(error.headers), message: 'the provider is rate limiting (429)' };
    const retryable = status === 408 || status === 409 || status >= 500;
    return { kind: status === 408 ? 'timeout' : 'provider_error', retryable, waitMs: retryable ? retryAfterMs(error.headers) : null, message: `the provider answered ${status || 'an error'}` };
  }
  if (error instanceof NoteProviderError) throw error;
  return { kind: 'provider_error', retryable: false, waitMs: null, message: 'the provider call failed' };
}

export interface Attempted<T> {
  value: T;
  attempts: number;
}

/**
 * Runs `call` until it succeeds or the policy's retries are spent. `attemptsBefore` counts calls
 * already made by the caller's own loop (malformed-answer retries), so the total stays honest.
 */
export async function withRetries<T>(
  policy: Pick<RemoteCallPolicy, 'maxRetries' | 'maxRetryAfterMs' | 'backoffMs'>,
  call: () => Promise<T>,
  options: { signal?: AbortSignal | undefined; attemptsBefore?: number } = {},
): Promise<Attempted<T>> {
  let attempts = options.attemptsBefore ?? 0;
  for (let retry = 0; ; retry++) {
    attempts++;
    try {
      return { value: await call(), attempts };
    } catch (error) {
      const f = describe(error);
      if (!f.retryable || retry >= policy.maxRetries) throw new NoteProviderError(f.kind, `${f.message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, attempts, { cause: error });
      if (f.waitMs !== null && f.waitMs > policy.maxRetryAfterMs) {
        throw new NoteProviderError(f.kind, `${f.message}; it asked to wait ${Math.ceil(f.waitMs / 1000)} s, more than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s allowed`, attempts, { cause: error });
      }
      const backoff = Math.min(policy.backoffMs * 2 ** retry, 8000) * (1 - Math.random() * 0.25);
      await sleep(f.waitMs ?? backoff, options.signal);
    }
  }
}
