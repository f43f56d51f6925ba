import type { Mutation } from '../../contract/sync';
import { type Store } from './store';
export interface OutboxItem {
    seq: number;
    id: string;
    userId: number;
    draftId: string | null;
    mutation: Mutation;
    bytes: number;
    /** Pushes tried so far, this one not counted. */
    attempts: number;
}
export declare function enqueue(db: Store, userId: number, draftId: string | null, m: Omit<Mutation, 'id'>, now?: number): string;
export declare function pendingItems(db: Store, limit: number): OutboxItem[];
export declare function removeItem(db: Store, id: string): void;
export declare function rejectItem(db: Store, id: string, reason: string): void;
export declare function countAttempt(db: Store, ids: readonly string[]): void;
export declare function progress(db: Store): {
    pendingItems: number;
    pendingBytes: number;
    rejectedItems: number;
};
/** A user's rejected mutations, shown to that user; never another user's. */
export declare function rejectedItems(db: Store, userId: number): {
    mutationId: string;
    kind: string;
    draftId: string | null;
    reason: string;
    createdAt: string;
}[];
export declare function dismissRejected(db: Store, userId: number, id: string): void;
/** A user's unsent changes, oldest first, for the outbox view; never another user's. */
export declare function pendingForUser(db: Store, userId: number): {
    mutationId: string;
    kind: string;
    draftId: string | null;
    patientId: string | null;
    bytes: number;
    attempts: number;
    createdAt: string;
}[];
