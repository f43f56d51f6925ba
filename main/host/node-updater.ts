import { mkdirSync, writeFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { configureRequestOptions, configureRequestUrl, HttpExecutor, type DownloadOptions } from 'builder-util-runtime';
import updater from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import { electronUpdaterDriver, type DriverConfig, type UpdaterDriver } from '../core/update/service';
import { UPDATER_SETTINGS } from '../core/update/policy';

/*
 * electron-updater's own updater code in plain Node, for stations under main/host: AppUpdater
 * takes an app adapter in place of Electron's `app`, and builder-util-runtime's HttpExecutor
 * over node:http(s) in place of Electron's `net`. The generic provider, the channel file, YAML
 * parsing, version comparison, allowDowngrade and the sha512 check of the download are all
 * electron-updater's. There is no installer here: the download stays in the station's data folder.
 */

class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: any, callback: (response: any) => void): ClientRequest {
    // A connection of its own per request: HttpExecutor sets a timeout callback on the request's
    // socket, and on a kept-alive socket every check of the channel file left one more behind.
    return (options.protocol === 'https:' ? httpsRequest : request)({ ...options, agent: false }, callback);
  }

  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: any = { headers: options.headers || undefined, redirect: 'manual' };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        { destination, options, onCancel, callback: (error) => (error == null ? resolve(destination) : reject(error)), responseHandler: null },
        0,
      );
    });
  }
}

export function createNodeUpdater(config: DriverConfig): UpdaterDriver {
  const dir = path.join(config.cacheDir, 'updates');
  mkdirSync(dir, { recursive: true });
  // What electron-builder writes into a packaged app (resources/app-update.yml).
  const configPath = path.join(dir, 'app-update.yml');
  writeFileSync(configPath, `provider: generic\nurl: ${JSON.stringify(config.feedUrl)}\nupdaterCacheDirName: downloads\n`);
  const app: AppAdapter = {
    version: config.currentVersion,
    name: 'WardStation',
    isPackaged: true,
    appUpdateConfigPath: configPath,
    userDataPath: dir,
    baseCachePath: dir,
    whenReady: () => Promise.resolve(),
    relaunch() {},
    quit() {},
    onQuit() {},
  };
  const u = process.platform === 'win32' ? new updater.NsisUpdater(null, app) : new updater.DebUpdater(null, app);
  (u as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new NodeHttpExecutor();
  u.logger = null;
  Object.assign(u, UPDATER_SETTINGS);
  u.setFeedURL({ provider: 'generic', url: config.feedUrl });
  u.addAuthHeader(`Bearer ${config.credential}`);
  const driver = electronUpdaterDriver(u);
  // electron-updater's DebUpdater/NsisUpdater take only their own package type and fail with a
  // bare TypeError on anything else: say what the release lacks instead.
  const kind = process.platform === 'win32' ? '.exe' : '.deb';
  let offered: string[] = [];
  return {
    ...driver,
    async check() {
      const offer = await driver.check();
      offered = offer ? offer.files.map((f) => f.url) : [];
      return offer;
    },
    async download() {
      if (!offered.some((url) => url.toLowerCase().split(/[?#]/)[0]!.endsWith(kind))) {
        throw new Error(`the release has no ${kind} file for this station (it offers ${offered.map((url) => url.split('/').pop()).join(', ') || 'nothing'})`);
      }
      return driver.download();
    },
  };
}
