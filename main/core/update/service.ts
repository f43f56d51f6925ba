import type { KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { ReleaseSignal } from '../../../contract/releases';
import { updateFeedFolder } from '../../../contract/server-api';
import type { UpdateStatus } from '../../../contract/station-api';
import type { Health } from '../health';
import { createUpdatePolicy, DEFAULT_UPDATE_POLICY, safeToInstall, type StationActivity, type UpdatePolicyOptions } from './policy';
import { SignatureError, verifyDownloaded, verifyOffer, type OfferedFile } from './signature';

/*
 * The station's update service (DESIGN §7), the same in Electron and under main/host: it drives
 * the update policy with electron-updater's own code (the driver: autoUpdater in Electron, the
 * same library with an app adapter in plain Node), refuses any release whose signature does not
 * verify, and installs only when the policy says. Everything up to the install is this code;
 * only the install differs (quitAndInstall, or "ready, waiting for the installer").
 */

export interface UpdateOffer {
  version: string;
  files: OfferedFile[];
}

export interface UpdaterDriver {
  /** Reads the feed; null when it offers nothing or the version already running. */
  check(): Promise<UpdateOffer | null>;
  /** Downloads what the last check offered (electron-updater verifies its sha512); the files. */
  download(): Promise<string[]>;
  /** Quits and installs (Electron). Absent: no installer in this host. */
  install?(version: string): void;
}

/** What electron-updater's AppUpdater offers, structurally (main/core does not load the library). */
export interface ElectronUpdaterLike {
  checkForUpdates(): Promise<{ isUpdateAvailable?: boolean; updateInfo: { version: string; files: unknown } } | null>;
  downloadUpdate(): Promise<string[]>;
}

/** The driver over an electron-updater instance, the same for autoUpdater and the Node app adapter. */
export function electronUpdaterDriver(u: ElectronUpdaterLike, install?: (version: string) => void): UpdaterDriver {
  return {
    async check() {
      try {
        const r = await u.checkForUpdates();
        if (!r?.isUpdateAvailable) return null;
        return { version: r.updateInfo.version, files: r.updateInfo.files as OfferedFile[] };
      } catch (e) {
        // The feed answers 404 when no release is meant for this station.
        if ((e as { code?: string }).code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND') return null;
        throw e;
      }
    },
    download: () => u.downloadUpdate(),
    ...(install ? { install } : {}),
  };
}

export interface DriverConfig {
  /** The channel's feed folder, e.g. https://server/updates/stable. */
  feedUrl: string;
  credential: string;
  currentVersion: string;
  /** Where downloads are kept (the station's data folder). */
  cacheDir: string;
}
export type UpdaterFactory = (config: DriverConfig) => UpdaterDriver;

export interface UpdateServiceOptions {
  factory: UpdaterFactory;
  currentVersion: string;
  channel: string;
  publicKey: KeyObject | null;
  cacheDir: string;
  /** The enrolled server and credential, or null. */
  server(): { url: string; credential: string } | null;
  activity(): StationActivity;
  health: Health;
  /** An installer for hosts without one (fleet and tests play it): given the downloaded files. */
  installer?: (version: string, files: string[]) => void;
  policy?: Partial<UpdatePolicyOptions>;
  now?: () => number;
  /** The status may have changed (the station emits its updateStatus event). */
  onChange?: () => void;
}

export interface UpdateService {
  status(): UpdateStatus;
  onSignal(signal: ReleaseSignal): void;
  /** Check now (the station came back online, or a test asks). */
  checkNow(): Promise<void>;
  /** Locked, unlocked, a save finished: a moment to try installing. */
  activityChanged(): void;
  start(): void;
  stop(): void;
}

export function createUpdateService(o: UpdateServiceOptions): UpdateService {
  const now = o.now ?? Date.now;
  const policyOptions = { ...DEFAULT_UPDATE_POLICY, ...o.policy };
  let driver: { key: string; d: UpdaterDriver } | null = null;
  let offered: UpdateOffer | null = null;
  let offeredVersion: string | null = null;
  let files: string[] = [];
  let lastCheckedAt: string | null = null;
  let error: string | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  // A check or download that failed for a passing reason (server busy or unreachable) is tried
  // again soon, with jittered backoff: a burst after a rollback must not leave a station on the
  // bad version until the next 30-minute check. A refused signature is not retried.
  let transient = false;
  let retryMs = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopped = false;

  const currentDriver = (): UpdaterDriver | null => {
    const s = o.server();
    if (!s) return null;
    const feedUrl = `${s.url.replace(/\/+$/, '')}${updateFeedFolder(o.channel)}`;
    const key = `${feedUrl}\n${s.credential}`;
    if (driver?.key !== key) driver = { key, d: o.factory({ feedUrl, credential: s.credential, currentVersion: o.currentVersion, cacheDir: o.cacheDir }) };
    return driver.d;
  };

  const refuse = (e: unknown): never => {
    error = e instanceof Error ? e.message : String(e);
    // A refused artifact is a health error: the gate sees a release nobody can install.
    if (e instanceof SignatureError) o.health.error();
    throw e;
  };

  const policy = createUpdatePolicy(
    {
      async check() {
        o.onChange?.();
        const d = currentDriver();
        if (!d) return null;
        let offer: UpdateOffer | null;
        try {
          offer = await d.check();
        } catch (e) {
          // Offline or a server error: not the release's fault; try again at the next signal.
          error = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : 'update check failed';
          transient = true;
          throw e;
        } finally {
          lastCheckedAt = new Date(now()).toISOString();
        }
        offered = offer;
        offeredVersion = offer?.version ?? null;
        if (!offer) {
          error = null;
          return null;
        }
        try {
          verifyOffer(o.publicKey, offer.version, offer.files);
        } catch (e) {
          refuse(e);
        }
        error = null;
        return offer.version;
      },
      async download(version) {
        o.onChange?.();
        const d = currentDriver();
        const offer = offered;
        if (!d || !offer || offer.version !== version) throw new Error('the offer changed before its download');
        let got: string[];
        try {
          got = await d.download();
        } catch (e) {
          // electron-updater refuses a file whose sha512 differs from the feed's; or the server was busy.
          o.health.error();
          transient = true;
          return refuse(new Error(`download of ${version} failed: ${e instanceof Error ? e.message.split('\n')[0] : 'unknown'}`));
        }
        try {
          if (!got[0]) throw new SignatureError(`release ${version}: nothing was downloaded`);
          await verifyDownloaded(o.publicKey, version, offer.files, got[0]);
        } catch (e) {
          for (const f of got) rmSync(f, { force: true });
          refuse(e);
        }
        files = got;
        error = null;
      },
      install(version) {
        if (o.installer) {
          o.installer(version, files);
          return true;
        }
        const d = currentDriver();
        if (!d?.install) return false; // main/host: ready, waiting for the installer
        d.install(version);
        return true;
      },
      activity: () => o.activity(),
    },
    policyOptions,
  );

  const check = async (): Promise<void> => {
    transient = false;
    await policy.onServerSignal();
    if (stopped) return;
    o.onChange?.();
    if (!transient) {
      retryMs = 0;
      return;
    }
    retryMs = retryMs ? Math.min(retryMs * 2, 5 * 60_000) : 2000;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void check();
    }, Math.floor(retryMs / 2 + Math.random() * retryMs));
    retryTimer.unref();
  };

  const waitingFor = (): UpdateStatus['waitingFor'] => {
    // A re-check (every signal and period asks again) keeps the download it has: what the
    // install waits for does not blink to nothing while the server is asked.
    const phase = policy.phase;
    if (policy.readyVersion === null || (phase !== 'ready' && phase !== 'checking')) return null;
    return safeToInstall(o.activity(), policyOptions) ? 'installer' : 'lock';
  };

  return {
    status() {
      const phase = policy.phase;
      return {
        currentVersion: o.currentVersion,
        offeredVersion,
        downloadedVersion: policy.readyVersion,
        state: phase === 'idle' && error ? 'error' : phase,
        waitingFor: waitingFor(),
        lastCheckedAt,
        error,
      };
    },
    onSignal(signal) {
      if (signal.channel === o.channel && signal.kind !== 'flags') void check();
    },
    checkNow: check,
    activityChanged: () => {
      policy.onActivityChange();
      o.onChange?.();
    },
    start() {
      policy.start();
      // An unlocked station becomes idle without any event: look again every minute.
      idleTimer ??= setInterval(() => policy.onActivityChange(), 60_000);
      idleTimer.unref();
    },
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      policy.stop();
      if (idleTimer) clearInterval(idleTimer);
      idleTimer = null;
    },
  };
}
