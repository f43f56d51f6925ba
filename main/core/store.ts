import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { stationMigrations } from '../../migrations/station/index';
import { createSealer, type Sealer } from './seal';

export type Store = Database.Database;

export interface StoreOptions {
  /**
   * 'NORMAL' (default): with WAL, a committed save survives the station's process being killed;
   * a power cut may lose the last moments. 'FULL' fsyncs every commit and survives that too.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * The store key (32 bytes) that seals draft text, conflict texts, the outbox, the credential,
   * the ward cache, local clinical entries and dictation audio (main/core/seal.ts). createStation always gives one; a store opened without (unit tests of
   * single modules) keeps those columns in clear.
   */
  storeKey?: Buffer;
}

const sealers = new WeakMap<Database.Database, Sealer>();

/** Seals a sensitive value for this store (identity when the store was opened without a key). */
export function seal(db: Store, plain: string): string {
  return sealers.get(db)?.seal(plain) ?? plain;
}

/** Seals many values at once (a pull page's rows: text or its UTF-8 bytes); the text without a key. */
export function sealMany(db: Store, plains: readonly (string | Uint8Array)[]): string[] {
  const sealer = sealers.get(db);
  if (sealer) return sealer.sealMany(plains);
  return plains.map((p) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')));
}

export function unseal(db: Store, stored: string): string {
  return sealers.get(db)?.open(stored) ?? stored;
}

export function sealBytes(db: Store, plain: Buffer): Buffer {
  return sealers.get(db)?.sealBytes(plain) ?? plain;
}

export function unsealBytes(db: Store, stored: Buffer): Buffer {
  return sealers.get(db)?.openBytes(stored) ?? stored;
}

/** A sealed JSON row (a cache or clinical entry), parsed. */
export function unsealJson<T = Record<string, unknown>>(db: Store, stored: string): T {
  return JSON.parse(unseal(db, stored)) as T;
}

/** The database, its WAL and shared-memory files: readable by the station's user only. */
function restrictFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** Opens (creating if needed) the station's SQLite store in WAL mode and migrates it. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  // Created 0600 before SQLite opens it; SQLite gives the WAL and -shm files the database's mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  restrictFiles(file);
  const db = new Database(file);
  if (options.storeKey) sealers.set(db, createSealer(options.storeKey));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run from a timer (checkpointStore), not inside a save that crosses the WAL's
  // threshold: a keystroke save then never pays for copying the WAL back.
  db.pragma('wal_autocheckpoint = 0');
  migrateStore(db);
  restrictFiles(file);
  return db;
}

/** Moves the WAL back into the database file without blocking writers (PASSIVE). */
export function checkpointStore(db: Store): void {
  db.pragma('wal_checkpoint(PASSIVE)');
}

/** Applies the station migrations not yet applied, each in its own transaction. */
export function migrateStore(db: Store): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const done = new Set(db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]);
  const applied: string[] = [];
  for (const m of stationMigrations) {
    if (done.has(m.name)) continue;
    db.transaction(() => {
      for (const s of m.statements) db.exec(s);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(m.name, Date.now());
    })();
    applied.push(m.name);
  }
  return applied;
}

/** Config values that are secrets: sealed at rest. */
const SEALED_CONFIG = new Set(['credential']);

export function getConfig(db: Store, key: string): string | null {
  const v = (db.prepare('SELECT value FROM station_config WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  return v !== null && SEALED_CONFIG.has(key) ? unseal(db, v) : v;
}

export function setConfig(db: Store, key: string, value: string): void {
  const stored = SEALED_CONFIG.has(key) ? seal(db, value) : value;
  db.prepare('INSERT INTO station_config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, stored);
}

const statements = new WeakMap<Store, Map<string, Database.Statement>>();

/** A prepared statement, prepared once per store: a keystroke save should not parse SQL. */
export function stmt(db: Store, text: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let s = m.get(text);
  if (!s) m.set(text, (s = db.prepare(text)));
  return s;
}
