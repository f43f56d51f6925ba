import type { SessionUser } from '../../contract/auth';
import type { Store } from './store';
import { type ServerClient } from './server-client';
export declare const DEFAULT_OFFLINE_UNLOCK_HOURS = 12;
export interface CurrentUser {
    user: SessionUser;
    branchCode: string;
    mode: 'online' | 'offline';
    /** Offline although the server answered: it throttles this name's sign-ins from here. */
    offlineReason?: 'server_throttled';
}
export interface Sessions {
    current(): CurrentUser | null;
    /** Whose session it is, locked or not (the lock screen names them). */
    holder(): CurrentUser | null;
    locked(): boolean;
    /** The current, unlocked user, or a StationError. */
    require(): CurrentUser;
    signIn(username: string, password: string, branch: string): Promise<CurrentUser>;
    unlock(password: string): Promise<CurrentUser>;
    lock(): void;
    signOut(): Promise<void>;
    /** Server tokens of users signed in during this launch, for pushing their own outbox items. */
    tokenFor(userId: number): string | null;
    dropToken(userId: number): void;
}
export declare function createSessions(store: Store, server: () => ServerClient | null, offlineUnlockHours?: number, now?: () => number): Sessions;
