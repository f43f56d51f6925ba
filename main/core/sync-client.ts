import type { SyncState, SyncStatus } from '../../contract/station-api';
import type { FeatureFlag } from '../../contract/flags';
import type { ReleaseSignal } from '../../contract/releases';
import type { Mutation, MutationResult, PullResponse, PullRowsPage } from '../../contract/sync';
import { applyChanges, applyFeedRows, getCursor } from './cache';
import { applyDraftAnswer } from './drafts';
import { countAttempt, pendingItems, progress, rejectItem, removeItem, type OutboxItem } from './outbox';
import { NetworkError, ServerError, type ServerClient } from './server-client';
import type { Store } from './store';

export interface SyncClientOptions {
  store: Store;
  server: ServerClient;
  /** The server session of a user whose outbox items may be pushed now, if any. */
  tokenFor(userId: number): string | null;
  /** A token to pull with (any signed-in user of this station's branch). */
  pullToken(): string | null;
  /** The server refused this user's session: they must sign in online again. */
  onTokenRefused(userId: number): void;
  /** Called after each step that may change the outbox, the drafts, the cache or the sync state. */
  onChange?(): void;
  batchSize?: number;
  pullPageSize?: number;
  /** Ask for the next pull page while writing the current one (default true; false: one page at a time, for comparison). */
  pullAhead?: boolean;
  /**
   * The first page of a pull (default 500, at most pullPageSize); each next one is half again as
   * big, up to pullPageSize. A ward's bootstrap starts writing after a short first answer instead
   * of idling while the server reads a whole page, and the server reads each next (bigger) page
   * while the station writes the last. pullPageSize: whole pages from the start.
   */
  pullFirstPage?: number;
  pullIntervalMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Internal errors on one batch before it is halved to find the item at fault. */
  failLimit?: number;
  random?: () => number;
  /** A round failed (the server unreachable or answering errors): the health report counts it. */
  onRoundFailed?(): void;
  /** The station is online again after being offline, degraded or just started, or its live channel came back. */
  onOnline?(): void;
  /** A release or rollback was signalled on the live channel (flag changes start a round here). */
  onReleaseSignal?(signal: ReleaseSignal): void;
  /** The branch's feature flags, with the last page of a pull. */
  onFlags?(flags: FeatureFlag[]): void;
  /** A round ended, whether it reached the server or not (the station then derives owed offline verifiers). */
  onRoundEnd?(): void;
}

export interface SyncClient {
  status(): SyncStatus;
  /** One full round (push everything pushable, then pull to the end) now. */
  syncNow(): Promise<SyncStatus>;
  /** Ask for a round soon (after a save, on a live signal). */
  kick(): void;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Pushes the outbox in order with retry, exponential backoff and full jitter; pulls on start,
 * on a live signal and periodically. A rejected mutation is set aside for the user and never
 * blocks the ones behind it; a user without a live session holds back only their own items.
 */
export function createSyncClient(o: SyncClientOptions): SyncClient {
  const batchSize = o.batchSize ?? 200;
  const pageSize = o.pullPageSize ?? 2000;
  const pullAhead = o.pullAhead ?? true;
  const firstPage = Math.max(1, Math.min(pageSize, o.pullFirstPage ?? 500));
  const interval = o.pullIntervalMs ?? 30_000;
  const base = o.backoffBaseMs ?? 500;
  const max = o.backoffMaxMs ?? 30_000;
  const random = o.random ?? Math.random;
  const changed = o.onChange ?? (() => {});
  const failLimit = o.failLimit ?? 3;
  let state: SyncState = 'offline';
  let lastSyncAt: string | null = null;
  let failures = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let live: AbortController | null = null;
  let liveToken: string | null = null;
  let liveRetry: NodeJS.Timeout | null = null;
  /**
   * The newest cursor the live channel announced. The announcement comes from the primary, while
   * the pull may be answered by a read replica that has not replayed that far yet: a round that
   * ends short of it is tried again soon (50 ms, doubling), until the replica has caught up or
   * the wait passes 2 s (then the periodic pull, or the next announcement, brings it).
   */
  let heard = 0n;
  let lagWait = 0;
  /** Aborted by stop(): a round in flight (a ward's bootstrap) ends within one request. */
  let roundAbort = new AbortController();

  const status = (): SyncStatus => ({ state, ...progress(o.store), cursor: getCursor(o.store), lastSyncAt });

  const schedule = (ms: number) => {
    if (!started) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void round();
    }, ms);
  };

  const round = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const signal = roundAbort.signal;
        try {
          // A push the server fails on does not stop the pull: the ward's other changes still
          // arrive while this station's items wait (or are set aside, pushIsolating).
          let pushFailure: unknown = null;
          await pushAll(signal).catch((e: unknown) => {
            if (e instanceof NetworkError || signal.aborted) throw e;
            pushFailure = e;
          });
          await pullAll(signal);
          if (signal.aborted) return;
          if (pushFailure) throw pushFailure;
          if (state !== 'online') o.onOnline?.();
          state = 'online';
          failures = 0;
          lastSyncAt = new Date().toISOString();
          const behind = BigInt(getCursor(o.store)) < heard;
          lagWait = behind ? (lagWait === 0 ? 50 : lagWait * 2) : 0;
          if (lagWait > 2000) {
            lagWait = 0;
            heard = 0n;
          }
          schedule(lagWait || interval);
        } catch (e) {
          if (signal.aborted) return;
          state = e instanceof NetworkError ? 'offline' : 'degraded';
          failures++;
          o.onRoundFailed?.();
          // Full jitter: a ward's stations coming back together do not retry in step.
          schedule(Math.floor(random() * Math.min(max, base * 2 ** Math.min(failures, 16))));
          again = false;
        }
        changed();
      } while (again);
      ensureLive();
    })().finally(() => {
      running = null;
      o.onRoundEnd?.();
    });
    return running;
  };

  /** One user's items in order, cut before a resolve/submit that must see an earlier answer. */
  function nextBatch(items: OutboxItem[], skip: Set<number>): OutboxItem[] {
    const first = items.find((i) => !skip.has(i.userId));
    if (!first) return [];
    const batch: OutboxItem[] = [];
    const drafts = new Set<string>();
    for (const it of items) {
      if (it.userId !== first.userId) continue;
      if (batch.length >= batchSize) break;
      if (it.mutation.kind !== 'draft.save' && it.draftId && drafts.has(it.draftId)) break;
      batch.push(it);
      if (it.draftId) drafts.add(it.draftId);
    }
    return batch;
  }

  function withCurrentBase(it: OutboxItem): Mutation {
    const m = it.mutation;
    if (m.kind === 'draft.save' || !it.draftId) return m;
    // Resolve and submit refer to the version the station knows when they leave, not when made.
    const v = o.store.prepare('SELECT server_version FROM drafts WHERE id = ?').pluck().get(it.draftId) as number | undefined;
    return { ...m, payload: { ...m.payload, baseVersion: Math.max(1, v ?? 1) } } as Mutation;
  }

  function applyResults(batch: OutboxItem[], results: MutationResult[]): void {
    o.store.transaction(() => {
      for (const [i, it] of batch.entries()) {
        const r = results[i];
        if (!r || r.id !== it.id) continue;
        const first = r.status === 'duplicate' ? r.first : r;
        if (first.status === 'rejected') {
          rejectItem(o.store, it.id, first.detail ? `${first.reason ?? 'invalid'}: ${first.detail}` : (first.reason ?? 'rejected'));
          if (it.draftId) applyDraftAnswer(o.store, it.draftId, undefined);
        } else {
          removeItem(o.store, it.id);
          if (it.draftId) applyDraftAnswer(o.store, it.draftId, first.draft);
        }
      }
    })();
    changed();
  }

  async function pushAll(signal: AbortSignal): Promise<void> {
    const skip = new Set<number>();
    for (;;) {
      if (signal.aborted) return;
      const items = pendingItems(o.store, batchSize * 4);
      const batch = nextBatch(items, skip);
      if (batch.length === 0) return;
      const userId = batch[0]!.userId;
      const token = o.tokenFor(userId);
      if (!token || !(await pushIsolating(token, batch, signal))) {
        if (token) o.onTokenRefused(userId);
        skip.add(userId);
      }
    }
  }

  /**
   * Pushes one batch. When the server cannot answer it as a whole (it refuses to read it, or it
   * fails on it again and again), the batch is halved until the item at fault is alone, and that
   * item is set aside with the server's reason: one item holds up nothing but itself. Answers
   * false when the server refuses the user's session.
   */
  async function pushIsolating(token: string, batch: OutboxItem[], signal: AbortSignal): Promise<boolean> {
    countAttempt(o.store, batch.map((b) => b.id));
    changed();
    try {
      applyResults(batch, (await o.server.push(token, batch.map(withCurrentBase), signal)).results);
      return true;
    } catch (e) {
      if (!(e instanceof ServerError)) throw e;
      if (e.status === 401 || e.status === 403) return false;
      if (!isolates(e, batch)) throw e;
      if (batch.length === 1) {
        const it = batch[0]!;
        o.store.transaction(() => {
          rejectItem(o.store, it.id, e.status === 500 ? 'server_error' : e.detail ? `invalid: ${e.detail}` : 'invalid');
          if (it.draftId) applyDraftAnswer(o.store, it.draftId, undefined);
        })();
        changed();
        return true;
      }
      const half = Math.ceil(batch.length / 2);
      const next = (b: OutboxItem[]) => b.map((x) => ({ ...x, attempts: x.attempts + 1 }));
      return (await pushIsolating(token, next(batch.slice(0, half)), signal)) && pushIsolating(token, next(batch.slice(half)), signal);
    }
  }

  /**
   * Whether a failed push points at its content: the server cannot read it (400, 413, 422), or
   * it failed with an internal error on this batch `failLimit` times. Unavailable, throttled and
   * gateway answers are about the server, not the batch: those are retried, never set aside.
   */
  function isolates(e: ServerError, batch: OutboxItem[]): boolean {
    if (e.status === 400 || e.status === 413 || e.status === 422) return true;
    return e.status === 500 && Math.min(...batch.map((b) => b.attempts + 1)) >= failLimit;
  }

  /**
   * Pulls to the end of the feed, one page ahead: the next page is asked for as soon as a page
   * (and so its cursor) has arrived, before that page is written, so the server reads page n+1
   * while the station inserts page n (a ward's bootstrap is tens of thousands of rows). Pages are
   * still written in order, each in one SQLite transaction together with its cursor, so a cut
   * between pages resumes after the last page written.
   */
  async function pullAll(signal: AbortSignal): Promise<void> {
    const token = o.pullToken();
    if (!token) return;
    let limit = firstPage;
    const grow = () => (limit = Math.min(pageSize, Math.ceil(limit * 1.5)));
    /**
     * The next page, asked for as soon as this page's header line (its cursor) has arrived, while
     * the rest of it is still coming: the server reads the next page meanwhile. At most one page
     * is asked for ahead of the one being awaited; a header that does not match the whole page
     * (checked when it resolves) is not used.
     */
    let early: { cursor: string; page: Promise<Page> } | null = null;
    const ask = (cursor: string): Promise<Page> => {
      const onHeader = pullAhead
        ? (h: { cursor: string; more: boolean }) => {
            if (!h.more || early || signal.aborted) return;
            const page = pullPage(token, h.cursor, grow(), signal, onHeader);
            // Its failure is met when it is awaited; until then it is not an unhandled rejection.
            page.catch(() => {});
            early = { cursor: h.cursor, page };
          }
        : undefined;
      return pullPage(token, cursor, limit, signal, onHeader);
    };
    let next = ask(getCursor(o.store));
    for (;;) {
      const page = await next;
      if (signal.aborted) return;
      if (page.more && pullAhead) {
        const ahead = early as { cursor: string; page: Promise<Page> } | null;
        early = null;
        if (ahead && ahead.cursor === page.cursor) next = ahead.page;
        else {
          grow();
          next = ask(page.cursor);
          next.catch(() => {});
          // One turn of the event loop, so that the request leaves before the inserts hold the loop.
          await new Promise((r) => setImmediate(r));
        }
      }
      if ('rows' in page) applyFeedRows(o.store, page.rows, page.cursor);
      else applyChanges(o.store, page.changes, page.cursor);
      if (page.flags) o.onFlags?.(page.flags);
      changed();
      if (!page.more) return;
      if (!pullAhead) next = pullPage(token, page.cursor, grow(), signal);
    }
  }

  /**
   * A page as feed rows (the row texts are sealed as they came, never parsed and re-serialized
   * here), or as JSON from a server that predates them (it answers 404; asked once per client).
   */
  let rowsUnsupported = false;
  type Page = PullRowsPage<string | Uint8Array> | PullResponse;
  async function pullPage(token: string, cursor: string, limit: number, signal: AbortSignal, onHeader?: (h: { cursor: string; more: boolean }) => void): Promise<Page> {
    if (o.server.pullRows && !rowsUnsupported) {
      try {
        return await o.server.pullRows(token, cursor, limit, signal, onHeader);
      } catch (e) {
        if (!(e instanceof ServerError && e.status === 404)) throw e;
        rowsUnsupported = true;
      }
    }
    return o.server.pull(token, cursor, limit, signal);
  }

  function ensureLive(): void {
    const token = o.pullToken();
    if (!started || token === liveToken) return;
    const hadStream = liveToken !== null;
    live?.abort();
    live = null;
    liveToken = token;
    if (!token) return;
    const ctl = new AbortController();
    live = ctl;
    // Signals sent while no stream was open (nobody signed in at this station) were not heard:
    // whoever listens checks again once one opens.
    if (!hadStream) o.onOnline?.();
    o.server
      .live(
        token,
        (cursor) => {
          if (BigInt(cursor) > heard) heard = BigInt(cursor);
          if (BigInt(cursor) > BigInt(getCursor(o.store))) void round();
        },
        ctl.signal,
        (signal) => {
          // Flags come down with a pull; releases and rollbacks are the update service's.
          if (signal.kind === 'flags') void round();
          else o.onReleaseSignal?.(signal);
        },
      )
      .catch(() => {})
      .finally(() => {
        if (ctl.signal.aborted || !started) return;
        // The stream ended: reconnect after a pause (the next round also re-opens it).
        liveToken = null;
        if (!liveRetry) {
          liveRetry = setTimeout(() => {
            liveRetry = null;
            ensureLive();
            // Signals sent while the stream was down are lost: whoever listens checks again.
            void round().then(() => o.onOnline?.());
          }, Math.floor(500 + random() * 2000));
        }
      });
  }

  return {
    status,
    async syncNow() {
      await round();
      if (running) await running;
      return status();
    },
    kick() {
      if (started) schedule(20);
    },
    start() {
      if (started) return;
      started = true;
      roundAbort = new AbortController();
      void round();
    },
    async stop() {
      started = false;
      roundAbort.abort();
      if (timer) clearTimeout(timer);
      if (liveRetry) clearTimeout(liveRetry);
      live?.abort();
      live = null;
      liveToken = null;
      await running;
    },
  };
}
