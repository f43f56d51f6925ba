import * as initial from './2026-11-25T1000-initial';
import * as dictations from './2026-11-25T1100-dictations';
import * as dictationsSent from './2026-11-25T4000-dictations-sent';
import * as myPatients from './2026-12-02T1700-my-patients';

export interface StationMigration {
  name: string;
  statements: readonly string[];
}

/** Every station migration, in order. Registration is explicit: add new ones at the end. */
export const stationMigrations: readonly StationMigration[] = [initial, dictations, dictationsSent, myPatients];
