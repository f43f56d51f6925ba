/*
 * Dictations recorded at the station, kept locally until the server-side transcription takes
 * them (a later issue). Additive only (DESIGN §7).
 */
export const name = '2026-11-25T1100-dictations';

export const statements = [
  `CREATE TABLE dictations (
     id TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     patient_id TEXT NOT NULL,
     draft_id TEXT,
     mime TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     audio BLOB NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  `CREATE INDEX dictations_user ON dictations (user_id, patient_id, created_at)`,
];
