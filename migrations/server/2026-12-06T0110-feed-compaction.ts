import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';
import { installSyncRules } from './sync-rules';

/*
 * Feed compaction (issue 18, bootstrap): change_feed_compact (server/sync/sql/feed.sql) removes
 * feed rows whose entity has a newer row in the feed, so that a new station's bootstrap reads the
 * ward as it is, not every autosave of every draft and every earlier state of every result.
 * - change_feed_compaction: per branch, the feed number up to which compaction has run (read and
 *   written only by the function, which runs as its owner: the app role has no grant on it);
 * - change_feed_entity: an entity's rows, for the function's lookup of the older rows of each
 *   entity it saw. One more index entry per feed row written: about 1.3 ms of PostgreSQL's 19 ms
 *   for a push of 500 new drafts; the narrow key (ids are UUIDs, the entity is checked on the
 *   row) cost half of what (branch, entity, id, number) did;
 * - the function, executable by the app role only (not by PUBLIC, the default for a function).
 * The previous release neither calls it nor needs the copies it removes. The index is built in
 * the migrations' transaction (no CONCURRENTLY there), so writes to the feed wait while it is
 * built: seconds for a few million feed rows; on a larger feed, migrate at a quiet hour.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE change_feed_compaction (
      branch_id int PRIMARY KEY REFERENCES branches(id),
      upto bigint NOT NULL
    )`.execute(db);
  await enableBranchIsolation(db, 'change_feed_compaction');
  await sql`CREATE INDEX change_feed_entity ON change_feed (branch_id, entity_id)`.execute(db);
  await installSyncRules(db);
  await sql`REVOKE ALL ON FUNCTION change_feed_compact(int) FROM PUBLIC`.execute(db);
  await grantToApp(db, 'EXECUTE', ['change_feed_compact(int)'], 'FUNCTION');
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
