import { z } from 'zod';

/*
 * The configuration of the processes that start from scripts/: the launcher (`npm start`) and the
 * tools (admin CLI, seed, notes CLI, test runner). The one place in scripts/ that reads the
 * environment (a lint rule in eslint.config.js forbids process.env elsewhere): the launcher's own
 * settings are checked here with zod at start-up, a bad value stopping it with one sentence naming
 * the variable; the server's and the station's settings are checked by their own modules
 * (server/config.ts, main/core/config.ts), which the launcher hands this environment.
 */

export type Env = Readonly<Record<string, string | undefined>>;

let snapshot: Env | null = null;
/** The process's environment, read once: for the tools, for the server's configuration, and to pass on to child processes. */
export function environment(): Env {
  snapshot ??= Object.freeze({ ...process.env });
  return snapshot;
}

export interface LauncherConfig {
  /** WARDSTATION_VERBOSE=1: the server's request log on the terminal. */
  verbose: boolean;
  /** WARDSTATION_BROWSER=1: the station in the browser even where Electron is installed. */
  stationInBrowser: boolean;
  /** STATION_PORT: the browser station's loopback port; 0: any free one. */
  stationPort: number;
  /** WARDSTATION_NO_OPEN=1: print the station's address, open no browser. */
  openBrowser: boolean;
}

export class LauncherConfigError extends Error {}

const flag = (name: string) => z.enum(['', '0', '1'], { error: `${name} must be 1 or 0` }).optional();

const LauncherEnv = z.object({
  WARDSTATION_VERBOSE: flag('WARDSTATION_VERBOSE'),
  WARDSTATION_BROWSER: flag('WARDSTATION_BROWSER'),
  WARDSTATION_NO_OPEN: flag('WARDSTATION_NO_OPEN'),
  STATION_PORT: z
    .string()
    .optional()
    .refine((v) => !v || (/^\d+$/.test(v) && Number(v) <= 65535), 'STATION_PORT must be a whole number from 0 to 65535'),
});

export function launcherConfigFromEnv(env: Env): LauncherConfig {
  const parsed = LauncherEnv.safeParse(env);
  if (!parsed.success) throw new LauncherConfigError(parsed.error.issues[0]!.message);
  const e = parsed.data;
  return {
    verbose: e.WARDSTATION_VERBOSE === '1',
    stationInBrowser: e.WARDSTATION_BROWSER === '1',
    stationPort: e.STATION_PORT ? Number(e.STATION_PORT) : 0,
    openBrowser: e.WARDSTATION_NO_OPEN !== '1',
  };
}
