import type { KeyObject } from 'node:crypto';
import type { ReleaseSignal } from '../../../contract/releases';
import type { UpdateStatus } from '../../../contract/station-api';
import type { Health } from '../health';
import { type StationActivity, type UpdatePolicyOptions } from './policy';
import { type OfferedFile } from './signature';
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
    checkForUpdates(): Promise<{
        isUpdateAvailable?: boolean;
        updateInfo: {
            version: string;
            files: unknown;
        };
    } | null>;
    downloadUpdate(): Promise<string[]>;
}
/** The driver over an electron-updater instance, the same for autoUpdater and the Node app adapter. */
export declare function electronUpdaterDriver(u: ElectronUpdaterLike, install?: (version: string) => void): UpdaterDriver;
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
    server(): {
        url: string;
        credential: string;
    } | null;
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
export declare function createUpdateService(o: UpdateServiceOptions): UpdateService;
