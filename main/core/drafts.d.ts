import { type Mutation, type ServerDraft } from '../../contract/sync';
import type { NoteDraftView } from '../../contract/station-api';
import { type Store } from './store';
export declare class DraftError extends Error {
    readonly code: 'not_found' | 'conflict' | 'bad_request';
    constructor(code: 'not_found' | 'conflict' | 'bad_request', message: string);
}
export declare function getDraft(db: Store, userId: number, id: string): NoteDraftView;
export declare function listDrafts(db: Store, userId: number, patientId?: string): NoteDraftView[];
/**
 * Saves locally first, in one SQLite transaction with its outbox mutation: when this returns,
 * the text is on disk and will be pushed. Nothing here waits on the network.
 */
export declare function saveDraft(db: Store, userId: number, input: {
    draftId?: string | undefined;
    patientId: string;
    text: string;
}, now?: number): NoteDraftView;
/** The author's choice or merge of a conflict's texts; the conflict ends when the server agrees. */
export declare function resolveConflict(db: Store, userId: number, draftId: string, text: string, now?: number): NoteDraftView;
export declare function submitDraft(db: Store, userId: number, draftId: string, now?: number): NoteDraftView;
/** The server's answer to one of this draft's mutations (push result). */
export declare function applyDraftAnswer(db: Store, draftId: string, server: ServerDraft | undefined, now?: number): void;
/** A note draft from the change feed. Local edits not yet acknowledged are never overwritten. */
export declare function applyFeedDraft(db: Store, data: Record<string, unknown>): void;
export type DraftMutation = Omit<Extract<Mutation, {
    kind: 'draft.save';
}>, 'id'> | Omit<Extract<Mutation, {
    kind: 'draft.resolve';
}>, 'id'> | Omit<Extract<Mutation, {
    kind: 'draft.submit';
}>, 'id'>;
/**
 * Removes the drafts of users who have not signed in here within IT's offline window (their
 * offline sign-in has expired). Only drafts the server already holds: an unsynced edit stays
 * until it is pushed.
 */
export declare function purgeStaleDrafts(db: Store, now?: number): number;
