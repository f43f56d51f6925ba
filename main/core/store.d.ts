import Database from 'better-sqlite3';
export type Store = Database.Database;
export interface StoreOptions {
    /**
     * 'NORMAL' (default): with WAL, a committed save survives the station's process being killed;
     * a power cut may lose the last moments. 'FULL' fsyncs every commit and survives that too.
     */
    synchronous?: 'NORMAL' | 'FULL';
    /**
     * The store key (32 bytes) that seals draft text, conflict texts, the outbox and the credential
     * (main/core/seal.ts). createStation always gives one; a store opened without (unit tests of
     * single modules) keeps those columns in clear.
     */
    storeKey?: Buffer;
}
/** Seals a sensitive value for this store (identity when the store was opened without a key). */
export declare function seal(db: Store, plain: string): string;
export declare function unseal(db: Store, stored: string): string;
/** Opens (creating if needed) the station's SQLite store in WAL mode and migrates it. */
export declare function openStore(file: string, options?: StoreOptions): Store;
/** Moves the WAL back into the database file without blocking writers (PASSIVE). */
export declare function checkpointStore(db: Store): void;
/** Applies the station migrations not yet applied, each in its own transaction. */
export declare function migrateStore(db: Store): string[];
export declare function getConfig(db: Store, key: string): string | null;
export declare function setConfig(db: Store, key: string, value: string): void;
/** A prepared statement, prepared once per store: a keystroke save should not parse SQL. */
export declare function stmt(db: Store, text: string): Database.Statement;
