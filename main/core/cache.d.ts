import type { Change } from '../../contract/sync';
import type { CachedPatient, PatientChart, WardBadges } from '../../contract/station-api';
import type { Store } from './store';
export declare function applyChanges(db: Store, changes: readonly Change[], cursor: string): void;
export declare function getCursor(db: Store): string;
/** Every cached patient of the branch, in no particular order. */
export declare function allPatients(db: Store): CachedPatient[];
/** Patients matching a search (folded as the server folds it: names, MRN prefix, national id), or all. */
export declare function listPatients(db: Store, q: string | undefined, limit?: number): CachedPatient[];
export declare function patientChart(db: Store, patientId: string): PatientChart | null;
export declare const NEW_RESULT_WINDOW_MS: number;
/**
 * Per patient: results whose time is within the window, and the notes awaiting review that the
 * signed-in user can act on: a physician, every submitted progress note (a note whose author is
 * not known here as a nurse); anyone, their own submitted notes (a nurse signs her nursing note).
 */
export declare function patientFlags(db: Store, userId: number, patientIds: readonly string[], now?: number, roles?: readonly string[]): Record<string, WardBadges>;
