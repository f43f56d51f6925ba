import { sql, type Kysely } from 'kysely';

/*
 * A pushed draft's author is checked once per push, not once per draft (issue 18). The foreign
 * key of note_drafts.author_user_id to users ran, for every inserted draft, a query that
 * key-share locks the author's users row: about 6 ms of the ~45 ms of backend CPU of a push of
 * 500 new drafts (bench push-cpu and perf: the referential checks were ~14% of it, this key about
 * half), and every concurrent push of one user locks the same row. What the key held is held
 * already: the only writers of drafts (sync_push_set and sync_apply in server/sync/sql/push.sql)
 * insert the push's signed-in user, whom requireSession found in a live session in the same
 * request; users are never deleted (the app role has no DELETE on users); and sync_mutations.user_id,
 * the push's other record of the same user, never had a key. The key to patients stays: it holds
 * the draft's branch (migration 2026-12-02T2500-push-as-a-set) and a patient the push names.
 * Dropping a constraint is additive: the previous release writes the same rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE note_drafts DROP CONSTRAINT IF EXISTS note_drafts_author_user_id_fkey`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
