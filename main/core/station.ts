import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StationHandlers, StationStatus } from '../../contract/station-api';
import { listPatients, patientChart, patientFlags } from './cache';
import { DraftError, getDraft, listDrafts, purgeStaleDrafts, resolveConflict, saveDraft, submitDraft } from './drafts';
import { StationError } from './errors';
import { listDictations, saveDictation } from './dictations';
import { createEventHub, type StationEventHub } from './events';
import { startDictationSender } from './dictation-sender';
import { createNotesCalls } from './notes';
import { dismissRejected, pendingForUser, rejectedItems } from './outbox';
import { createServerClient, type ServerClient } from './server-client';
import { createSessions, DEFAULT_OFFLINE_UNLOCK_HOURS, type Sessions } from './session';
import { checkpointStore, getConfig, openStore, setConfig, type Store, type StoreOptions } from './store';
import { createSyncClient, type SyncClient, type SyncClientOptions } from './sync-client';
import { keyFromFile } from './seal';
import { observeUuid7 } from './uuid7';

export interface StationOptions extends StoreOptions {
  /** Folder of the station's data (station.db). */
  dataDir: string;
  /** Enrolment given at launch (otherwise the `enrol` call stores it). */
  serverUrl?: string;
  credential?: string;
  /** IT's offline-unlock window; default 12 hours. */
  offlineUnlockHours?: number;
  sync?: Partial<Pick<SyncClientOptions, 'batchSize' | 'pullPageSize' | 'pullIntervalMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'random'>>;
  /** IT's idle time before the station's screen locks itself; default 5 minutes. */
  idleLockSeconds?: number;
  /** Start the background sync loop (default true). */
  autoSync?: boolean;
  /**
   * First wait before recordings that wait for transcription are sent again in the background
   * (doubling while the server cannot take them, up to 5 minutes); default 15 s. 0: never.
   */
  dictationRetryMs?: number;
}

export interface Station {
  handlers: StationHandlers;
  store: Store;
  sessions: Sessions;
  sync: SyncClient;
  /** The station API's events (contract: stationEvents); hosts forward them to the renderer. */
  events: StationEventHub;
  close(): Promise<void>;
}

/** The station's logic, host-agnostic: Electron's IPC and main/host's HTTP both serve `handlers`. */
export function createStation(options: StationOptions): Station {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // The store key: the shell's (Electron: safeStorage), else main/host's key file (0600).
  const storeKey = options.storeKey ?? keyFromFile(path.join(options.dataDir, 'store.key'));
  const store = openStore(path.join(options.dataDir, 'station.db'), { ...options, storeKey });
  purgeStaleDrafts(store);
  const purge = setInterval(() => purgeStaleDrafts(store), 3600_000);
  purge.unref();
  const last = store.prepare("SELECT value FROM sync_state WHERE key = 'last_mutation_id'").pluck().get() as string | undefined;
  if (last) observeUuid7(last);
  if (options.serverUrl && options.credential) {
    setConfig(store, 'server_url', options.serverUrl);
    setConfig(store, 'credential', options.credential);
  }
  let client: ServerClient | null = null;
  const server = (): ServerClient | null => {
    const url = getConfig(store, 'server_url');
    const credential = getConfig(store, 'credential');
    if (!url || !credential) return null;
    client ??= createServerClient(url, credential);
    return client;
  };
  const sessions = createSessions(store, server, options.offlineUnlockHours ?? DEFAULT_OFFLINE_UNLOCK_HOURS);
  const unenrolled: ServerClient = {
    login: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    logout: async () => {},
    push: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    pull: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
    live: () => Promise.reject(new StationError('not_enrolled', 'station not enrolled')),
  };
  const proxy: ServerClient = {
    login: (r) => (server() ?? unenrolled).login(r),
    logout: (t) => (server() ?? unenrolled).logout(t),
    push: (t, m, s) => (server() ?? unenrolled).push(t, m, s),
    pull: (t, c, l, s) => (server() ?? unenrolled).pull(t, c, l, s),
    live: (t, f, s) => (server() ?? unenrolled).live(t, f, s),
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
    onChange: () => events.poke(),
    ...options.sync,
  });
  if (options.autoSync !== false) sync.start();
  const checkpoints = setInterval(() => checkpointStore(store), 5000);
  checkpoints.unref();

  const status = (): StationStatus => {
    const c = sessions.current();
    return {
      enrolled: server() !== null,
      user: c?.user ?? null,
      locked: sessions.locked(),
      mode: c?.mode ?? null,
      ...(c?.offlineReason ? { offlineReason: c.offlineReason } : {}),
      // A locked screen tells passers-by nothing of the last user's work: no outbox counts.
      sync: sessions.locked() ? { ...sync.status(), pendingItems: 0, pendingBytes: 0, rejectedItems: 0 } : sync.status(),
      idleLockSeconds: options.idleLockSeconds ?? 300,
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
      return { ok: true };
    },
    async signIn({ username, password, branch }) {
      await sessions.signIn(username, password, branch);
      sync.kick();
      return status();
    },
    async unlock({ password }) {
      await sessions.unlock(password);
      return status();
    },
    async lock() {
      sessions.lock();
      return status();
    },
    async signOut() {
      // Give the user's unsent work a chance to leave with their session.
      if (sessions.current()) await Promise.race([sync.syncNow(), new Promise((r) => setTimeout(r, 3000))]);
      await sessions.signOut();
      return status();
    },
    async listPatients({ q, limit }) {
      const user = me();
      const patients = listPatients(store, q, limit ?? 100);
      return { patients, flags: patientFlags(store, user, patients.map((p) => p.id)) };
    },
    async getPatientChart({ patientId }) {
      me();
      const chart = patientChart(store, patientId);
      if (!chart) throw new StationError('not_found', 'no such patient on this station');
      return chart;
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
  };
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
    events,
    async close() {
      clearInterval(checkpoints);
      clearInterval(purge);
      events.close();
      await dictations.stop();
      await sync.stop();
      checkpointStore(store);
      store.close();
    },
  };
}
