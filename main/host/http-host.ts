import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  STATION_EVENTS_PATH,
  STATION_PAGE_HEADER,
  STATION_SECRET_HEADER,
  stationApi,
  stationEvents,
  type StationCall,
  type StationErrorCode,
  type StationEventName,
  type StationEventSource,
  type StationHandlers,
} from '../../contract/station-api';
import { createEventStreamParser } from '../../contract/event-stream';
import { badTextMessage, findBadText } from '../../contract/text';
import { StationError } from '../core/errors';
import { serveStatic } from './static';

/*
 * The station API over HTTP on loopback, for headless runs, tests and a browser where Electron
 * is missing: POST /api/<call> with the JSON input; the answer is the call's JSON output.
 * A random secret made at each launch must come in a header, so another local program or web
 * page cannot drive the station. Inputs are validated with the contract's schemas.
 *
 * A browser page exchanges the secret once (POST /api/session) for an HttpOnly, SameSite=Strict
 * cookie of this host and port: a reload, which loses the secret from memory, still reaches the
 * station, and the secret never sits in the address bar or the history. The cookie is an HMAC
 * under a key that can outlive the launch (`cookieKey`), so a tab left open across a restart of
 * the station comes back to its sign-in or lock screen.
 *
 * A page load is a new page (STATION_PAGE_HEADER): before it is served, an open session is
 * locked, so a reload lands on the lock screen (the user unlocks with their password) or, with
 * nobody signed in, on sign-in; its requests wait for that lock.
 *
 * GET /api/events streams the station's events (contract: stationEvents) as server-sent events
 * behind the same secret; a comment line every 20 s keeps idle proxies from closing it.
 */

const STATUS: Record<StationErrorCode, number> = {
  bad_request: 400,
  not_enrolled: 409,
  unauthorized: 401,
  locked: 423,
  not_found: 404,
  offline: 503,
  conflict: 409,
  internal: 500,
};
// Dictations travel as base64 in one call (contract: DICTATION_MAX_BASE64).
const MAX_BODY = 16 * 1024 * 1024;

export interface StationHost {
  url: string;
  secret: string;
  server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
const fail = (res: ServerResponse, code: StationErrorCode, message: string) => send(res, STATUS[code], { error: { code, message } });

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) return null;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface StationHostOptions {
  port?: number;
  secret?: string;
  /** The built station renderer (dist/station), served on GET without the secret: the page gets the secret from its URL fragment. */
  staticDir?: string;
  /** Key of the page cookie (32 bytes); random per launch unless given (see loadCookieKey). */
  cookieKey?: Buffer;
  /** The station core's events, streamed at STATION_EVENTS_PATH; without them the path answers 404. */
  events?: StationEventSource;
}

const SESSION_ROUTE = '/api/session';

function cookieValue(key: Buffer, nonce: string): string {
  return `${nonce}.${createHmac('sha256', key).update(nonce).digest('base64url')}`;
}

function cookieValid(req: IncomingMessage, name: string, key: Buffer): boolean {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, v] = part.trim().split('=', 2);
    if (k !== name || !v) continue;
    const nonce = v.split('.')[0] ?? '';
    const expected = Buffer.from(cookieValue(key, nonce));
    const given = Buffer.from(v);
    if (nonce.length >= 16 && given.length === expected.length && timingSafeEqual(given, expected)) return true;
  }
  return false;
}

const HEARTBEAT_MS = 20_000;

function streamEvents(events: StationEventSource, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  // The first bytes tell the client the stream is open (it then reads the state it may have missed).
  res.write(': open\n\n');
  const stops = (Object.keys(stationEvents) as StationEventName[]).map((name) =>
    events.on(name, (payload) => {
      const parsed = stationEvents[name].safeParse(payload);
      if (parsed.success) res.write(`event: ${name}\ndata: ${JSON.stringify(parsed.data)}\n\n`);
    }),
  );
  const heartbeat = setInterval(() => res.write(': \n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.once('close', () => {
    clearInterval(heartbeat);
    for (const stop of stops) stop();
  });
}

export async function startStationHost(handlers: StationHandlers, options: StationHostOptions = {}): Promise<StationHost> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const expected = Buffer.from(secret);
  const cookieKey = options.cookieKey ?? randomBytes(32);
  let cookieName = 'wardstation';
  let port = 0;
  // The page the host last served, and the lock that a new page's requests wait for.
  let page = '';
  let pageReady: Promise<void> = Promise.resolve();
  const lockForNewPage = async () => {
    const now = await handlers.status({});
    if (now.user && !now.locked) await handlers.lock({});
  };
  // A web page in the user's browser may send requests to this loopback port (DNS rebinding, a
  // cross-site form): only our own Host, and our own Origin when a browser sends one, are served.
  const ours = (value: string | undefined, prefix: string) =>
    value === `${prefix}127.0.0.1:${port}` || value === `${prefix}localhost:${port}`;
  const server = createServer((req, res) => {
    void (async () => {
      if (!ours(req.headers.host, '') || (req.headers.origin !== undefined && !ours(req.headers.origin, 'http://'))) {
        return fail(res, 'unauthorized', 'this host serves only its own loopback address');
      }
      if (options.staticDir && (req.method === 'GET' || req.method === 'HEAD') && !(req.url ?? '').startsWith('/api/')) {
        return serveStatic(options.staticDir, req, res);
      }
      const given = Buffer.from(String(req.headers[STATION_SECRET_HEADER] ?? ''));
      const bySecret = given.length === expected.length && timingSafeEqual(given, expected);
      if (req.method === 'POST' && req.url === SESSION_ROUTE) {
        if (!bySecret) return fail(res, 'unauthorized', 'This page is from an earlier start of the station. Close it and open the station again.');
        const value = cookieValue(cookieKey, randomBytes(18).toString('base64url'));
        res.writeHead(204, { 'set-cookie': `${cookieName}=${value}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      if (!bySecret && !cookieValid(req, cookieName, cookieKey)) {
        return fail(res, 'unauthorized', 'This page is from an earlier start of the station. Close it and open the station again.');
      }
      const pageId = String(req.headers[STATION_PAGE_HEADER] ?? '');
      if (/^[A-Za-z0-9-]{16,64}$/.test(pageId) && pageId !== page) {
        page = pageId;
        pageReady = pageReady.then(lockForNewPage).catch(() => {});
      }
      await pageReady;
      if (req.url === STATION_EVENTS_PATH && options.events) {
        if (req.method !== 'GET') return fail(res, 'not_found', 'the event stream is read with GET');
        return streamEvents(options.events, req, res);
      }
      const m = /^\/api\/([A-Za-z]+)$/.exec(req.url ?? '');
      const call = m?.[1] as StationCall | undefined;
      if (req.method !== 'POST' || !call || !Object.hasOwn(stationApi, call)) return fail(res, 'not_found', 'no such call');
      const raw = await readBody(req);
      if (raw === null) return fail(res, 'bad_request', 'request body too large');
      let json: unknown;
      try {
        json = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch {
        return fail(res, 'bad_request', 'malformed JSON');
      }
      const spec = stationApi[call];
      const bad = findBadText(json, { cleanedLater: new Set('cleaned' in spec ? spec.cleaned : []) });
      if (bad) return fail(res, 'bad_request', badTextMessage(bad));
      const input = spec.input.safeParse(json);
      if (!input.success) {
        const fields = [...new Set(input.error.issues.map((i) => i.path.join('.') || '(body)'))].slice(0, 5);
        return fail(res, 'bad_request', `invalid input: ${fields.join(', ')}`);
      }
      try {
        const handler = handlers[call] as (i: unknown) => Promise<unknown>;
        send(res, 200, spec.output.parse(await handler(input.data)));
      } catch (e) {
        if (e instanceof StationError) return fail(res, e.code, e.message);
        fail(res, 'internal', 'internal error');
      }
    })().catch(() => {
      if (!res.headersSent) fail(res, 'internal', 'internal error');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  // Cookies of 127.0.0.1 are shared by every port: the name keeps two stations' pages apart.
  cookieName = `wardstation_${port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    secret,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A typed client of the loopback host (tests, headless runs); one function per call. */
export function stationHostClient(url: string, secret: string): StationHandlers {
  const client = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const call of Object.keys(stationApi) as StationCall[]) {
    client[call] = async (input) => {
      const r = await fetch(`${url}/api/${call}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [STATION_SECRET_HEADER]: secret },
        body: JSON.stringify(input ?? {}),
      });
      const body = (await r.json()) as { error?: { code: StationErrorCode; message: string } };
      if (!r.ok) throw new StationError(body.error?.code ?? 'internal', body.error?.message ?? `the station answered HTTP ${r.status} without a reason: restart the station, and call IT support if it happens again`);
      return stationApi[call].output.parse(body);
    };
  }
  return client as unknown as StationHandlers;
}

export interface StationHostEvents extends StationEventSource {
  /** Resolves once the stream is open: events from then on arrive. */
  opened: Promise<void>;
  close(): void;
}

/** A Node client of the loopback host's event stream (tests, headless runs). */
export function stationHostEvents(url: string, secret: string): StationHostEvents {
  const listeners = new Map<StationEventName, Set<(payload: unknown) => void>>();
  const ctl = new AbortController();
  const opened = (async () => {
    const r = await fetch(`${url}${STATION_EVENTS_PATH}`, { headers: { [STATION_SECRET_HEADER]: secret }, signal: ctl.signal });
    if (!r.ok || !r.body) throw new StationError('internal', `the station's event stream answered HTTP ${r.status}: restart the station, and call IT support if it happens again`);
    const parse = createEventStreamParser(({ name, data }) => {
      if (!Object.hasOwn(stationEvents, name)) return;
      const payload = stationEvents[name as StationEventName].parse(JSON.parse(data));
      for (const l of listeners.get(name as StationEventName) ?? []) l(payload);
    });
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parse(value);
      }
    })().catch(() => {});
  })();
  opened.catch(() => {});
  return {
    opened,
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    close: () => ctl.abort(),
  };
}
