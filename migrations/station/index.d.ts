export interface StationMigration {
    name: string;
    statements: readonly string[];
}
/** Every station migration, in order. Registration is explicit: add new ones at the end. */
export declare const stationMigrations: readonly StationMigration[];
