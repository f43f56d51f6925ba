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

function httpClient(secret: string): StationClient {
  const client = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const call of Object.keys(stationApi) as StationCall[]) {
    client[call] = async (input) => {
      let res: Response;
      try {
        res = await fetch(`/api/${call}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [STATION_SECRET_HEADER]: secret },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new StationCallError('unreachable', 'the station service is not running');
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

export function messageOf(e: unknown): string {
  if (e instanceof StationCallError) {
    if (e.code === 'unauthorized') return e.message.includes('password') || e.message.includes('invalid') ? 'Sign-in failed: check the username, password and branch.' : e.message;
    return e.message;
  }
  return e instanceof Error ? e.message : 'Something went wrong.';
}
