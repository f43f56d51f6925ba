import type { LookAlike, StationInput, StationOutput } from '../../contract/station-api';
import type { Store } from './store';
export declare function myPatientIds(store: Store, userId: number): Set<string>;
export declare function setMyPatient(store: Store, userId: number, patientId: string, mine: boolean): void;
export declare function listWard(store: Store, user: {
    id: number;
    roles: readonly string[];
}, input: StationInput<'listPatients'>, stationWardId: number | null, now?: number): StationOutput<'listPatients'>;
/** The look-alikes of one patient on their ward. */
export declare function lookAlikesOf(store: Store, patientId: string): LookAlike[];
