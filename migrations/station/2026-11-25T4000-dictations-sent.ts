/*
 * Dictations are sent to the server for transcription once their draft has reached it; then the
 * row is marked sent and its audio emptied. Additive: one new column and an index.
 */
export const name = '2026-11-25T4000-dictations-sent';

export const statements = [
  `ALTER TABLE dictations ADD COLUMN sent_at INTEGER`,
  `CREATE INDEX dictations_pending ON dictations (user_id, sent_at, created_at)`,
];
