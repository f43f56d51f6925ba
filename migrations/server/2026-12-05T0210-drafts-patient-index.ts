import { sql, type Kysely } from 'kysely';

/*
 * One index fewer per draft write (issue 18, sync push). note_drafts_patient
 * (branch_id, patient_id, updated_at DESC) served no query: every reader of note_drafts finds a
 * draft by its key (branch_id, id) — the notes routes, the review and its transcript, the signer,
 * the summarization queue, the push (sync_push_set, sync_apply) and the SOAP draft's patient check
 * (soap_drafts_patient_of_note: key and patient) — and no trigger, view or foreign key reads
 * drafts by patient (patients are never deleted, and a draft's patient never changes: migrations
 * 2026-12-04T0230 and 0240). A station reads a patient's drafts from its own store and the feed.
 *
 * What it cost: an insert into a random place of a second index for every first save, and,
 * because updated_at was one of its columns, every later save of a draft wrote a new entry into
 * each of the table's indexes (updated_at changes on every save, so no save could be a
 * heap-only update). Without it a save changes no indexed column and can stay on its page
 * without any index write.
 *
 * Dropping a plain (not unique) index that no query uses changes no answer of this or the
 * previous release, only plans: additive-check.ts permits exactly this statement.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS note_drafts_patient`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
