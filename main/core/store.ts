import Database from 'better-sqlite3';
import { stationMigrations } from '../../migrations/station/index';

export type Store = Database.Database;

export interface StoreOptions {
  /**
   * 'NORMAL' (default): with WAL, a committed save survives the station's process being killed;
   * a power cut may lose the last moments. 'FULL' fsyncs every commit and survives that too.
   */
  synchronous?: 'NORMAL' | 'FULL';
}

/** Opens (creating if needed) the station's SQLite store in WAL mode and migrates it. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run from a timer (checkpointStore), not inside a save that crosses the WAL's
  // threshold: a keystroke save then never pays for copying the WAL back.
  db.pragma('wal_autocheckpoint = 0');
  migrateStore(db);
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

export function getConfig(db: Store, key: string): string | null {
  return (db.prepare('SELECT value FROM station_config WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
}

export function setConfig(db: Store, key: string, value: string): void {
  db.prepare('INSERT INTO station_config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
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
