import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { app } from 'electron';
import { stationApi, stationEvents, type StationHandlers } from '../../contract/station-api';
import { StationError } from '../core/errors';
import { loadStationConfig } from '../core/config';
import { createStation } from '../core/station';
import { runShell } from './app';
import { createElectronUpdater } from './updater';
import { storeKeyFromSafeStorage } from './store-key';

/*
 * The Electron entry (bundled by scripts/build-electron.ts into out/electron/main.cjs). The
 * station's data lives in WARDSTATION_STATION_DATA or Electron's userData folder; the launcher
 * may hand over the enrolment (server URL and a file holding the station credential).
 */

const here = __dirname;
const config = loadStationConfig();
const dataDir = config.dataDir ?? path.join(app.getPath('userData'), 'station');
const rendererDir = config.rendererDir ?? path.resolve(here, '..', '..', 'dist', 'station');

/** The release public key electron-builder ships next to the app (extraResources), unless WARDSTATION_RELEASE_PUBLIC_KEY names another. */
function releaseKey(): { releasePublicKey?: string; releasePublicKeyFile?: string } {
  if (config.releasePublicKeyFile) return { releasePublicKeyFile: config.releasePublicKeyFile };
  const file = path.join(process.resourcesPath ?? '', 'release-public-key.pem');
  return existsSync(file) ? { releasePublicKey: readFileSync(file, 'utf8') } : {};
}

function enrolment(): { serverUrl?: string; credential?: string } {
  const { serverUrl, credentialFile: file } = config;
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
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const station = createStation({
      dataDir,
      storeKey: storeKeyFromSafeStorage(path.join(dataDir, 'store.key.safe')),
      ...enrolment(),
      ...releaseKey(),
      ...(config.appVersion ? { appVersion: config.appVersion } : {}),
      packageVersion: app.getVersion(),
      updater: createElectronUpdater,
    });
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
