import { isSealed } from './seal';
import { seal, sealBytes, type Store } from './store';

/** Text columns that are sealed at rest: table, key column, sealed column. */
const SEALED_TEXT: readonly (readonly [table: string, key: string, column: string])[] = [
  ['cache', 'rowid', 'data'],
  ['clinical_entries', 'id', 'data'],
  ['drafts', 'id', 'text'],
  ['drafts', 'id', 'conflict_texts'],
  ['outbox', 'id', 'body'],
];

/**
 * Seals what an earlier version of the station left in clear (the ward cache, local clinical
 * entries and dictation audio were not sealed before; old drafts and outbox rows only on their
 * next write). Runs at start with secure_delete on, so the clear text's old cells are zeroed,
 * then truncates the WAL, which held the rewritten pages' old images. Returns the rows sealed.
 * A store opened without a key (unit tests) is left alone.
 */
export function sealExistingRows(db: Store): number {
  if (seal(db, '') === '') return 0;
  let sealed = 0;
  db.pragma('secure_delete = ON');
  try {
    db.transaction(() => {
      for (const [table, key, column] of SEALED_TEXT) {
        const rows = db.prepare(`SELECT ${key} AS k, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL AND ${column} NOT LIKE 's1:%'`).all() as { k: unknown; v: string }[];
        const put = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${key} = ?`);
        for (const r of rows) put.run(seal(db, r.v), r.k);
        sealed += rows.length;
      }
      // The credential (other config values are not secret).
      const credential = db.prepare("SELECT value FROM station_config WHERE key = 'credential' AND value NOT LIKE 's1:%'").pluck().get() as string | undefined;
      if (credential !== undefined) {
        db.prepare("UPDATE station_config SET value = ? WHERE key = 'credential'").run(seal(db, credential));
        sealed++;
      }
      const audio = db.prepare('SELECT id, audio FROM dictations WHERE length(audio) > 0').all() as { id: string; audio: Buffer }[];
      const putAudio = db.prepare('UPDATE dictations SET audio = ? WHERE id = ?');
      for (const r of audio) {
        if (isSealed(r.audio)) continue;
        putAudio.run(sealBytes(db, r.audio), r.id);
        sealed++;
      }
    })();
    if (sealed > 0) db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma('secure_delete = OFF');
  }
  return sealed;
}
