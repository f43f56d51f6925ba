import http from 'node:http';
import https from 'node:https';
import type { LoginRequest, LoginResponse } from '../../contract/auth';
import { createServerApiClient, serverApi, serverPath, type ServerApiClient } from '../../contract/server-api';
import { LiveEvent, parsePullRowsBytes, PullRowsHeader, STATION_CREDENTIAL_HEADER, type Mutation, type PullResponse, type PullRowsPage, type PushResponse } from '../../contract/sync';
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
   * may offer pull alone. `onHeader`: called once with the page's header line (its cursor and
   * whether more follows) as soon as it has arrived, before the rest of the page; the page itself
   * is checked whole when it resolves.
   */
  pullRows?(token: string, cursor: string, limit: number, signal?: AbortSignal, onHeader?: (header: PullRowsHeader) => void): Promise<PullRowsPage<string | Uint8Array>>;
  /**
   * Server-sent events: calls onCursor per feed event, onSignal per release signal (a release,
   * rollback or flag change), until the abort signal fires or the stream ends.
   */
  live(token: string, onCursor: (cursor: string) => void, signal: AbortSignal, onSignal?: (s: ReleaseSignal) => void): Promise<void>;
}

function safeHeader(line: Buffer): PullRowsHeader | null {
  try {
    const h = PullRowsHeader.safeParse(JSON.parse(line.toString('utf8')));
    return h.success ? h.data : null;
  } catch {
    return null;
  }
}

const utf8 = (b: Uint8Array, start: number, end: number) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end);

/** An answer's status, headers and body, from fetch or from node:http. */
interface Answer {
  status: number;
  header(name: string): string | null;
  bytes(): Promise<Buffer>;
  json(): Promise<unknown>;
}

const fromFetch = (res: Response): Answer => ({
  status: res.status,
  header: (name) => res.headers.get(name),
  bytes: async () => Buffer.from(await res.arrayBuffer()),
  json: () => res.json(),
});

/**
 * A GET through node:http(s), its body read as bytes. A rows page is megabytes, and fetch's web
 * streams cost about twice node:http's CPU to receive it (0.1 against 0.05 s for a ward's 17 MB,
 * on the station's one thread, which also seals and writes the pages). The signal covers the
 * body too, as fetch's does; a body cut short fails (`complete` is false or the stream errs).
 */
function getBytes(url: URL, headers: Record<string, string>, signal: AbortSignal, agent: http.Agent, onFirstLine?: (line: Buffer) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'GET', headers, agent, signal }, (res) => {
      // The first line of a 200 answer, handed over as soon as it is in (a rows page's header).
      let firstLine = onFirstLine && res.statusCode === 200 ? onFirstLine : null;
      let received = 0;
      const body = new Promise<Buffer>((done, fail) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (!firstLine) return;
          const nl = c.indexOf(0x0a);
          received += c.length;
          if (nl < 0) {
            if (received > 65_536) firstLine = null;
            return;
          }
          const give = firstLine;
          firstLine = null;
          give(Buffer.concat(chunks).subarray(0, received - c.length + nl));
        });
        res.on('end', () => (res.complete ? done(Buffer.concat(chunks)) : fail(new Error('answer cut off'))));
        res.on('error', fail);
      });
      body.catch(() => {});
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const v = res.headers[name.toLowerCase()];
          return typeof v === 'string' ? v : null;
        },
        bytes: () => body,
        json: async () => JSON.parse((await body).toString('utf8')) as unknown,
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export function createServerClient(baseUrl: string, credential: string, timeoutMs = 15_000, health?: Health): ServerClient {
  const base = baseUrl.replace(/\/+$/, '');
  // Kept-alive connections for the rows pull (fetch keeps its own); idle ones do not hold the process.
  const agent = base.startsWith('https:') ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  /**
   * `sync`: a push or pull, which carries the station's version and, when due, its health report.
   * `rows`: a GET of a rows page, through node:http, read as bytes (parsePullRowsBytes).
   */
  const call = async (path: string, init: RequestInit, token?: string, signal?: AbortSignal, sync = false, rows = false, onFirstLine?: (line: Buffer) => void): Promise<unknown> => {
    const report = sync ? (health?.take() ?? null) : null;
    const headers: Record<string, string> = {
      [STATION_CREDENTIAL_HEADER]: credential,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(sync && health ? { [STATION_VERSION_HEADER]: health.version } : {}),
      ...(report ? { [STATION_HEALTH_HEADER]: JSON.stringify(report) } : {}),
    };
    const attempt = (): Promise<Answer> => {
      const limit = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      return rows ? getBytes(new URL(`${base}${path}`), headers, limit, agent, onFirstLine) : fetch(`${base}${path}`, { ...init, headers, signal: limit }).then(fromFetch);
    };
    let res: Answer;
    try {
      // One immediate retry: a kept-alive connection may have died with the network (every
      // call is safe to repeat: push is idempotent by mutation id).
      res = await attempt().catch(attempt);
    } catch {
      if (report) health?.settle(report, false);
      throw new NetworkError('server unreachable');
    }
    if (report) health?.settle(report, res.header(HEALTH_RECORDED_HEADER) === '1');
    const ok = res.status >= 200 && res.status < 300;
    let body: unknown = null;
    try {
      // A rows page is megabytes: it stays bytes (each row's data a view of them, sealed as it
      // came); only the header line and the short fields are read as text.
      body = res.status === 204 ? null : rows && ok ? parsePullRowsBytes(await res.bytes(), utf8) : await res.json();
    } catch {
      // An answer cut off mid-body is, for us, no answer at all.
      throw new NetworkError('answer cut off');
    }
    if (!ok) {
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
    async pullRows(token, cursor, limit, signal, onHeader) {
      const path = serverPath('syncPullRows', { query: { cursor, limit } });
      let told = false;
      const onFirstLine = onHeader
        ? (line: Buffer) => {
            // A header that does not read is ignored here: the whole page is refused when parsed.
            const header = told ? null : safeHeader(line);
            if (!header) return;
            told = true;
            onHeader(header);
          }
        : undefined;
      return (await call(path, { method: serverApi.syncPullRows.method }, token, signal, true, true, onFirstLine)) as PullRowsPage<Uint8Array>;
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
