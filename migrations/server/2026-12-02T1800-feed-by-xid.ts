import { sql, type Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * The change feed without a per-branch lock (DESIGN §8): feed numbers become (transaction id <<
 * 24) + position, drawn without waiting, and pullers read below the oldest running transaction
 * (server/sync/sql/feed.sql). Pushes lock per draft instead of per branch
 * (server/sync/sql/push.sql). The existing numbers of every branch are smaller than any new one
 * (checked here), so the cursors stations hold stay valid and nothing already fed is re-sent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$
    DECLARE b int; top bigint;
    BEGIN
      FOR b IN SELECT id FROM branches ORDER BY id LOOP
        PERFORM set_config('app.current_branch', b::text, true);
        SELECT max(seq) INTO top FROM change_feed WHERE branch_id = b;
        IF top >= (pg_current_xact_id()::text::bigint) << 24 THEN
          RAISE EXCEPTION 'branch %: feed number % is beyond the transaction-id numbering; this database cannot switch feeds', b, top;
        END IF;
      END LOOP;
      PERFORM set_config('app.current_branch', '', true);
    END $$`.execute(db);
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
