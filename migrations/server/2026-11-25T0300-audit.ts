import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * The audit trail: append-only and hash-chained per branch. The chain is built by a trigger, so
 * application code cannot forge seq, time or hashes; an advisory lock per branch orders
 * concurrent inserts. The canonical text hashed here is reproduced by the verifier
 * (server/audit/verify.ts): change neither without the other, and only in a new migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_events (
      branch_id int NOT NULL REFERENCES branches(id),
      seq bigint NOT NULL,
      at timestamptz NOT NULL,
      actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'client', 'station', 'system', 'admin')),
      actor_id text,
      action text NOT NULL,
      entity_type text,
      entity_id text,
      patient_id uuid,
      detail jsonb NOT NULL DEFAULT '{}'::jsonb,
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (branch_id, seq)
    )`.execute(db);
  await sql`CREATE INDEX audit_events_entity ON audit_events (branch_id, entity_type, entity_id)`.execute(db);
  await sql`CREATE INDEX audit_events_patient ON audit_events (branch_id, patient_id) WHERE patient_id IS NOT NULL`.execute(db);

  await sql`
    CREATE FUNCTION audit_events_canonical(e audit_events) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
      SELECT concat_ws('|',
        e.branch_id::text, e.seq::text,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_kind, coalesce(e.actor_id, ''), e.action,
        coalesce(e.entity_type, ''), coalesce(e.entity_id, ''), coalesce(e.patient_id::text, ''),
        e.detail::text, e.prev_hash)
    $$`.execute(db);

  await sql`
    CREATE FUNCTION audit_events_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      last_seq bigint;
      last_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(734001, NEW.branch_id);
      SELECT seq, hash INTO last_seq, last_hash
        FROM audit_events WHERE branch_id = NEW.branch_id ORDER BY seq DESC LIMIT 1;
      NEW.seq := coalesce(last_seq, 0) + 1;
      NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
      NEW.at := date_trunc('microseconds', clock_timestamp());
      NEW.hash := encode(sha256(convert_to(audit_events_canonical(NEW), 'UTF8')), 'hex');
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`.execute(db);

  await sql`
    CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`.execute(db);

  await enableBranchIsolation(db, 'audit_events');
  await grantToApp(db, 'SELECT, INSERT', ['audit_events']);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
