import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createStation } from '../main/core/station';
import { loadCookieKey } from '../main/host/cookie-key';
import { startStationHost } from '../main/host/http-host';
import { createNodeUpdater } from '../main/host/node-updater';
import { ensureUiBuilt } from './build-ui';
import { buildElectron, electronBinary } from './build-electron';
import type { DemoStation } from './demo-station';
import { stationConfigFromEnv } from '../main/core/config';
import { environment, type LauncherConfig } from './config';

/*
 * Opens the station for `npm start`: in Electron where its runtime is installed; otherwise the
 * station core and main/host in this process on loopback, serving the built renderer, with the
 * address (and its per-launch secret) printed and opened in the system's browser if there is one.
 */
export interface LaunchedStation {
  mode: 'electron' | 'browser';
  url: string | null;
  stop(): Promise<void>;
}

function openInBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {}
}

/** `releases`: the release key and artifact store the server uses, handed to the station too. */
export async function launchStation(
  serverUrl: string,
  demo: DemoStation,
  launcher: LauncherConfig,
  releases: { WARDSTATION_RELEASE_PUBLIC_KEY: string },
  onExit: () => void,
): Promise<LaunchedStation> {
  const stationDir = await ensureUiBuilt('station');
  const binary = electronBinary();
  if (binary && !launcher.stationInBrowser) {
    const main = await buildElectron();
    const child: ChildProcess = spawn(binary, [main], {
      stdio: 'inherit',
      env: {
        ...environment(),
        ...releases,
        WARDSTATION_STATION_DATA: path.join(demo.dir, 'data'),
        WARDSTATION_RENDERER_DIR: stationDir,
        WARDSTATION_SERVER_URL: serverUrl,
        WARDSTATION_STATION_CREDENTIAL_FILE: demo.credentialFile,
      },
    });
    child.once('exit', onExit);
    return {
      mode: 'electron',
      url: null,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
      },
    };
  }
  // The station's own settings (WARDSTATION_APP_VERSION), checked as main/core/config.ts checks them.
  const { appVersion } = stationConfigFromEnv(environment());
  // The same update service as every station: it downloads and verifies, then waits for an installer.
  const station = createStation({
    dataDir: path.join(demo.dir, 'data'),
    serverUrl,
    credential: demo.credential,
    packageVersion: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    updater: createNodeUpdater,
    releasePublicKeyFile: releases.WARDSTATION_RELEASE_PUBLIC_KEY,
    ...(appVersion ? { appVersion } : {}),
  });
  const port = launcher.stationPort;
  const host = await startStationHost(station.handlers, { staticDir: stationDir, port, events: station.events, cookieKey: loadCookieKey(path.join(demo.dir, 'data')) });
  const url = `${host.url}/#secret=${encodeURIComponent(host.secret)}`;
  if (launcher.openBrowser) openInBrowser(url);
  return {
    mode: 'browser',
    url,
    async stop() {
      await host.close();
      await station.close();
    },
  };
}
