import { sql, type Kysely } from 'kysely';

/*
 * An Observation search by code (issue 18): FHIR matches any coding of Observation.code, so the
 * search was `loinc = $c OR id IN (the token index)`. PostgreSQL cannot serve that OR from the
 * (branch, patient, loinc) index: it read every result of the patient and filtered them, ten
 * times the heap pages of the matching rows (at a million rows, most of a search's database CPU).
 *
 * observations.other_codings says whether the resource has a coding of `code` that the primary
 * columns (loinc, code_system) do not hold; only those rows can match through the token index.
 * The search becomes `loinc = $c OR (other_codings AND id IN …)`, and a partial index on the
 * flagged rows lets the planner answer both arms from indexes (a BitmapOr): for the usual
 * single-coded result the second arm reads an empty index page.
 *
 * The server sets the flag when it inserts the row. The database keeps it true by construction,
 * whatever the writer (a server of the previous release during a rollout, a tool):
 * - every insert into fhir_tokens sets it on any Observation row whose code token differs from
 *   its primary columns (a statement trigger; it changes nothing when the flag was already set);
 * - an update never clears it, and an update of loinc or code_system sets it (the tokens of the
 *   old primary code still point at the row).
 * Existing rows are flagged here from their tokens, branch by branch (RLS is forced).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE observations ADD COLUMN other_codings boolean NOT NULL DEFAULT false`.execute(db);
  await sql`
    CREATE FUNCTION fhir_tokens_flag_other_codings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE observations o SET other_codings = true
        FROM added k
       WHERE k.resource_type = 'Observation' AND k.param = 'code'
         AND o.branch_id = k.branch_id AND o.id = k.resource_id
         AND NOT o.other_codings AND (o.loinc, o.code_system) IS DISTINCT FROM (k.value, k.system);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER fhir_tokens_flag_other_codings AFTER INSERT ON fhir_tokens
      REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION fhir_tokens_flag_other_codings()`.execute(db);
  await sql`
    CREATE FUNCTION observations_other_codings_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.other_codings := true;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER observations_other_codings_kept BEFORE UPDATE OF loinc, code_system, other_codings ON observations
      FOR EACH ROW WHEN (NOT NEW.other_codings AND (OLD.other_codings OR OLD.loinc IS DISTINCT FROM NEW.loinc OR OLD.code_system IS DISTINCT FROM NEW.code_system))
      EXECUTE FUNCTION observations_other_codings_kept()`.execute(db);
  await sql`
    DO $$
    DECLARE b int;
    BEGIN
      FOR b IN SELECT id FROM branches LOOP
        PERFORM set_config('app.current_branch', b::text, true);
        UPDATE observations o SET other_codings = true
         WHERE EXISTS (SELECT 1 FROM fhir_tokens k
                        WHERE k.branch_id = o.branch_id AND k.resource_type = 'Observation' AND k.resource_id = o.id AND k.param = 'code'
                          AND (o.loinc, o.code_system) IS DISTINCT FROM (k.value, k.system));
      END LOOP;
      PERFORM set_config('app.current_branch', '', true);
    END $$`.execute(db);
  await sql`CREATE INDEX observations_other_codings ON observations (branch_id, patient_id) WHERE other_codings`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
