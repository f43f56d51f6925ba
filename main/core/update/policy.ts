/*
 * The station's update policy (DESIGN §7), host-agnostic; tests drive it with fakes. Not yet
 * wired into a running station: the update service that will connect it to electron-updater in
 * main/electron and to main/host is still to be written. Check when the server signals a release and
 * periodically; download in the background; install only when the station is locked, or idle
 * with no note open and nothing unsaved. A station never restarts in the middle of documentation.
 */

/** The electron-updater settings the Electron shell applies; allowDowngrade is what makes a rollback install. */
export const UPDATER_SETTINGS = {
  autoDownload: false, // the policy starts downloads itself, in the background, after a check
  autoInstallOnAppQuit: false, // a quit in the middle of a shift is not a moment the policy chose
  allowDowngrade: true,
} as const;

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

export const DEFAULT_UPDATE_POLICY: UpdatePolicyOptions = { checkIntervalMs: 30 * 60_000, idleBeforeInstallMs: 10 * 60_000 };

export function safeToInstall(a: StationActivity, options: Pick<UpdatePolicyOptions, 'idleBeforeInstallMs'>): boolean {
  if (a.unsavedChanges) return false;
  if (a.locked) return true;
  return !a.noteOpen && a.idleMs >= options.idleBeforeInstallMs;
}

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

const realTimers: Timers = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export function createUpdatePolicy(host: UpdateHost, options: UpdatePolicyOptions = DEFAULT_UPDATE_POLICY, timers: Timers = realTimers): UpdatePolicy {
  let phase: UpdatePhase = 'idle';
  let readyVersion: string | null = null;
  let recheck = false;
  let interval: unknown = null;

  const tryInstall = () => {
    if (phase !== 'ready' || readyVersion === null) return;
    if (!safeToInstall(host.activity(), options)) return;
    phase = 'installing';
    if (host.install(readyVersion) === false) phase = 'ready';
  };

  const check = async (): Promise<void> => {
    if (phase === 'installing') return;
    // A signal during a check or download (a rollback right after a release) asks again after it.
    if (phase === 'checking' || phase === 'downloading') {
      recheck = true;
      return;
    }
    const before = phase;
    phase = 'checking';
    try {
      const offered = await host.check();
      if (offered === null) {
        // Nothing offered any more (e.g. the release was rolled back before we installed it).
        phase = 'idle';
        readyVersion = null;
      } else if (before === 'ready' && offered === readyVersion) {
        phase = 'ready';
      } else {
        phase = 'downloading';
        await host.download(offered);
        readyVersion = offered;
        phase = 'ready';
      }
    } catch {
      // Offline or a failed download: keep what we had, try again at the next signal or period.
      phase = readyVersion ? 'ready' : 'idle';
    }
    if (recheck) {
      recheck = false;
      return check();
    }
    tryInstall();
  };

  return {
    onServerSignal: check,
    onActivityChange: tryInstall,
    start() {
      interval ??= timers.setInterval(() => {
        void check();
        tryInstall();
      }, options.checkIntervalMs);
      void check();
    },
    stop() {
      if (interval !== null) timers.clearInterval(interval);
      interval = null;
    },
    get phase() {
      return phase;
    },
    get readyVersion() {
      return readyVersion;
    },
  };
}
