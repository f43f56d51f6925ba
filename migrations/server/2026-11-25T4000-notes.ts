import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * Clinical notes after the raw draft: the summarization queue, SOAP drafts under review,
 * the record of every review step, and addenda to approved notes.
 *
 * - summarization_jobs: one per (note draft, version). A trigger enqueues it when a note draft
 *   becomes 'submitted', whoever wrote it (a station's push after being offline included).
 * - soap_drafts: at most one per job AND one per (note draft, version), so neither a second
 *   worker nor a retried lease can add a second draft. The composite FK to note_drafts carries
 *   patient_id: a SOAP draft cannot name another patient than its raw note.
 * - Approved drafts are immutable: a trigger refuses any update of an approved row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // The target of the composite FK below (additive: a unique index over an existing key).
  await sql`CREATE UNIQUE INDEX note_drafts_patient_key ON note_drafts (branch_id, id, patient_id)`.execute(db);
  await sql`ALTER TABLE note_drafts ADD CONSTRAINT note_drafts_branch_id_patient_key UNIQUE USING INDEX note_drafts_patient_key`.execute(db);

  await sql`
    CREATE TABLE summarization_jobs (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      note_draft_id uuid NOT NULL,
      note_version int NOT NULL,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
      attempts int NOT NULL DEFAULT 0,
      max_attempts int NOT NULL DEFAULT 5,
      run_after timestamptz NOT NULL DEFAULT now(),
      locked_until timestamptz,
      locked_by text,
      last_error_kind text,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      PRIMARY KEY (branch_id, id),
      UNIQUE (branch_id, note_draft_id, note_version),
      FOREIGN KEY (branch_id, note_draft_id) REFERENCES note_drafts(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX summarization_jobs_due ON summarization_jobs (branch_id, run_after) WHERE status IN ('queued', 'running')`.execute(db);

  await sql`
    CREATE TABLE soap_drafts (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      job_id uuid NOT NULL,
      note_draft_id uuid NOT NULL,
      note_version int NOT NULL,
      patient_id uuid NOT NULL,
      sections jsonb NOT NULL,
      provider text NOT NULL,
      model text NOT NULL,
      prompt_version text NOT NULL,
      latency_ms double precision NOT NULL,
      input_tokens int,
      output_tokens int,
      content_hash text NOT NULL,
      status text NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'approved')),
      approved_by int REFERENCES users(id),
      approved_at timestamptz,
      approved_hash text,
      approved_text text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, id),
      UNIQUE (branch_id, job_id),
      UNIQUE (branch_id, note_draft_id, note_version),
      FOREIGN KEY (branch_id, job_id) REFERENCES summarization_jobs(branch_id, id),
      FOREIGN KEY (branch_id, note_draft_id, patient_id) REFERENCES note_drafts(branch_id, id, patient_id),
      CHECK ((status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND approved_hash IS NOT NULL AND approved_text IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX soap_drafts_patient ON soap_drafts (branch_id, patient_id, approved_at)`.execute(db);

  await sql`
    CREATE FUNCTION soap_drafts_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'an approved note is immutable' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER soap_drafts_immutable BEFORE UPDATE ON soap_drafts FOR EACH ROW EXECUTE FUNCTION soap_drafts_immutable()`.execute(db);

  await sql`
    CREATE TABLE soap_statement_edits (
      branch_id int NOT NULL REFERENCES branches(id),
      id bigint GENERATED ALWAYS AS IDENTITY,
      soap_draft_id uuid NOT NULL,
      section text NOT NULL CHECK (section IN ('subjective', 'objective', 'assessment', 'plan')),
      statement_index int NOT NULL,
      action text NOT NULL CHECK (action IN ('edit', 'accept', 'remove')),
      before_text text NOT NULL,
      after_text text,
      user_id int NOT NULL REFERENCES users(id),
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, soap_draft_id) REFERENCES soap_drafts(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX soap_statement_edits_draft ON soap_statement_edits (branch_id, soap_draft_id, id)`.execute(db);

  await sql`
    CREATE TABLE note_addenda (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      soap_draft_id uuid NOT NULL,
      patient_id uuid NOT NULL,
      text text NOT NULL CHECK (length(text) BETWEEN 1 AND 100000),
      author_user_id int NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, soap_draft_id) REFERENCES soap_drafts(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX note_addenda_draft ON note_addenda (branch_id, soap_draft_id, created_at)`.execute(db);

  // Enqueue on submission, in the submitting transaction: a job exists iff the submit committed.
  await sql`
    CREATE FUNCTION summarization_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE actor text := coalesce(current_setting('app.current_actor', true), '');
    BEGIN
      IF NEW.status = 'submitted' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'submitted') THEN
        INSERT INTO summarization_jobs (branch_id, note_draft_id, note_version)
          VALUES (NEW.branch_id, NEW.id, NEW.version)
          ON CONFLICT (branch_id, note_draft_id, note_version) DO NOTHING;
        -- The submission is audited in the same transaction, whoever submitted (never the text).
        INSERT INTO audit_events (branch_id, actor_kind, actor_id, action, entity_type, entity_id, patient_id, detail)
          VALUES (NEW.branch_id, coalesce(nullif(split_part(actor, ':', 1), ''), 'system'), nullif(substr(actor, length(split_part(actor, ':', 1)) + 2), ''),
                  'note.submitted', 'note_draft', NEW.id::text, NEW.patient_id, jsonb_build_object('version', NEW.version));
        PERFORM pg_notify('wardstation_summarize', NEW.branch_id::text);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER note_drafts_summarize AFTER INSERT OR UPDATE OF status ON note_drafts FOR EACH ROW EXECUTE FUNCTION summarization_enqueue()`.execute(db);

  // Stations receive SOAP drafts and addenda through the change feed (same pattern as sync).
  for (const [table, entity] of [['soap_drafts', 'soap_draft'], ['note_addenda', 'note_addendum']] as const) {
    for (const event of ['INSERT', 'UPDATE']) {
      await sql`CREATE TRIGGER ${sql.id(`${table}_feed_${event.toLowerCase()}`)} AFTER ${sql.raw(event)} ON ${sql.table(table)}
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION change_feed_append(${sql.lit(entity)})`.execute(db);
    }
  }

  for (const t of ['summarization_jobs', 'soap_drafts', 'soap_statement_edits', 'note_addenda']) await enableBranchIsolation(db, t);
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['summarization_jobs', 'soap_drafts']);
  await grantToApp(db, 'SELECT, INSERT', ['soap_statement_edits', 'note_addenda']);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
