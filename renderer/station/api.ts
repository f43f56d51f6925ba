import { STATION_SECRET_HEADER, StationErrorCode, stationApi, type StationCall, type StationInput, type StationOutput } from '../../contract/station-api';

/*
 * The renderer's only way to the station: the typed station API. In Electron the preload puts
 * one function per call on `window.station`; in a browser the same calls go to main/host on
 * loopback with the per-launch secret, which the launcher passes in the URL fragment. The secret
 * is read once, kept in memory only, and removed from the address bar.
 */

export type StationClient = { [K in StationCall]: (input: StationInput<K>) => Promise<StationOutput<K>> };

declare global {
  interface Window {
    station?: StationClient;
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
          headers: { 'content-type': 'application/json' },
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

export const station: StationClient = window.station ? electronClient(window.station) : httpClient(takeSecret());

/** Station errors in words a clinician can act on. */
export function messageOf(e: unknown): string {
  if (e instanceof StationCallError) {
    if (e.code === 'unauthorized') {
      if (e.message.includes('wrong password')) return 'Wrong password. Try again, or use Switch user.';
      if (e.message.includes('password') || e.message.includes('invalid')) return 'Sign-in failed: check your username and password.';
      if (e.message.includes('too many')) return 'Too many sign-in attempts. Wait 15 minutes, or ask a colleague to sign in.';
      return e.message;
    }
    if (e.code === 'offline') return e.message.includes('expired') ? 'The server cannot be reached, and your offline sign-in has expired. Sign in again when the network is back.' : `The server cannot be reached: ${e.message}`;
    if (e.code === 'locked') return 'The station is locked. Unlock it with your password.';
    if (e.code === 'internal') return 'Something went wrong in the station. Try again; if it keeps happening, call IT.';
    return e.message;
  }
  return e instanceof Error ? e.message : 'Something went wrong.';
}
