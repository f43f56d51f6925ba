import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { app } from 'electron';
import { stationApi, stationEvents, type StationHandlers } from '../../contract/station-api';
import { StationError } from '../core/errors';
import { createStation } from '../core/station';
import { runShell } from './app';
import { createElectronUpdater } from './updater';

/*
 * The Electron entry (bundled by scripts/build-electron.ts into out/electron/main.cjs). The
 * station's data lives in WARDSTATION_STATION_DATA or Electron's userData folder; the launcher
 * may hand over the enrolment (server URL and a file holding the station credential).
 */

const here = __dirname;
const dataDir = process.env.WARDSTATION_STATION_DATA ?? path.join(app.getPath('userData'), 'station');
const rendererDir = process.env.WARDSTATION_RENDERER_DIR ?? path.resolve(here, '..', '..', 'dist', 'station');

/** The release public key electron-builder ships next to the app (extraResources), unless WARDSTATION_RELEASE_PUBLIC_KEY names another. */
function shippedReleaseKey(): { releasePublicKey?: string } {
  const file = path.join(process.resourcesPath ?? '', 'release-public-key.pem');
  return !process.env.WARDSTATION_RELEASE_PUBLIC_KEY && existsSync(file) ? { releasePublicKey: readFileSync(file, 'utf8') } : {};
}

function enrolment(): { serverUrl?: string; credential?: string } {
  const serverUrl = process.env.WARDSTATION_SERVER_URL;
  const file = process.env.WARDSTATION_STATION_CREDENTIAL_FILE;
  if (!serverUrl || !file) return {};
  return { serverUrl, credential: readFileSync(file, 'utf8').trim() };
}

/** Electron passes only the message of an error across IPC: put the station's error code in front. */
function withCodes(handlers: StationHandlers): StationHandlers {
  const out = {} as Record<string, (input: unknown) => Promise<unknown>>;
  for (const [name, fn] of Object.entries(handlers) as [string, (input: unknown) => Promise<unknown>][]) {
    out[name] = async (input) => {
      try {
        return await fn(input);
      } catch (e) {
        if (e instanceof StationError) throw new Error(`${e.code}: ${e.message}`);
        throw new Error('internal: internal error');
      }
    };
  }
  return out as unknown as StationHandlers;
}

runShell({
  rendererDir,
  preloadPath: path.join(here, 'preload.cjs'),
  async createRuntime() {
    const station = createStation({ dataDir, ...enrolment(), ...shippedReleaseKey(), packageVersion: app.getVersion(), updater: createElectronUpdater });
    // Crashes of the renderer and of the core count in the station's health reports.
    app.on('render-process-gone', () => station.health.crash());
    process.on('uncaughtException', (e) => {
      station.health.crash();
      console.error(`station core crashed: ${e.name}`);
      app.exit(70);
    });
    return { contract: stationApi, implementation: withCodes(station.handlers), events: { contract: stationEvents, source: station.events }, close: () => station.close() };
  },
});
