import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * Lab results, medication orders and referrals. A lab result may arrive before its patient's
 * record exists: then patient_id is null and subject_mrn says whom it is for.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE observations (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      patient_id uuid,
      subject_mrn text,
      loinc text NOT NULL,
      display text NOT NULL,
      value_num numeric,
      value_text text,
      comparator text CHECK (comparator IN ('<', '<=', '>=', '>')),
      unit text,
      ref_low numeric,
      ref_high numeric,
      interpretation text,
      status text NOT NULL CHECK (status IN ('registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown')),
      effective_at timestamptz NOT NULL,
      issued_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version int NOT NULL DEFAULT 1,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX observations_patient_code ON observations (branch_id, patient_id, loinc, effective_at DESC)`.execute(db);
  await sql`CREATE INDEX observations_subject_mrn ON observations (branch_id, subject_mrn) WHERE patient_id IS NULL`.execute(db);

  await sql`
    CREATE TABLE medication_requests (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      rxnorm text NOT NULL,
      display text NOT NULL,
      dosage_text text,
      status text NOT NULL CHECK (status IN ('active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown')),
      intent text NOT NULL CHECK (intent IN ('proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option')),
      authored_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version int NOT NULL DEFAULT 1,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX medication_requests_patient ON medication_requests (branch_id, patient_id, authored_at DESC)`.execute(db);

  await sql`
    CREATE TABLE service_requests (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      snomed text NOT NULL,
      display text NOT NULL,
      category text NOT NULL,
      status text NOT NULL CHECK (status IN ('draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown')),
      priority text NOT NULL DEFAULT 'routine' CHECK (priority IN ('routine', 'urgent', 'asap', 'stat')),
      reason text,
      authored_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version int NOT NULL DEFAULT 1,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX service_requests_patient ON service_requests (branch_id, patient_id, authored_at DESC)`.execute(db);

  for (const t of ['observations', 'medication_requests', 'service_requests']) {
    await enableBranchIsolation(db, t);
  }
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['observations', 'medication_requests', 'service_requests']);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
