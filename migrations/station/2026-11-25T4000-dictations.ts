/*
 * Dictated audio, kept on the station until the server has transcribed it (then the row is
 * marked sent and its audio emptied). Additive: a new table only.
 */
export const name = '2026-11-25T4000-dictations';

export const statements = [
  `CREATE TABLE dictations (
     id TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     draft_id TEXT NOT NULL,
     mime TEXT NOT NULL,
     audio BLOB NOT NULL,
     created_at INTEGER NOT NULL,
     sent_at INTEGER
   )`,
  `CREATE INDEX dictations_pending ON dictations (user_id, sent_at, created_at)`,
];
