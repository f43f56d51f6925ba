import { LoginResponse, type LoginRequest } from '../../contract/auth';
import { PullResponse, PushResponse, STATION_CREDENTIAL_HEADER, type Mutation } from '../../contract/sync';

/* The station's HTTP client of the sync server. Every answer is validated with the contract. */

export class NetworkError extends Error {}
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's own sentence (it names fields, never values), for the outbox view. */
    readonly detail = '',
  ) {
    super(`server answered ${status} ${code}`);
  }
}

export interface ServerClient {
  login(req: LoginRequest): Promise<LoginResponse>;
  logout(token: string): Promise<void>;
  /** `signal` ends the call early (the station is shutting down). */
  push(token: string, mutations: Mutation[], signal?: AbortSignal): Promise<PushResponse>;
  pull(token: string, cursor: string, limit: number, signal?: AbortSignal): Promise<PullResponse>;
  /** Server-sent events: calls onCursor per event until the signal aborts or the stream ends. */
  live(token: string, onCursor: (cursor: string) => void, signal: AbortSignal): Promise<void>;
}

export function createServerClient(baseUrl: string, credential: string, timeoutMs = 15_000): ServerClient {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const attempt = () =>
      fetch(`${base}${path}`, {
        ...init,
        headers: {
          [STATION_CREDENTIAL_HEADER]: credential,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    let res: Response;
    try {
      // One immediate retry: a kept-alive connection may have died with the network (every
      // call is safe to repeat: push is idempotent by mutation id).
      res = await attempt().catch(attempt);
    } catch {
      throw new NetworkError('server unreachable');
    }
    let body: unknown = null;
    try {
      body = res.status === 204 ? null : await res.json();
    } catch {
      // An answer cut off mid-body is, for us, no answer at all.
      throw new NetworkError('answer cut off');
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const str = (v: unknown, n: number) => (typeof v === 'string' ? v.slice(0, n) : '');
      throw new ServerError(res.status, str(error?.code, 40) || 'unknown', str(error?.message, 200));
    }
    return body;
  };
  return {
    async login(req) {
      return LoginResponse.parse(await call('/api/auth/login', { method: 'POST', body: JSON.stringify(req) }));
    },
    async logout(token) {
      await call('/api/auth/logout', { method: 'POST' }, token);
    },
    async push(token, mutations, signal) {
      return PushResponse.parse(await call('/api/sync/push', { method: 'POST', body: JSON.stringify({ mutations }) }, token, signal));
    },
    async pull(token, cursor, limit, signal) {
      return PullResponse.parse(await call(`/api/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=${limit}`, { method: 'GET' }, token, signal));
    },
    async live(token, onCursor, signal) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/sync/live`, {
          headers: { [STATION_CREDENTIAL_HEADER]: credential, authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal,
        });
      } catch {
        throw new NetworkError('server unreachable');
      }
      if (!res.ok || !res.body) throw new ServerError(res.status, 'live');
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
            buf = buf.slice(i + 2);
            if (!data) continue;
            const cursor = (JSON.parse(data.slice(6)) as { cursor?: unknown }).cursor;
            if (typeof cursor === 'string' && /^\d+$/.test(cursor)) onCursor(cursor);
          }
        }
      } catch {
        if (!signal.aborted) throw new NetworkError('live channel cut');
      }
    },
  };
}
