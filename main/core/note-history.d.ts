import type { NoteHistoryEntry } from '../../contract/station-api';
import { type Store } from './store';
export declare function noteHistory(db: Store, user: {
    id: number;
    roles: readonly string[];
}, patientId: string): NoteHistoryEntry[];
