import { sql, type Kysely } from 'kysely';

/*
 * A draft's patient and author checked once per statement instead of once per row (issue 18,
 * sync push). The two foreign keys of note_drafts (patient, author) ran one lookup and one row
 * lock per inserted draft through the executor's per-row trigger queue: about a seventh of a
 * 500-draft push's database CPU in a perf profile of sync_push_set; checked as one set by a
 * statement trigger, about half of that.
 *
 * What the foreign keys guaranteed, and what keeps it now:
 * - a draft names a patient of its own branch and an existing user, when written:
 *   note_drafts_references (AFTER INSERT, per statement) refuses the whole statement with
 *   foreign_key_violation if any new row does not;
 * - a draft's branch, patient and author never change afterwards: note_drafts_patient_fixed
 *   (migration 2026-12-04T0230) now covers branch_id and author_user_id as well;
 * - what a draft references is never removed or re-keyed under it: patients and users rows are
 *   never deleted (nothing deletes them; the app role cannot) and never change their key; the
 *   triggers below refuse both, for every row, so no concurrent delete can slip between a
 *   draft's check and its commit (the foreign key's row lock held that; it is not needed when
 *   the row cannot go at all). They run AFTER the row change, so row-level security still
 *   answers first for a row of another branch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION note_drafts_references() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Each patient and author once: a batch names a ward's patients many times over.
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT branch_id, patient_id FROM new_drafts) n
                  WHERE NOT EXISTS (SELECT 1 FROM patients p WHERE p.branch_id = n.branch_id AND p.id = n.patient_id))
         OR EXISTS (SELECT 1 FROM (SELECT DISTINCT author_user_id FROM new_drafts) n
                     WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = n.author_user_id)) THEN
        RAISE EXCEPTION 'insert on table "note_drafts" violates foreign key: a draft names a patient of its branch and an existing author'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER note_drafts_references AFTER INSERT ON note_drafts REFERENCING NEW TABLE AS new_drafts
      FOR EACH STATEMENT EXECUTE FUNCTION note_drafts_references()`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION note_drafts_patient_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'a note draft''s branch, patient and author never change' USING ERRCODE = 'foreign_key_violation';
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER note_drafts_patient_fixed BEFORE UPDATE OF branch_id, patient_id, author_user_id ON note_drafts
      FOR EACH ROW WHEN (NEW.branch_id IS DISTINCT FROM OLD.branch_id OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
                         OR NEW.author_user_id IS DISTINCT FROM OLD.author_user_id)
      EXECUTE FUNCTION note_drafts_patient_fixed()`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION kept_forever() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% rows are never deleted and never change their key', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END $$`.execute(db);
  await sql`CREATE OR REPLACE TRIGGER patients_kept AFTER DELETE ON patients FOR EACH ROW EXECUTE FUNCTION kept_forever()`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER patients_key_kept AFTER UPDATE OF branch_id, id ON patients
      FOR EACH ROW WHEN (NEW.branch_id IS DISTINCT FROM OLD.branch_id OR NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION kept_forever()`.execute(db);
  await sql`CREATE OR REPLACE TRIGGER users_kept AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION kept_forever()`.execute(db);
  await sql`
    CREATE OR REPLACE TRIGGER users_key_kept AFTER UPDATE OF id ON users
      FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION kept_forever()`.execute(db);
  await sql`ALTER TABLE note_drafts DROP CONSTRAINT note_drafts_branch_id_patient_id_fkey`.execute(db);
  await sql`ALTER TABLE note_drafts DROP CONSTRAINT note_drafts_author_user_id_fkey`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
