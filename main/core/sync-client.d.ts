import type { SyncStatus } from '../../contract/station-api';
import type { FeatureFlag } from '../../contract/flags';
import type { ReleaseSignal } from '../../contract/releases';
import { type ServerClient } from './server-client';
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
export declare function createSyncClient(o: SyncClientOptions): SyncClient;
