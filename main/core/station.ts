import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { patientAllergies, patientCodeStatuses, patientVitals, recordAllergy, recordCodeStatus, recordVitals } from './clinical';
import { noteHistory } from './note-history';
import { refreshStationInfo, storedStationInfo } from './station-info';
import { listWard, lookAlikesOf, myPatientIds, setMyPatient } from './ward';
import type { StationCall, StationHandlers, StationStatus } from '../../contract/station-api';
import { patientChart } from './cache';
import { DraftError, getDraft, listDrafts, purgeStaleDrafts, resolveConflict, saveDraft, submitDraft } from './drafts';
import { StationError } from './errors';
import { listDictations, saveDictation } from './dictations';
import { createEventHub, type StationEventHub } from './events';
import { startDictationSender } from './dictation-sender';
import { createNotesCalls } from './notes';
import { readFlags, saveFlags } from './flags';
import { createHealth, type Health } from './health';
import { dismissRejected, pendingForUser, progress, rejectedItems } from './outbox';
import { createServerClient, ServerError, type ServerClient } from './server-client';
import { createSessions, DEFAULT_OFFLINE_UNLOCK_HOURS, type Sessions } from './session';
import { checkpointStore, getConfig, openStore, setConfig, type Store, type StoreOptions } from './store';
import { createSyncClient, type SyncClient, type SyncClientOptions } from './sync-client';
import type { UpdatePolicyOptions } from './update/policy';
import { createUpdateService, type UpdaterFactory, type UpdateService } from './update/service';
import { loadPublicKey } from './update/signature';
import { keyFromFile } from './seal';
import { sealExistingRows } from './at-rest';
import { observeUuid7 } from './uuid7';

export interface StationOptions extends StoreOptions {
  /** Folder of the station's data (station.db). */
  dataDir: string;
  /** Enrolment given at launch (otherwise the `enrol` call stores it). */
  serverUrl?: string;
  credential?: string;
  /** IT's offline-unlock window; default 12 hours. */
  offlineUnlockHours?: number;
  sync?: Partial<Pick<SyncClientOptions, 'batchSize' | 'pullPageSize' | 'pullAhead' | 'pullFirstPage' | 'pullIntervalMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'random'>>;
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

/** The longest an online sign-in's offline verifier waits for a sync round to end (session.ts: settle). */
const VERIFIER_AT_LATEST_MS = 5_000;

/** Calls a renderer makes on its own (at start, and when an event says something changed): they do not count as someone using the station. */
const PASSIVE_CALLS = new Set<StationCall>(['status', 'syncStatus', 'updateStatus', 'getFlags', 'listOutbox', 'listRejected']);

function releasePublicKey(options: StationOptions) {
  const file = options.releasePublicKeyFile;
  const pem = options.releasePublicKey ?? (file ? readFileSync(file, 'utf8') : null);
  return pem ? loadPublicKey(pem) : null;
}

/** The station's logic, host-agnostic: Electron's IPC and main/host's HTTP both serve `handlers`. */
export function createStation(options: StationOptions): StationCore {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // The store key: the shell's (Electron: safeStorage), else main/host's key file (0600).
  const storeKey = options.storeKey ?? keyFromFile(path.join(options.dataDir, 'store.key'));
  const store = openStore(path.join(options.dataDir, 'station.db'), { ...options, storeKey });
  // A store an earlier version left partly in clear is sealed before anything reads it.
  sealExistingRows(store);
  purgeStaleDrafts(store);
  const purge = setInterval(() => purgeStaleDrafts(store), 3600_000);
  purge.unref();
  const last = store.prepare("SELECT value FROM sync_state WHERE key = 'last_mutation_id'").pluck().get() as string | undefined;
  if (last) observeUuid7(last);
  if (options.serverUrl && options.credential) {
    setConfig(store, 'server_url', options.serverUrl);
    setConfig(store, 'credential', options.credential);
  }
  const appVersion = options.appVersion ?? options.packageVersion ?? '0.0.0';
  const channel = options.channel ?? 'stable';
  const health = createHealth(store, appVersion, {
    channel,
    ...(options.healthReportEveryMs !== undefined ? { reportEveryMs: options.healthReportEveryMs } : {}),
    ...(options.healthIncidentGapMs !== undefined ? { incidentGapMs: options.healthIncidentGapMs } : {}),
  });
  let client: ServerClient | null = null;
  const server = (): ServerClient | null => {
    const url = getConfig(store, 'server_url');
    const credential = getConfig(store, 'credential');
    if (!url || !credential) return null;
    client ??= createServerClient(url, credential, undefined, health);
    return client;
  };
  const sessions = createSessions(store, server, options.offlineUnlockHours ?? DEFAULT_OFFLINE_UNLOCK_HOURS);
  const unenrolled: ServerClient = {
    login: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    logout: async () => {},
    push: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    pull: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    pullRows: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    live: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
  };
  const proxy: ServerClient = {
    login: (r) => (server() ?? unenrolled).login(r),
    logout: (t) => (server() ?? unenrolled).logout(t),
    push: (t, m, s) => (server() ?? unenrolled).push(t, m, s),
    pull: (t, c, l, s) => (server() ?? unenrolled).pull(t, c, l, s),
    pullRows: (t, c, l, s, h) => {
      const to = server() ?? unenrolled;
      return to.pullRows ? to.pullRows(t, c, l, s, h) : Promise.reject(new ServerError(404, 'not_found'));
    },
    live: (t, f, s, r) => (server() ?? unenrolled).live(t, f, s, r),
  };
  const events = createEventHub({ store, status: () => status(), userId: () => (sessions.locked() ? null : (sessions.current()?.user.id ?? null)) });
  const sync = createSyncClient({
    store,
    server: proxy,
    tokenFor: (id) => sessions.tokenFor(id),
    pullToken: () => {
      const c = sessions.current();
      return (c && sessions.tokenFor(c.user.id)) ?? null;
    },
    onTokenRefused: (id) => sessions.dropToken(id),
    onRoundFailed: () => health.syncFailure(),
    onOnline: () => void update?.checkNow(),
    onReleaseSignal: (signal) => update?.onSignal(signal),
    onFlags: (flags) => {
      const before = JSON.stringify(readFlags(store).flags);
      saveFlags(store, flags);
      if (JSON.stringify(readFlags(store).flags) !== before) events.emit('featureFlags', { flags: flags.map((f) => ({ key: f.key, enabled: f.enabled, value: f.value })) });
    },
    onChange: () => events.poke(),
    // The ward is usable (or the server unreachable): the offline verifiers owed by sign-ins are derived now.
    onRoundEnd: () => void sessions.settle(),
    ...options.sync,
  });
  const refreshInfo = async () => {
    const url = getConfig(store, 'server_url');
    const credential = getConfig(store, 'credential');
    return url && credential ? refreshStationInfo(store, url, credential) : null;
  };
  // A refresh still in flight when the station closes finds the store closed: nothing to keep then.
  void refreshInfo().catch(() => null);

  // Activity as the install gate reads it (policy.ts): the last call someone made, the last draft edit.
  let lastUse = Date.now();
  let lastDraftEdit = 0;
  const idleBeforeInstallMs = options.updatePolicy?.idleBeforeInstallMs ?? 10 * 60_000;
  let lastUpdateEvent = '';
  const update: UpdateService | null = options.updater
    ? createUpdateService({
        factory: options.updater,
        currentVersion: appVersion,
        channel,
        publicKey: releasePublicKey(options),
        cacheDir: options.dataDir,
        server: () => {
          const url = getConfig(store, 'server_url');
          const credential = getConfig(store, 'credential');
          return url && credential ? { url, credential } : null;
        },
        activity: () => ({
          locked: sessions.locked() || sessions.current() === null,
          idleMs: Date.now() - lastUse,
          // A note edited within the idle window is still open; what the outbox still has to send is
          // the user's work in flight. Both hold an unlocked station's install back.
          noteOpen: Date.now() - lastDraftEdit < idleBeforeInstallMs || progress(store).pendingItems > 0,
          // Everything the station holds is in its store, which an install keeps (additive migrations).
          unsavedChanges: false,
        }),
        health,
        ...(options.installer ? { installer: options.installer } : {}),
        ...(options.updatePolicy ? { policy: options.updatePolicy } : {}),
        onChange: () => {
          const now = JSON.stringify(update?.status() ?? null);
          if (now === lastUpdateEvent || !update) return;
          lastUpdateEvent = now;
          events.emit('updateStatus', update.status());
          events.poke();
        },
      })
    : null;
  if (options.autoSync !== false) {
    sync.start();
    update?.start();
  }
  const checkpoints = setInterval(() => checkpointStore(store), 5000);
  checkpoints.unref();

  const status = (): StationStatus => {
    const c = sessions.current();
    const holder = sessions.locked() ? sessions.holder() : null;
    return {
      enrolled: server() !== null,
      user: c?.user ?? null,
      locked: sessions.locked(),
      mode: c?.mode ?? null,
      ...(c?.offlineReason ? { offlineReason: c.offlineReason } : {}),
      // A locked screen tells passers-by nothing of the last user's work: no outbox counts.
      sync: sessions.locked() ? { ...sync.status(), pendingItems: 0, pendingBytes: 0, rejectedItems: 0 } : sync.status(),
      idleLockSeconds: options.idleLockSeconds ?? 300,
      station: storedStationInfo(store),
      lockedUser: holder ? { displayName: holder.user.displayName, username: holder.user.username } : null,
      ...(update ? { update: update.status() } : {}),
      flags: readFlags(store).flags,
    };
  };

  const me = () => sessions.require().user.id;
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof DraftError) throw new StationError(e.code, e.message);
      throw e;
    }
  };

  const notes = createNotesCalls({
    store,
    sessions,
    server: () => {
      const url = getConfig(store, 'server_url');
      const credential = getConfig(store, 'credential');
      return url && credential ? { url, credential } : null;
    },
    syncNow: () => sync.syncNow(),
  });

  const calls: StationHandlers = {
    status: async () => status(),
    async enrol({ serverUrl, credential }) {
      // Enrolment is a first-run step: not while someone is signed in (or the screen is locked
      // over their session), and not over an existing enrolment (IT re-enrols with a new data folder).
      if (sessions.current() || sessions.locked()) throw new StationError('unauthorized', 'sign out before enrolling this station');
      if (getConfig(store, 'credential')) throw new StationError('bad_request', 'this station is already enrolled; IT re-enrols it with a fresh data folder');
      setConfig(store, 'server_url', serverUrl);
      setConfig(store, 'credential', credential);
      client = null;
      await refreshInfo();
      return { ok: true };
    },
    async signIn({ username, password, branch }) {
      // An enrolled station knows its branch: the user is not asked for it.
      const code = branch ?? storedStationInfo(store)?.branch.code ?? (await refreshInfo())?.branch.code;
      if (!code) throw new StationError('bad_request', 'This station has not reached its server yet: enter the branch code, or ask IT to check the network.');
      const who = await sessions.signIn(username, password, code);
      void refreshInfo().catch(() => null);
      sync.kick();
      // An online sign-in owes its offline verifier (sessions.settle): derived when the next sync
      // round ends, so that its scrypt does not delay the user or the ward's first pull, or after
      // VERIFIER_AT_LATEST_MS if no round ends before (no automatic sync, a long bootstrap).
      if (who.mode === 'online') setTimeout(() => void sessions.settle(), VERIFIER_AT_LATEST_MS).unref();
      return status();
    },
    async unlock({ password }) {
      await sessions.unlock(password);
      return status();
    },
    async lock() {
      sessions.lock();
      update?.activityChanged();
      return status();
    },
    async signOut() {
      // Give the user's unsent work a chance to leave with their session.
      if (sessions.current()) await Promise.race([sync.syncNow(), new Promise((r) => setTimeout(r, 3000))]);
      await sessions.signOut();
      return status();
    },
    listPatients: async (input) => listWard(store, sessions.require().user, input, storedStationInfo(store)?.ward.id ?? null),
    async getPatientChart({ patientId }) {
      const signedIn = sessions.require().user;
      const user = signedIn.id;
      const chart = patientChart(store, patientId);
      if (!chart) throw new StationError('not_found', 'This patient is not on this station. Go back to the ward list and search again.');
      const ward = storedStationInfo(store)?.wards.find((w) => w.id === chart.patient.wardId) ?? null;
      const allergies = patientAllergies(store, patientId);
      return { ...chart, ward, lookAlikes: lookAlikesOf(store, patientId), mine: myPatientIds(store, user).has(patientId), ...(allergies ? { allergies } : {}),
        vitals: patientVitals(store, patientId),
        codeStatuses: patientCodeStatuses(store, patientId),
        notes: noteHistory(store, signedIn, patientId),
      };
    },
    async recordAllergy(input) {
      const a = recordAllergy(store, me(), input);
      sync.kick();
      return a;
    },
    async recordCodeStatus(input) {
      const user = sessions.require().user;
      // A resuscitation decision is a physician's (the server refuses anyone else's too).
      if (!user.roles.includes('physician')) throw new StationError('unauthorized', 'Only a physician can record the code status.');
      const c = recordCodeStatus(store, user, input);
      sync.kick();
      return c;
    },
    async recordVitals(input) {
      const v = recordVitals(store, me(), input);
      sync.kick();
      return v;
    },
    async setMyPatient({ patientId, mine }) {
      setMyPatient(store, me(), patientId, mine);
      return { ok: true };
    },
    listDrafts: async ({ patientId }) => ({ drafts: listDrafts(store, me(), patientId) }),
    getDraft: async ({ draftId }) => wrap(() => getDraft(store, me(), draftId)),
    async saveDraft(input) {
      const d = wrap(() => saveDraft(store, me(), input));
      sync.kick();
      return d;
    },
    async resolveConflict({ draftId, text }) {
      const d = wrap(() => resolveConflict(store, me(), draftId, text));
      sync.kick();
      return d;
    },
    async submitDraft({ draftId }) {
      const d = wrap(() => submitDraft(store, me(), draftId));
      sync.kick();
      return d;
    },
    listRejected: async () => ({ items: rejectedItems(store, me()) }),
    async dismissRejected({ mutationId }) {
      dismissRejected(store, me(), mutationId);
      return { ok: true };
    },
    async syncNow() {
      me();
      return sync.syncNow();
    },
    syncStatus: async () => sync.status(),
    listOutbox: async () => ({ items: pendingForUser(store, me()) }),
    saveDictation: async (input) => saveDictation(store, me(), input),
    listDictations: async ({ patientId }) => ({ dictations: listDictations(store, me(), patientId) }),
    ...notes,
    updateStatus: async () =>
      update?.status() ?? { currentVersion: appVersion, offeredVersion: null, downloadedVersion: null, state: 'idle', waitingFor: null, lastCheckedAt: null, error: null },
    getFlags: async () => readFlags(store),
  };
  // Someone using the station (not the renderer's own reads) delays an unlocked install; an
  // unexpected failure of a call is an error the health report counts.
  for (const call of Object.keys(calls) as StationCall[]) {
    const inner = calls[call] as (input: unknown) => Promise<unknown>;
    const passive = PASSIVE_CALLS.has(call);
    const edits = call === 'saveDraft' || call === 'resolveConflict';
    (calls as Record<string, (input: unknown) => Promise<unknown>>)[call] = async (input) => {
      if (!passive) lastUse = Date.now();
      if (edits) lastDraftEdit = Date.now();
      try {
        return await inner(input);
      } catch (e) {
        if (!(e instanceof StationError)) health.error();
        throw e;
      }
    };
  }
  // Every call may change what the events report: compare after each one, failed or not.
  const handlers = Object.fromEntries(
    Object.entries(calls).map(([name, fn]) => [name, (input: unknown) => (fn as (i: unknown) => Promise<unknown>)(input).finally(() => events.poke())]),
  ) as unknown as StationHandlers;
  const dictations = startDictationSender(store, sessions, handlers, options.dictationRetryMs ?? 15_000);

  return {
    handlers,
    store,
    sessions,
    sync,
    health,
    update,
    events,
    async close() {
      update?.stop();
      clearInterval(checkpoints);
      clearInterval(purge);
      events.close();
      await dictations.stop();
      await sync.stop();
      // Owed offline verifiers are stored before the store closes (one scrypt at most per user).
      await sessions.settle();
      checkpointStore(store);
      store.close();
    },
  };
}
