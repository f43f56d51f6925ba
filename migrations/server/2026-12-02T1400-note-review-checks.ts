import { sql, type Kysely } from 'kysely';

/*
 * The physician's answers to the checks before approval, per SOAP draft: omissions of the raw
 * note marked "not needed" (by key), and the confirmation that the note belongs to the patient on
 * the banner when it names another patient. Additive: one column with a default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE soap_drafts ADD COLUMN review_checks jsonb NOT NULL DEFAULT '{}'::jsonb`.execute(db);
}
