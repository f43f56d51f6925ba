import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpExecutor } from 'builder-util-runtime';
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

class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: any, callback: (response: any) => void): ClientRequest {
    return request(options, callback);
  }
}

export interface TestUpdater {
  updater: InstanceType<typeof updater.DebUpdater>;
  close(): void;
}

export function createTestUpdater(options: { feedUrl: string; version: string; credential: string; allowDowngrade: boolean }): TestUpdater {
  const dir = mkdtempSync(path.join(tmpdir(), 'ws-updater-'));
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
  (u as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new NodeHttpExecutor();
  u.logger = null;
  u.autoDownload = false;
  u.autoInstallOnAppQuit = false;
  u.allowDowngrade = options.allowDowngrade;
  u.setFeedURL({ provider: 'generic', url: options.feedUrl });
  u.addAuthHeader(`Bearer ${options.credential}`);
  return { updater: u, close: () => rmSync(dir, { recursive: true, force: true }) };
}
