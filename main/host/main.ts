import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadStationConfig } from '../core/config';
import { createStation } from '../core/station';
import { loadCookieKey } from './cookie-key';
import { startStationHost } from './http-host';
import { createNodeUpdater } from './node-updater';

/*
 * A headless station: `tsx main/host/main.ts --data <folder> [--server <url> --credential-file <file>]`
 * (or the credential in WARDSTATION_STATION_CREDENTIAL): never on the command line, where every
 * user of the machine can read it in the process list.
 * Prints the loopback URL and the per-launch secret on stdout. With --static, also serves the
 * built station renderer (open <url>/#secret=<secret>).
 */
const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    server: { type: 'string' },
    credential: { type: 'string' },
    'credential-file': { type: 'string' },
    port: { type: 'string' },
    'offline-hours': { type: 'string' },
    'idle-lock': { type: 'string' },
    static: { type: 'string' },
  },
});
if (!values.data) {
  console.error('usage: main/host/main.ts --data <folder> [--server <url> --credential-file <file>] [--port <n>] [--offline-hours <h>] [--idle-lock <seconds>] [--static <dist/station>]');
  process.exit(2);
}
if (values.credential !== undefined) {
  console.error('error: the station credential is not taken on the command line: give --credential-file <file> or WARDSTATION_STATION_CREDENTIAL');
  process.exit(2);
}
const config = loadStationConfig();
const credential = values['credential-file'] ? readFileSync(values['credential-file'], 'utf8').trim() : config.credential;
const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));
// The release public key shipped with the station, unless WARDSTATION_RELEASE_PUBLIC_KEY names another.
const shippedKey = fileURLToPath(new URL('../core/update/release-public-key.pem', import.meta.url));
const station = createStation({
  packageVersion: (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version,
  updater: createNodeUpdater,
  ...(config.releasePublicKeyFile ? { releasePublicKeyFile: config.releasePublicKeyFile } : existsSync(shippedKey) ? { releasePublicKey: readFileSync(shippedKey, 'utf8') } : {}),
  ...(config.appVersion ? { appVersion: config.appVersion } : {}),
  dataDir: values.data,
  ...(values.server ? { serverUrl: values.server } : {}),
  ...(credential ? { credential } : {}),
  ...(values['offline-hours'] ? { offlineUnlockHours: Number(values['offline-hours']) } : {}),
  ...(values['idle-lock'] ? { idleLockSeconds: Number(values['idle-lock']) } : {}),
});
const host = await startStationHost(station.handlers, { cookieKey: loadCookieKey(values.data), events: station.events, ...(values.port ? { port: Number(values.port) } : {}), ...(values.static ? { staticDir: values.static } : {}) });
console.log(JSON.stringify({ url: host.url, secret: host.secret }));
const stop = () => {
  void host.close().then(() => station.close()).then(() => process.exit(0));
};
// An uncaught error in the core is a crash: counted in the store (reported with the next sync), then the process ends.
process.on('uncaughtException', (e) => {
  station.health.crash();
  console.error(`station core crashed: ${e.name}`);
  process.exit(70);
});
process.on('unhandledRejection', () => station.health.error());
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
