import type { LoginRequest, LoginResponse } from '../../contract/auth';
import { createServerApiClient, serverApi, serverPath, type ServerApiClient } from '../../contract/server-api';
import { LiveEvent, parsePullRowsBytes, STATION_CREDENTIAL_HEADER, type Mutation, type PullResponse, type PullRowsPage, type PushResponse } from '../../contract/sync';
import { HEALTH_RECORDED_HEADER, ReleaseSignal, STATION_HEALTH_HEADER, STATION_VERSION_HEADER } from '../../contract/releases';
import type { Health } from './health';

/*
 * The station's HTTP clients of the sync server. Routes and answers come from the server's API
 * declaration (contract/server-api.ts). createServerClient adds the sync transport: the
 * station's credential, a timeout, one retry, health reports, and the errors the sync client
 * tells apart. createStationServerApi is the declaration's own client (notes review, station
 * info) with the station's credential and a timeout.
 */

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
  /**
   * The same page as feed rows (each row's data as the server's JSON text, stored without being
   * parsed here). A ServerError 404: the server predates it (pull JSON). Optional: test doubles
   * may offer pull alone.
   */
  pullRows?(token: string, cursor: string, limit: number, signal?: AbortSignal): Promise<PullRowsPage<string | Uint8Array>>;
  /**
   * Server-sent events: calls onCursor per feed event, onSignal per release signal (a release,
   * rollback or flag change), until the abort signal fires or the stream ends.
   */
  live(token: string, onCursor: (cursor: string) => void, signal: AbortSignal, onSignal?: (s: ReleaseSignal) => void): Promise<void>;
}

const utf8 = (b: Uint8Array, start: number, end: number) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end);

export function createServerClient(baseUrl: string, credential: string, timeoutMs = 15_000, health?: Health): ServerClient {
  const base = baseUrl.replace(/\/+$/, '');
  /** `sync`: a push or pull, which carries the station's version and, when due, its health report. */
  const call = async (path: string, init: RequestInit, token?: string, signal?: AbortSignal, sync = false, text = false): Promise<unknown> => {
    const report = sync ? (health?.take() ?? null) : null;
    const attempt = () =>
      fetch(`${base}${path}`, {
        ...init,
        headers: {
          [STATION_CREDENTIAL_HEADER]: credential,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(sync && health ? { [STATION_VERSION_HEADER]: health.version } : {}),
          ...(report ? { [STATION_HEALTH_HEADER]: JSON.stringify(report) } : {}),
        },
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    let res: Response;
    try {
      // One immediate retry: a kept-alive connection may have died with the network (every
      // call is safe to repeat: push is idempotent by mutation id).
      res = await attempt().catch(attempt);
    } catch {
      if (report) health?.settle(report, false);
      throw new NetworkError('server unreachable');
    }
    if (report) health?.settle(report, res.headers.get(HEALTH_RECORDED_HEADER) === '1');
    let body: unknown = null;
    try {
      // A rows page is megabytes: it stays bytes (each row's data a view of them, sealed as it
      // came); only the header line and the short fields are read as text.
      body = res.status === 204 ? null : text && res.ok ? parsePullRowsBytes(Buffer.from(await res.arrayBuffer()), utf8) : await res.json();
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
      return serverApi.login.output.parse(await call(serverApi.login.path, { method: serverApi.login.method, body: JSON.stringify(req) }));
    },
    async logout(token) {
      await call(serverApi.logout.path, { method: serverApi.logout.method }, token);
    },
    async push(token, mutations, signal) {
      return serverApi.syncPush.output.parse(await call(serverApi.syncPush.path, { method: serverApi.syncPush.method, body: JSON.stringify({ mutations }) }, token, signal, true));
    },
    async pull(token, cursor, limit, signal) {
      return serverApi.syncPull.output.parse(await call(serverPath('syncPull', { query: { cursor, limit } }), { method: serverApi.syncPull.method }, token, signal, true));
    },
    async pullRows(token, cursor, limit, signal) {
      const path = serverPath('syncPullRows', { query: { cursor, limit } });
      return (await call(path, { method: serverApi.syncPullRows.method }, token, signal, true, true)) as PullRowsPage<Uint8Array>;
    },
    async live(token, onCursor, signal, onSignal) {
      let res: Response;
      try {
        res = await fetch(`${base}${serverApi.syncLive.path}`, {
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
            const raw = JSON.parse(data.slice(6)) as unknown;
            const event = LiveEvent.safeParse(raw);
            if (event.success) onCursor(event.data.cursor);
            const release = ReleaseSignal.safeParse(raw);
            if (release.success) onSignal?.(release.data);
          }
        }
      } catch {
        if (!signal.aborted) throw new NetworkError('live channel cut');
      }
    },
  };
}

/**
 * The client derived from contract/server-api.ts, sending the station's credential with every
 * call. A refusal is a ServerApiError (status and code); an unreachable server or a timeout is a
 * NetworkError.
 */
export function createStationServerApi(baseUrl: string, credential: string, timeoutMs: number): ServerApiClient {
  return createServerApiClient(async (url, init) => {
    try {
      return await fetch(url, { ...init, headers: { ...init.headers, [STATION_CREDENTIAL_HEADER]: credential }, signal: AbortSignal.timeout(timeoutMs) });
    } catch {
      throw new NetworkError('server unreachable');
    }
  }, baseUrl.replace(/\/+$/, ''));
}
