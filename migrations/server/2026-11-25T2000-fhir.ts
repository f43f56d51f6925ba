import { sql, type Kysely } from 'kysely';
import { grantToApp } from './app-grants';

/*
 * FHIR R4 API support, additive only:
 * - fhir_settings: a per-database secret that signs paging cursors, so every stateless server
 *   instance of one database agrees on it without configuration (FHIR_CURSOR_SECRET overrides).
 *   The app role may only read it.
 * - Observation.identifier (a lab's own result id), so a lab that resends a result can use
 *   If-None-Exist on it.
 * - Indexes the FHIR searches need, each led by branch_id and compared with leakproof operators
 *   only, so they still serve index scans under row-level security.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE fhir_settings (
      key text PRIMARY KEY,
      value text NOT NULL
    )`.execute(db);
  // gen_random_uuid() draws from the server's strong random source: two give 244 random bits.
  await sql`
    INSERT INTO fhir_settings (key, value)
    VALUES ('cursor_secret', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'))`.execute(db);
  await grantToApp(db, 'SELECT', ['fhir_settings']);

  await sql`ALTER TABLE observations ADD COLUMN identifier_system text, ADD COLUMN identifier_value text`.execute(db);
  await sql`CREATE INDEX observations_identifier ON observations (branch_id, identifier_value) WHERE identifier_value IS NOT NULL`.execute(db);
  await sql`CREATE INDEX observations_code_effective ON observations (branch_id, loinc, effective_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX observations_effective ON observations (branch_id, effective_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX observations_updated ON observations (branch_id, updated_at)`.execute(db);
  await sql`CREATE INDEX patients_branch_birth_date ON patients (branch_id, birth_date)`.execute(db);
  await sql`CREATE INDEX patients_branch_updated ON patients (branch_id, updated_at)`.execute(db);
  await sql`CREATE INDEX medication_requests_authored ON medication_requests (branch_id, authored_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX service_requests_authored ON service_requests (branch_id, authored_at DESC, id DESC)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
