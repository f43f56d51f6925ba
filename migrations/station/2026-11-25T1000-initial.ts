/*
 * The station's local store (SQLite). Frozen in time: never edit, only add migrations, and only
 * additively, so the previous station version can still open a database a newer one migrated
 * (DESIGN §7).
 */
export const name = '2026-11-25T1000-initial';

export const statements = [
  `CREATE TABLE station_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // Users who signed in here online: a scrypt verifier for offline unlock until verified_until,
  // and their server session token sealed with a key only their password derives.
  `CREATE TABLE local_users (
     user_id INTEGER PRIMARY KEY,
     username TEXT NOT NULL COLLATE NOCASE,
     branch_code TEXT NOT NULL,
     profile TEXT NOT NULL,
     verifier TEXT NOT NULL,
     token_box TEXT,
     verified_until INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (username, branch_code)
   )`,
  `CREATE TABLE drafts (
     id TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     patient_id TEXT NOT NULL,
     text TEXT NOT NULL,
     server_version INTEGER NOT NULL DEFAULT 0,
     status TEXT NOT NULL DEFAULT 'draft',
     conflict_texts TEXT,
     pending INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
  `CREATE INDEX drafts_user ON drafts (user_id, patient_id, updated_at)`,
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     user_id INTEGER NOT NULL,
     draft_id TEXT,
     kind TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending',
     reason TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   )`,
  `CREATE INDEX outbox_state ON outbox (state, seq)`,
  `CREATE TABLE cache (
     entity TEXT NOT NULL,
     id TEXT NOT NULL,
     patient_id TEXT,
     seq INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (entity, id)
   )`,
  `CREATE INDEX cache_patient ON cache (patient_id, entity)`,
  `CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];
