import { sql, type Kysely } from 'kysely';

/*
 * One index fewer per draft (issue 18, sync push). note_drafts carried a third unique index,
 * (branch_id, id, patient_id), only as the target of soap_drafts' composite foreign key: a SOAP
 * draft cannot name another patient than its raw note. Every draft a station pushes paid for
 * it (a random-key insert, one of five index inserts per first save; the five took about a
 * quarter of a push batch's database CPU in a perf profile of sync_push_set).
 *
 * The guarantee is kept by other means, and the FK on the draft's key remains:
 * - soap_drafts references note_drafts (branch_id, id), its primary key: a SOAP draft still
 *   needs its raw note, which cannot be deleted or re-keyed under it (with the FK's lock);
 * - a trigger checks, on insert and on any update of its key or patient, that the SOAP draft
 *   names its raw note's patient (foreign_key_violation, as the FK answered);
 * - a draft's patient never changes (no code changes it; sync_apply rejects a patient_mismatch
 *   instead): a trigger refuses an update of note_drafts.patient_id, so what the SOAP draft's
 *   check saw stays true. It fires only for updates that name that column, never for a save.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION soap_drafts_patient_of_note() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM note_drafts
                      WHERE branch_id = NEW.branch_id AND id = NEW.note_draft_id AND patient_id = NEW.patient_id) THEN
        RAISE EXCEPTION 'insert or update on table "soap_drafts" violates foreign key: the SOAP draft must name its raw note''s patient'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER soap_drafts_patient_of_note BEFORE INSERT OR UPDATE OF branch_id, note_draft_id, patient_id ON soap_drafts
      FOR EACH ROW EXECUTE FUNCTION soap_drafts_patient_of_note()`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION note_drafts_patient_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'a note draft''s patient never changes' USING ERRCODE = 'foreign_key_violation';
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER note_drafts_patient_fixed BEFORE UPDATE OF patient_id ON note_drafts
      FOR EACH ROW WHEN (NEW.patient_id IS DISTINCT FROM OLD.patient_id) EXECUTE FUNCTION note_drafts_patient_fixed()`.execute(db);
  await sql`ALTER TABLE soap_drafts ADD CONSTRAINT soap_drafts_branch_id_note_draft_id_fkey FOREIGN KEY (branch_id, note_draft_id) REFERENCES note_drafts (branch_id, id)`.execute(db);
  await sql`ALTER TABLE soap_drafts DROP CONSTRAINT soap_drafts_branch_id_note_draft_id_patient_id_fkey`.execute(db);
  // Its index goes with it.
  await sql`ALTER TABLE note_drafts DROP CONSTRAINT note_drafts_branch_id_patient_key`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
