import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * The ward tool's code status and the signer on a signed note (issue 17), additive only.
 *
 * - code_statuses: a patient's resuscitation decision as data (full code, DNACPR, or limitations
 *   of treatment with their wording), recorded by a physician at a station. Insert-only: a new
 *   decision is a new row, the newest is the current one, and the history stays. The recorder's
 *   name and role are kept on the row as they were when it was recorded, so every station shows
 *   them. A patient table like the others (branch RLS, branch_id leading the key), on the change
 *   feed as 'code_status'.
 * - soap_drafts.approved_by_name / approved_by_role: the signer as they signed (a nursing note is
 *   signed by its nurse, a progress note by a physician), on the feed with the signed note, so a
 *   station shows the role without having seen the signer sign in. Null for notes signed before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE code_statuses (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL,
      patient_id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('full-code', 'dnacpr', 'limitations')),
      limitations text CHECK (limitations IS NULL OR length(limitations) BETWEEN 1 AND 500),
      recorded_by int NOT NULL REFERENCES users(id),
      recorded_by_name text NOT NULL,
      recorded_by_role text NOT NULL CHECK (recorded_by_role IN ('physician')),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id),
      CHECK ((status = 'limitations') = (limitations IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX code_statuses_patient ON code_statuses (branch_id, patient_id, recorded_at DESC)`.execute(db);
  await sql`CREATE TRIGGER code_statuses_feed_insert AFTER INSERT ON code_statuses
            REFERENCING NEW TABLE AS changed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION change_feed_append('code_status')`.execute(db);
  await enableBranchIsolation(db, 'code_statuses');
  await grantToApp(db, 'SELECT, INSERT', ['code_statuses']);

  await sql`
    ALTER TABLE soap_drafts
      ADD COLUMN approved_by_name text,
      ADD COLUMN approved_by_role text CHECK (approved_by_role IN ('physician', 'nurse'))`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
