import type { StationHandlers } from '../../contract/station-api';
import { type StationEventHub } from './events';
import { type Health } from './health';
import { type Sessions } from './session';
import { type Store, type StoreOptions } from './store';
import { type SyncClient, type SyncClientOptions } from './sync-client';
import type { UpdatePolicyOptions } from './update/policy';
import { type UpdaterFactory, type UpdateService } from './update/service';
export interface StationOptions extends StoreOptions {
    /** Folder of the station's data (station.db). */
    dataDir: string;
    /** Enrolment given at launch (otherwise the `enrol` call stores it). */
    serverUrl?: string;
    credential?: string;
    /** IT's offline-unlock window; default 12 hours. */
    offlineUnlockHours?: number;
    sync?: Partial<Pick<SyncClientOptions, 'batchSize' | 'pullPageSize' | 'pullAhead' | 'pullIntervalMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'random'>>;
    /** IT's idle time before the station's screen locks itself; default 5 minutes. */
    idleLockSeconds?: number;
    /** Start the background sync loop (default true). */
    autoSync?: boolean;
    /**
     * First wait before recordings that wait for transcription are sent again in the background
     * (doubling while the server cannot take them, up to 5 minutes); default 15 s. 0: never.
     */
    dictationRetryMs?: number;
    /** The version this station runs and reports: explicit (WARDSTATION_APP_VERSION, main/core/config.ts), else the package's. */
    appVersion?: string;
    packageVersion?: string;
    /** The release channel the station follows; default stable. */
    channel?: string;
    /** electron-updater as this host runs it (Electron's autoUpdater, or the Node app adapter); none: no updates. */
    updater?: UpdaterFactory;
    /** The release public key (PEM); else the PEM file named here (WARDSTATION_RELEASE_PUBLIC_KEY, main/core/config.ts). */
    releasePublicKey?: string;
    releasePublicKeyFile?: string;
    /** An installer where the host has none (the fleet benchmark and tests play it). */
    installer?: (version: string, files: string[]) => void;
    updatePolicy?: Partial<UpdatePolicyOptions>;
    /** Health report cadence (see main/core/health.ts). */
    healthReportEveryMs?: number;
    healthIncidentGapMs?: number;
}
export interface StationCore {
    handlers: StationHandlers;
    store: Store;
    sessions: Sessions;
    sync: SyncClient;
    health: Health;
    update: UpdateService | null;
    /** The station API's events (contract: stationEvents); hosts forward them to the renderer. */
    events: StationEventHub;
    close(): Promise<void>;
}
/** The station's logic, host-agnostic: Electron's IPC and main/host's HTTP both serve `handlers`. */
export declare function createStation(options: StationOptions): StationCore;
