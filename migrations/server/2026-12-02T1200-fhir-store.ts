import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * FHIR storage that keeps what a partner sent (issue: lossless FHIR), additive only.
 *
 * - fhir_resources: every version of every resource accepted through FHIR, whole, as received
 *   plus id and meta. The clinical tables stay the projections the station and the search read;
 *   a row's `version` names its stored resource (same branch, type, id and version), and both are
 *   written in the same transaction. A row without a stored version (seeded, or written by the
 *   station) is answered from its columns, as before.
 * - fhir_tokens: every identifier and code of every stored resource, so each is searchable (and
 *   usable in If-None-Exist), not only the first one the columns project.
 * - allergy_intolerances: AllergyIntolerance, a patient table like the others (branch RLS,
 *   branch_id leading the key, on the change feed as 'allergy_intolerance').
 * - Projections the columns lacked: Observation categories, the code system, components (blood
 *   pressure as a panel) and the end of an effective period; ServiceRequest intent and code
 *   system; MedicationRequest medication code system.
 * - api_clients.identifier_systems: Patient identifier systems a partner registered for its branch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE fhir_resources (
      branch_id int NOT NULL REFERENCES branches(id),
      resource_type text NOT NULL,
      id uuid NOT NULL,
      version int NOT NULL,
      last_updated timestamptz NOT NULL,
      resource jsonb NOT NULL,
      PRIMARY KEY (branch_id, resource_type, id, version)
    )`.execute(db);

  await sql`
    CREATE TABLE fhir_tokens (
      branch_id int NOT NULL REFERENCES branches(id),
      resource_type text NOT NULL,
      param text NOT NULL,
      system text NOT NULL DEFAULT '',
      value text NOT NULL,
      resource_id uuid NOT NULL,
      PRIMARY KEY (branch_id, resource_type, param, value, system, resource_id)
    )`.execute(db);
  await sql`CREATE INDEX fhir_tokens_resource ON fhir_tokens (branch_id, resource_type, resource_id)`.execute(db);

  // Existing rows are lab results: 'laboratory' is what they were.
  await sql`
    ALTER TABLE observations
      ADD COLUMN category text[] NOT NULL DEFAULT '{laboratory}',
      ADD COLUMN code_system text NOT NULL DEFAULT 'http://loinc.org',
      ADD COLUMN components jsonb,
      ADD COLUMN effective_end timestamptz`.execute(db);

  await sql`
    ALTER TABLE service_requests
      ADD COLUMN intent text NOT NULL DEFAULT 'order'
        CHECK (intent IN ('proposal', 'plan', 'directive', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option')),
      ADD COLUMN code_system text NOT NULL DEFAULT 'http://snomed.info/sct'`.execute(db);

  await sql`ALTER TABLE medication_requests ADD COLUMN medication_system text DEFAULT 'http://www.nlm.nih.gov/research/umls/rxnorm'`.execute(db);

  await sql`ALTER TABLE api_clients ADD COLUMN identifier_systems text[] NOT NULL DEFAULT '{}'`.execute(db);

  await sql`
    CREATE TABLE allergy_intolerances (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      code_system text,
      code text,
      display text NOT NULL,
      clinical_status text CHECK (clinical_status IN ('active', 'inactive', 'resolved')),
      verification_status text CHECK (verification_status IN ('unconfirmed', 'confirmed', 'refuted', 'entered-in-error')),
      type text CHECK (type IN ('allergy', 'intolerance')),
      categories text[] NOT NULL DEFAULT '{}',
      criticality text CHECK (criticality IN ('low', 'high', 'unable-to-assess')),
      reactions jsonb NOT NULL DEFAULT '[]',
      onset_at timestamptz,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      note text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version int NOT NULL DEFAULT 1,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX allergy_intolerances_patient ON allergy_intolerances (branch_id, patient_id, recorded_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX allergy_intolerances_recorded ON allergy_intolerances (branch_id, recorded_at DESC, id DESC)`.execute(db);
  for (const event of ['INSERT', 'UPDATE']) {
    await sql`CREATE TRIGGER ${sql.id(`allergy_intolerances_feed_${event.toLowerCase()}`)} AFTER ${sql.raw(event)} ON allergy_intolerances
              REFERENCING NEW TABLE AS changed_rows
              FOR EACH STATEMENT EXECUTE FUNCTION change_feed_append('allergy_intolerance')`.execute(db);
  }

  for (const t of ['fhir_resources', 'fhir_tokens', 'allergy_intolerances']) await enableBranchIsolation(db, t);
  await grantToApp(db, 'SELECT, INSERT', ['fhir_resources']);
  // Tokens are an index of the current version: replaced when a resource changes.
  await grantToApp(db, 'SELECT, INSERT, DELETE', ['fhir_tokens']);
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['allergy_intolerances']);

  // Identifiers of results stored before this migration stay searchable (RLS is forced: per branch).
  await sql`
    DO $$
    DECLARE b int;
    BEGIN
      FOR b IN SELECT id FROM branches ORDER BY id LOOP
        PERFORM set_config('app.current_branch', b::text, true);
        INSERT INTO fhir_tokens (branch_id, resource_type, param, system, value, resource_id)
          SELECT branch_id, 'Observation', 'identifier', coalesce(identifier_system, ''), identifier_value, id
            FROM observations WHERE branch_id = b AND identifier_value IS NOT NULL
          ON CONFLICT DO NOTHING;
      END LOOP;
      PERFORM set_config('app.current_branch', '', true);
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
