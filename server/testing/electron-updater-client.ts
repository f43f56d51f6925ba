import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configureRequestOptions, configureRequestUrl, HttpExecutor, type DownloadOptions } from 'builder-util-runtime';
import updater from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';

/*
 * electron-updater's real client code, in plain Node. AppUpdater accepts an app adapter in
 * place of Electron's `app`; given one, it leaves its HTTP executor unset (the Electron one uses
 * `net`), so we hand it builder-util-runtime's HttpExecutor over node:http. Everything else
 * (GenericProvider, channel file names, YAML parsing, version comparison, allowDowngrade, the
 * request headers) is electron-updater's own. The feed URL is set after the executor, because
 * setFeedURL captures the executor.
 */

/** builder-util-runtime's executor over node:http; download() as ElectronHttpExecutor does it (sha512 checked by doDownload). */
export class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: any, callback: (response: any) => void): ClientRequest {
    return request(options, callback);
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

export interface TestUpdater {
  updater: InstanceType<typeof updater.DebUpdater>;
  cacheDir: string;
  executor: NodeHttpExecutor;
  close(): void;
}

export function createTestUpdater(options: { feedUrl: string; version: string; credential: string; allowDowngrade: boolean }): TestUpdater {
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-updater-'));
  // What electron-builder writes into a packaged app (resources/app-update.yml).
  writeFileSync(path.join(dir, 'app-update.yml'), `provider: generic\nurl: ${JSON.stringify(options.feedUrl)}\nupdaterCacheDirName: wardstation-updater\n`);
  const app: AppAdapter = {
    version: options.version,
    name: 'WardStation',
    isPackaged: true,
    appUpdateConfigPath: path.join(dir, 'app-update.yml'),
    userDataPath: dir,
    baseCachePath: dir,
    whenReady: () => Promise.resolve(),
    relaunch() {},
    quit() {},
    onQuit() {},
  };
  const u = new updater.DebUpdater(null, app);
  const executor = new NodeHttpExecutor();
  (u as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = executor;
  u.logger = null;
  u.autoDownload = false;
  u.autoInstallOnAppQuit = false;
  u.allowDowngrade = options.allowDowngrade;
  u.setFeedURL({ provider: 'generic', url: options.feedUrl });
  u.addAuthHeader(`Bearer ${options.credential}`);
  return { updater: u, executor, cacheDir: path.join(dir, 'wardstation-updater'), close: () => rmSync(dir, { recursive: true, force: true }) };
}
