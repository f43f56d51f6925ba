/** The electron-updater settings the Electron shell applies; allowDowngrade is what makes a rollback install. */
export declare const UPDATER_SETTINGS: {
    readonly autoDownload: false;
    readonly autoInstallOnAppQuit: false;
    readonly allowDowngrade: true;
};
export interface StationActivity {
    locked: boolean;
    idleMs: number;
    noteOpen: boolean;
    unsavedChanges: boolean;
}
export interface UpdateHost {
    /** Asks the feed; the offered version, or null when there is nothing to install. */
    check(): Promise<string | null>;
    download(version: string): Promise<void>;
    /**
     * Quits and installs the downloaded version (electron-updater's quitAndInstall). False: no
     * installer here (main/host): the download stays ready and later checks go on as before.
     */
    install(version: string): boolean | void;
    activity(): StationActivity;
}
export interface UpdatePolicyOptions {
    checkIntervalMs: number;
    /** How long without input before an unlocked station counts as idle. */
    idleBeforeInstallMs: number;
}
export declare const DEFAULT_UPDATE_POLICY: UpdatePolicyOptions;
export declare function safeToInstall(a: StationActivity, options: Pick<UpdatePolicyOptions, 'idleBeforeInstallMs'>): boolean;
export type UpdatePhase = 'idle' | 'checking' | 'downloading' | 'ready' | 'installing';
export interface UpdatePolicy {
    /** The server's live channel said a release or rollback happened. */
    onServerSignal(): Promise<void>;
    /** The station was locked, a note closed, a save finished: a moment to try installing. */
    onActivityChange(): void;
    start(): void;
    stop(): void;
    readonly phase: UpdatePhase;
    readonly readyVersion: string | null;
}
export interface Timers {
    setInterval(fn: () => void, ms: number): unknown;
    clearInterval(handle: unknown): void;
}
export declare function createUpdatePolicy(host: UpdateHost, options?: UpdatePolicyOptions, timers?: Timers): UpdatePolicy;
