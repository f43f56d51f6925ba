import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, ensureAppGroup, grantToApp } from './app-grants';

/*
 * Branches, staff, stations, sessions, API clients and patients, with branch row-level security
 * on every table that holds patient data. Frozen in time: never edit, only add migrations.
 * branch_id leads every patient table's primary key (DESIGN §8: distribution by branch).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await ensureAppGroup(db);

  await sql`
    CREATE TABLE branches (
      id serial PRIMARY KEY,
      code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]*$'),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE wards (
      id serial PRIMARY KEY,
      branch_id int NOT NULL REFERENCES branches(id),
      code text NOT NULL,
      name text NOT NULL,
      beds int NOT NULL DEFAULT 0,
      UNIQUE (branch_id, code),
      UNIQUE (branch_id, id)
    )`.execute(db);

  await sql`
    CREATE TABLE users (
      id serial PRIMARY KEY,
      username text NOT NULL,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      disabled_at timestamptz
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_username_key ON users (lower(username))`.execute(db);

  await sql`
    CREATE TABLE user_branch_roles (
      user_id int NOT NULL REFERENCES users(id),
      branch_id int NOT NULL REFERENCES branches(id),
      role text NOT NULL CHECK (role IN ('physician', 'nurse', 'it_admin')),
      PRIMARY KEY (user_id, branch_id, role)
    )`.execute(db);

  await sql`
    CREATE TABLE stations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      branch_id int NOT NULL REFERENCES branches(id),
      ward_id int NOT NULL,
      name text NOT NULL,
      credential_hash text NOT NULL UNIQUE,
      enrolled_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz,
      app_version text,
      revoked_at timestamptz,
      FOREIGN KEY (branch_id, ward_id) REFERENCES wards(branch_id, id)
    )`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id bigserial PRIMARY KEY,
      token_hash text NOT NULL UNIQUE,
      user_id int NOT NULL REFERENCES users(id),
      branch_id int NOT NULL REFERENCES branches(id),
      station_id uuid REFERENCES stations(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE api_clients (
      id serial PRIMARY KEY,
      branch_id int NOT NULL REFERENCES branches(id),
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      scopes text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`.execute(db);

  // Keyed by the name typed, not by user id, so unknown and known usernames are throttled alike.
  await sql`
    CREATE TABLE login_attempts (
      id bigserial PRIMARY KEY,
      username text NOT NULL,
      remote text NOT NULL,
      success boolean NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX login_attempts_username_at ON login_attempts (lower(username), at)`.execute(db);
  await sql`CREATE INDEX login_attempts_remote_at ON login_attempts (remote, at)`.execute(db);

  // Folded for search: decomposed, combining marks removed, lower-cased ("Nguyễn" -> "nguyen").
  // Queries compare it with the leakproof pattern operators (~>=~, ~<~): a non-leakproof
  // predicate such as LIKE or lower() cannot be used in an index scan under RLS.
  // ICU's root locale lower-cases every script whatever the database's ctype (a "C" ctype would
  // leave Cyrillic or Greek as typed); its context-dependent final sigma is folded back to σ so
  // that a typed prefix matches the middle of a word.
  await sql`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
        CREATE FUNCTION search_key(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
          SELECT translate(lower(regexp_replace(normalize(t, NFKD), '[\u0300-\u036f]', '', 'g') COLLATE "und-x-icu"), 'ς', 'σ')
        $f$;
      ELSE
        CREATE FUNCTION search_key(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
          SELECT translate(lower(regexp_replace(normalize(t, NFKD), '[\u0300-\u036f]', '', 'g')), 'ς', 'σ')
        $f$;
      END IF;
    END $$`.execute(db);
  await grantToApp(db, 'EXECUTE', ['search_key(text)'], 'FUNCTION');

  await sql`
    CREATE TABLE patients (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      mrn text NOT NULL,
      national_id text,
      family_name text NOT NULL,
      family_search text GENERATED ALWAYS AS (search_key(family_name)) STORED,
      given_names text[] NOT NULL DEFAULT '{}',
      birth_date date,
      sex text NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'other', 'unknown')),
      ward_id int,
      bed text,
      admitted_at timestamptz,
      deceased_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version int NOT NULL DEFAULT 1,
      PRIMARY KEY (branch_id, id),
      UNIQUE (branch_id, mrn),
      FOREIGN KEY (branch_id, ward_id) REFERENCES wards(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX patients_branch_national_id ON patients (branch_id, national_id)`.execute(db);
  await sql`CREATE INDEX patients_branch_family ON patients (branch_id, family_search text_pattern_ops)`.execute(db);
  await sql`CREATE INDEX patients_branch_ward ON patients (branch_id, ward_id)`.execute(db);

  await sql`
    CREATE TABLE patient_movements (
      branch_id int NOT NULL,
      id bigserial NOT NULL,
      patient_id uuid NOT NULL,
      ward_id int NOT NULL,
      bed text,
      from_at timestamptz NOT NULL,
      to_at timestamptz,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id),
      FOREIGN KEY (branch_id, ward_id) REFERENCES wards(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX patient_movements_patient ON patient_movements (branch_id, patient_id)`.execute(db);

  for (const t of ['patients', 'patient_movements']) await enableBranchIsolation(db, t);

  // kysely_migration exists by now (the Migrator creates it first); /readyz reads it.
  await grantToApp(db, 'SELECT', ['branches', 'wards', 'users', 'user_branch_roles', 'kysely_migration']);
  await grantToApp(db, 'SELECT, UPDATE', ['stations', 'api_clients']);
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['sessions', 'patients']);
  await grantToApp(db, 'SELECT, INSERT', ['login_attempts', 'patient_movements']);
  await grantToApp(db, 'USAGE', ['sessions_id_seq', 'login_attempts_id_seq', 'patient_movements_id_seq'], 'SEQUENCE');
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
