import { createEventStreamParser } from '../../contract/event-stream';
import { asSentence, stationErrorInWords } from '../../contract/errors';
import {
  STATION_EVENTS_PATH,
  STATION_PAGE_HEADER,
  STATION_SECRET_HEADER,
  StationErrorCode,
  stationApi,
  stationEvents,
  type StationCall,
  type StationEventListener,
  type StationEventName,
  type StationInput,
  type StationOutput,
} from '../../contract/station-api';

/*
 * The renderer's only way to the station: the typed station API. In Electron the preload puts
 * one function per call on `window.station`; in a browser the same calls go to main/host on
 * loopback with the per-launch secret, which the launcher passes in the URL fragment. The secret
 * is read once, kept in memory only, and removed from the address bar.
 */

export type StationClient = { [K in StationCall]: (input: StationInput<K>) => Promise<StationOutput<K>> };

/** What the Electron preload puts on `window.stationEvents`: one subscribe function per event. */
export type StationEventsBridge = { [K in StationEventName]: (listener: StationEventListener<K>) => () => void };

declare global {
  interface Window {
    station?: StationClient;
    stationEvents?: StationEventsBridge;
  }
}

export class StationCallError extends Error {
  constructor(
    readonly code: StationErrorCode | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

function takeSecret(): string {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const secret = params.get('secret') ?? '';
  if (secret) window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return secret;
}

/**
 * Trades the launch secret, once, for the host's HttpOnly page cookie: after a reload (which
 * has no secret) the cookie still reaches the station. Without a secret the cookie is all there is.
 */
function exchangeSecret(secret: string): Promise<void> {
  if (!secret) return Promise.resolve();
  return fetch('/api/session', { method: 'POST', headers: { [STATION_SECRET_HEADER]: secret } }).then(
    () => undefined,
    () => undefined,
  );
}

/** This page load's id (STATION_PAGE_HEADER): the host locks an open session when a new page appears. */
const pageId = crypto.randomUUID();

function httpClient(secret: string): StationClient {
  const client = {} as Record<string, (input: unknown) => Promise<unknown>>;
  const ready = exchangeSecret(secret);
  for (const call of Object.keys(stationApi) as StationCall[]) {
    client[call] = async (input) => {
      let res: Response;
      await ready;
      try {
        res = await fetch(`/api/${call}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [STATION_PAGE_HEADER]: pageId },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new StationCallError('unreachable', 'The station service is not running. Start the station again from its shortcut.');
      }
      const body = (await res.json().catch(() => null)) as { error?: { code: StationErrorCode; message: string } } | null;
      if (!res.ok) throw new StationCallError(body?.error?.code ?? 'internal', body?.error?.message ?? `HTTP ${res.status}`);
      return stationApi[call].output.parse(body);
    };
  }
  return client as unknown as StationClient;
}

function electronClient(bridge: StationClient): StationClient {
  const client = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const call of Object.keys(stationApi) as StationCall[]) {
    client[call] = async (input) => {
      try {
        return await (bridge[call] as (i: unknown) => Promise<unknown>)(input);
      } catch (e) {
        // Electron passes only a message across IPC; main/electron/main.ts puts the code in front.
        const text = (e instanceof Error ? e.message : String(e)).replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
        const m = /^([a-z_]+): (.*)$/s.exec(text);
        const code = StationErrorCode.safeParse(m?.[1]);
        throw new StationCallError(code.success ? code.data : 'internal', m?.[2] ?? text);
      }
    };
  }
  return client as unknown as StationClient;
}

/**
 * The station's events (contract: stationEvents), so that no screen polls. `onOpen` runs each
 * time the channel (re)opens: a screen reads there what it may have missed while it was down.
 */
export interface StationEventsClient {
  on<K extends StationEventName>(name: K, listener: StationEventListener<K>): () => void;
  onOpen(listener: () => void): () => void;
}

function httpEvents(secret: string): StationEventsClient {
  const listeners = new Map<StationEventName, Set<(payload: unknown) => void>>();
  const openers = new Set<() => void>();
  let started = false;
  let delayMs = 500;
  const dispatch = createEventStreamParser(({ name, data }) => {
    if (!Object.hasOwn(stationEvents, name)) return;
    const parsed = stationEvents[name as StationEventName].safeParse(JSON.parse(data));
    if (parsed.success) for (const l of listeners.get(name as StationEventName) ?? []) l(parsed.data);
  });
  // One stream for the whole page; when it drops (the station restarted), it comes back with backoff.
  const connect = async () => {
    try {
      const res = await fetch(STATION_EVENTS_PATH, { headers: { [STATION_SECRET_HEADER]: secret, [STATION_PAGE_HEADER]: pageId }, cache: 'no-store' });
      if (res.ok && res.body) {
        delayMs = 500;
        for (const f of openers) f();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          dispatch(value);
        }
      }
    } catch {
      // Unreachable or dropped: try again below.
    }
    setTimeout(() => void connect(), delayMs);
    delayMs = Math.min(delayMs * 2, 10_000);
  };
  return {
    on(name, listener) {
      if (!started) {
        started = true;
        void connect();
      }
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    onOpen(listener) {
      openers.add(listener);
      return () => openers.delete(listener);
    },
  };
}

function electronEvents(bridge: StationEventsBridge): StationEventsClient {
  return {
    on: (name, listener) => bridge[name](listener),
    // IPC does not drop while the window lives: there is nothing to catch up on.
    onOpen: () => () => {},
  };
}

const secret = window.station ? '' : takeSecret();
export const station: StationClient = window.station ? electronClient(window.station) : httpClient(secret);
export const stationEventsClient: StationEventsClient = window.stationEvents ? electronEvents(window.stationEvents) : httpEvents(secret);

/** Station errors in words a clinician can act on (contract/errors.ts stationErrorInWords). */
export function messageOf(e: unknown): string {
  if (e instanceof StationCallError) return e.code === 'unreachable' ? e.message : stationErrorInWords(e.code, e.message);
  return e instanceof Error ? asSentence(e.message) : 'Something went wrong. Try again; if it keeps happening, call IT support.';
}
