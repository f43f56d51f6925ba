import electronUpdater from 'electron-updater';
import { UPDATER_SETTINGS } from '../core/update/policy';
import { electronUpdaterDriver, type DriverConfig, type UpdaterDriver } from '../core/update/service';

/*
 * The Electron shell's updater: electron-updater's autoUpdater with the policy's settings
 * (allowDowngrade, no auto download, no install on quit), pointed at the enrolled server's feed
 * with the station credential. Every decision (when to check, whether a signature verifies,
 * when to install) is the core's update service; this module only performs them.
 */
export function createElectronUpdater(config: DriverConfig): UpdaterDriver {
  const u = electronUpdater.autoUpdater;
  Object.assign(u, UPDATER_SETTINGS);
  u.logger = null;
  u.setFeedURL({ provider: 'generic', url: config.feedUrl });
  u.addAuthHeader(`Bearer ${config.credential}`);
  // Silent install, then start the new (or, after a rollback, the previous) version again.
  return electronUpdaterDriver(u, () => u.quitAndInstall(true, true));
}
