import { z } from 'zod';

/*
 * The station's configuration from its environment: the one place in main/ that reads it (a lint
 * rule in eslint.config.js forbids process.env elsewhere). main/host and main/electron read it
 * once at start-up and hand the values to createStation as options; a bad value stops the station
 * with one sentence naming the variable (never its value: a credential is one).
 */

export interface StationConfig {
  /** WARDSTATION_STATION_DATA (Electron): the station's data folder; else Electron's userData. */
  dataDir: string | null;
  /** WARDSTATION_RENDERER_DIR (Electron): the built renderer; else the one next to the app. */
  rendererDir: string | null;
  /** WARDSTATION_SERVER_URL + WARDSTATION_STATION_CREDENTIAL_FILE (Electron): the enrolment the launcher hands over. */
  serverUrl: string | null;
  credentialFile: string | null;
  /** WARDSTATION_STATION_CREDENTIAL (main/host): the credential itself, when no file is given. */
  credential: string | null;
  /** WARDSTATION_RELEASE_PUBLIC_KEY: a PEM file updates must verify with; else the key shipped with the station. */
  releasePublicKeyFile: string | null;
  /** WARDSTATION_APP_VERSION: the version the station reports, instead of its package's. */
  appVersion: string | null;
}

export class StationConfigError extends Error {}

const text = z
  .string()
  .optional()
  .transform((v) => (v ? v : null));

const StationEnv = z.object({
  WARDSTATION_STATION_DATA: text,
  WARDSTATION_RENDERER_DIR: text,
  WARDSTATION_SERVER_URL: text.refine((v) => v === null || /^https?:\/\/[^\s]+$/.test(v), 'WARDSTATION_SERVER_URL must be an http(s) URL'),
  WARDSTATION_STATION_CREDENTIAL_FILE: text,
  WARDSTATION_STATION_CREDENTIAL: text,
  WARDSTATION_RELEASE_PUBLIC_KEY: text,
  WARDSTATION_APP_VERSION: text.refine((v) => v === null || /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v), 'WARDSTATION_APP_VERSION must be a version like 1.2.3'),
});

export function stationConfigFromEnv(env: Record<string, string | undefined>): StationConfig {
  const parsed = StationEnv.safeParse(env);
  if (!parsed.success) throw new StationConfigError(parsed.error.issues[0]!.message);
  const e = parsed.data;
  if ((e.WARDSTATION_SERVER_URL === null) !== (e.WARDSTATION_STATION_CREDENTIAL_FILE === null) && e.WARDSTATION_STATION_CREDENTIAL === null) {
    throw new StationConfigError('WARDSTATION_SERVER_URL and WARDSTATION_STATION_CREDENTIAL_FILE go together: set both or neither');
  }
  return {
    dataDir: e.WARDSTATION_STATION_DATA,
    rendererDir: e.WARDSTATION_RENDERER_DIR,
    serverUrl: e.WARDSTATION_SERVER_URL,
    credentialFile: e.WARDSTATION_STATION_CREDENTIAL_FILE,
    credential: e.WARDSTATION_STATION_CREDENTIAL,
    releasePublicKeyFile: e.WARDSTATION_RELEASE_PUBLIC_KEY,
    appVersion: e.WARDSTATION_APP_VERSION,
  };
}

/** The station process's environment, read once at start-up. */
export function loadStationConfig(): StationConfig {
  return stationConfigFromEnv(process.env);
}
