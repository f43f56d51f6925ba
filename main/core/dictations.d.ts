import type { Store } from './store';
export interface DictationInput {
    patientId: string;
    draftId?: string | undefined;
    mime: string;
    durationMs: number;
    audioBase64: string;
}
export declare function saveDictation(db: Store, userId: number, input: DictationInput, now?: number): {
    id: string;
    patientId: string;
    draftId: string | null;
    mime: string;
    durationMs: number;
    bytes: number;
    createdAt: string;
    sentAt: string | null;
};
export declare function listDictations(db: Store, userId: number, patientId: string): {
    id: string;
    patientId: string;
    draftId: string | null;
    mime: string;
    durationMs: number;
    bytes: number;
    createdAt: string;
    sentAt: string | null;
}[];
/** Recordings of the user that wait for the server: those attached to a draft and not yet sent. */
export declare function waitingDictations(db: Store, userId: number): number;
