import type { StationHandlers } from '../../contract/station-api';
import type { Sessions } from './session';
import type { Store } from './store';
type NotesCalls = Pick<StationHandlers, 'getNoteReview' | 'editNoteStatement' | 'acceptNoteStatement' | 'removeNoteStatement' | 'approveNote' | 'addNoteOmission' | 'dismissNoteOmission' | 'confirmNotePatient' | 'addNoteAddendum' | 'getNoteAudit' | 'dictate' | 'sendDictations'>;
export interface NotesDeps {
    store: Store;
    sessions: Sessions;
    /** The enrolled server and credential, or null when not enrolled. */
    server: () => {
        url: string;
        credential: string;
    } | null;
    /** Pushes pending local edits first: a transcript is appended to the server's version of the draft. */
    syncNow: () => Promise<unknown>;
    timeoutMs?: number;
}
export declare function createNotesCalls(deps: NotesDeps): NotesCalls;
export {};
