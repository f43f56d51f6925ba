import { sql, type Kysely } from 'kysely';
import { enableBranchIsolation, grantToApp } from './app-grants';

/*
 * Sync: raw note drafts, the record of applied station mutations (idempotent push), and the
 * per-branch change feed that stations pull.
 *
 * The feed (DESIGN §4): a sequence number taken at insert time can commit after a larger one,
 * and a puller that already passed it would never see it. Every feed append first takes a
 * transaction-level advisory lock of its branch, held until commit or rollback, and only then
 * draws its number: within a branch, numbers are drawn in commit order, so a puller that saw
 * number n can never later meet a committed m < n. Triggers on the patient tables append, so no
 * writer (seed, FHIR, admin) can forget to.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE note_drafts (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL,
      patient_id uuid NOT NULL,
      author_user_id int NOT NULL REFERENCES users(id),
      text text NOT NULL,
      version int NOT NULL DEFAULT 1,
      status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'conflict', 'submitted')),
      conflict_texts jsonb,
      last_station_id uuid,
      last_mutation_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      submitted_at timestamptz,
      PRIMARY KEY (branch_id, id),
      FOREIGN KEY (branch_id, patient_id) REFERENCES patients(branch_id, id)
    )`.execute(db);
  await sql`CREATE INDEX note_drafts_patient ON note_drafts (branch_id, patient_id, updated_at DESC)`.execute(db);

  await sql`
    CREATE TABLE sync_mutations (
      branch_id int NOT NULL REFERENCES branches(id),
      id uuid NOT NULL,
      station_id uuid NOT NULL,
      user_id int NOT NULL,
      kind text NOT NULL,
      result jsonb NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, id)
    )`.execute(db);

  await sql`
    CREATE TABLE change_feed (
      branch_id int NOT NULL REFERENCES branches(id),
      seq bigint NOT NULL,
      entity text NOT NULL,
      entity_id uuid NOT NULL,
      data jsonb NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (branch_id, seq)
    )`.execute(db);

  await sql`
    CREATE FUNCTION change_feed_append() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE b int; base bigint; n bigint;
    BEGIN
      -- Once per statement, over its transition table: a bulk write appends in one insert.
      FOR b IN SELECT DISTINCT branch_id FROM changed_rows LOOP
        -- 7301: this feed's advisory lock class; the second key is the branch. Held to commit,
        -- so the branch's numbers are dense and drawn in commit order, and reveal nothing of
        -- other branches' activity.
        PERFORM pg_advisory_xact_lock(7301, b);
        SELECT coalesce(max(seq), 0) INTO base FROM change_feed WHERE branch_id = b;
        INSERT INTO change_feed (branch_id, seq, entity, entity_id, data)
          SELECT b, base + row_number() OVER (), TG_ARGV[0], r.id, to_jsonb(r) FROM changed_rows r WHERE r.branch_id = b;
        GET DIAGNOSTICS n = ROW_COUNT;
        -- One notification per branch and statement; the payload names the branch and its head.
        PERFORM pg_notify('wardstation_feed', b::text || ':' || (base + n)::text);
      END LOOP;
      RETURN NULL;
    END $$`.execute(db);
  const fed: [string, string][] = [
    ['patients', 'patient'],
    ['observations', 'observation'],
    ['medication_requests', 'medication_request'],
    ['service_requests', 'service_request'],
    ['note_drafts', 'note_draft'],
  ];
  for (const [table, entity] of fed) {
    // A trigger with a transition table takes one event, hence one trigger per event.
    for (const event of ['INSERT', 'UPDATE']) {
      await sql`CREATE TRIGGER ${sql.id(`${table}_feed_${event.toLowerCase()}`)} AFTER ${sql.raw(event)} ON ${sql.table(table)}
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION change_feed_append(${sql.lit(entity)})`.execute(db);
    }
  }

  // Rows written before this migration reach the feed too, branch by branch (RLS is forced).
  await sql`
    DO $$
    DECLARE b int;
    BEGIN
      FOR b IN SELECT id FROM branches ORDER BY id LOOP
        PERFORM set_config('app.current_branch', b::text, true);
        INSERT INTO change_feed (branch_id, seq, entity, entity_id, data)
          SELECT b, row_number() OVER (ORDER BY k, id), entity, id, data FROM (
            SELECT 1 AS k, 'patient' AS entity, id, to_jsonb(t) AS data FROM patients t WHERE branch_id = b
            UNION ALL SELECT 2, 'observation', id, to_jsonb(t) FROM observations t WHERE branch_id = b
            UNION ALL SELECT 3, 'medication_request', id, to_jsonb(t) FROM medication_requests t WHERE branch_id = b
            UNION ALL SELECT 4, 'service_request', id, to_jsonb(t) FROM service_requests t WHERE branch_id = b) rows;
      END LOOP;
      PERFORM set_config('app.current_branch', '', true);
    END $$`.execute(db);


  /*
   * Applies one station mutation, once, and records its answer. The caller (sync_push) holds the
   * branch's feed lock, so a concurrent push of the same id has committed before we look; were
   * it not held, the primary key of sync_mutations would still refuse the second application
   * (that transaction fails and its retry answers duplicate).
   * A draft edit is a conflict when it was based on an older version written by another
   * station; an older edit of the same station arriving late (its UUID v7 sorts before the
   * last applied one) changes nothing, so duplicates and reordering converge.
   */
  await sql`
    CREATE FUNCTION sync_apply(p_id uuid, p_station uuid, p_user int, p_kind text, p_payload jsonb) RETURNS jsonb
    LANGUAGE plpgsql AS $$
    DECLARE
      b int := NULLIF(current_setting('app.current_branch', true), '')::int;
      d note_drafts%ROWTYPE;
      r jsonb;
      v_text text := p_payload->>'text';
      v_base int := (p_payload->>'baseVersion')::int;
      v_draft uuid := (p_payload->>'draftId')::uuid;
      v_patient uuid := (p_payload->>'patientId')::uuid;
    BEGIN
      SELECT result INTO r FROM sync_mutations WHERE branch_id = b AND id = p_id;
      IF FOUND THEN
        RETURN jsonb_build_object('status', 'duplicate', 'first', r);
      END IF;
      SELECT * INTO d FROM note_drafts WHERE branch_id = b AND id = v_draft FOR UPDATE;
      IF NOT FOUND AND p_kind = 'draft.save' THEN
        IF EXISTS (SELECT 1 FROM patients WHERE branch_id = b AND id = v_patient) THEN
          INSERT INTO note_drafts (branch_id, id, patient_id, author_user_id, text, last_station_id, last_mutation_id)
            VALUES (b, v_draft, v_patient, p_user, v_text, p_station, p_id) RETURNING * INTO d;
          r := jsonb_build_object('status', 'applied');
        ELSE
          r := jsonb_build_object('status', 'rejected', 'reason', 'unknown_patient');
        END IF;
      ELSIF NOT FOUND THEN
        r := jsonb_build_object('status', 'rejected', 'reason', 'unknown_draft');
      ELSIF d.author_user_id <> p_user THEN
        r := jsonb_build_object('status', 'rejected', 'reason', 'not_author');
      ELSIF v_patient IS NOT NULL AND d.patient_id <> v_patient THEN
        r := jsonb_build_object('status', 'rejected', 'reason', 'patient_mismatch');
      ELSIF d.status = 'submitted' THEN
        r := jsonb_build_object('status', CASE WHEN p_kind = 'draft.submit' THEN 'applied' ELSE 'rejected' END, 'reason', 'submitted');
      ELSIF p_kind = 'draft.save' AND d.last_station_id = p_station AND d.last_mutation_id > p_id THEN
        r := jsonb_build_object('status', 'applied', 'superseded', true);
      ELSIF d.status = 'conflict' AND p_kind <> 'draft.resolve' THEN
        r := jsonb_build_object('status', 'conflict');
      ELSIF p_kind = 'draft.save' AND (d.version = v_base OR d.last_station_id = p_station OR d.text = v_text) THEN
        UPDATE note_drafts SET text = v_text, version = version + 1, last_station_id = p_station, last_mutation_id = p_id, updated_at = now()
         WHERE branch_id = b AND id = v_draft RETURNING * INTO d;
        r := jsonb_build_object('status', 'applied');
      ELSIF p_kind = 'draft.save' THEN
        UPDATE note_drafts SET status = 'conflict', version = version + 1, last_station_id = p_station, last_mutation_id = p_id, updated_at = now(),
               conflict_texts = jsonb_build_array(
                 jsonb_build_object('text', d.text, 'stationId', d.last_station_id, 'version', d.version),
                 jsonb_build_object('text', v_text, 'stationId', p_station, 'version', v_base))
         WHERE branch_id = b AND id = v_draft RETURNING * INTO d;
        r := jsonb_build_object('status', 'conflict');
      ELSIF d.version <> v_base THEN
        -- resolve or submit of a version the author did not see: show the current state again
        r := jsonb_build_object('status', 'conflict');
      ELSIF p_kind = 'draft.resolve' THEN
        UPDATE note_drafts SET text = v_text, status = 'draft', conflict_texts = NULL, version = version + 1,
               last_station_id = p_station, last_mutation_id = p_id, updated_at = now()
         WHERE branch_id = b AND id = v_draft RETURNING * INTO d;
        r := jsonb_build_object('status', 'applied');
      ELSIF p_kind = 'draft.submit' THEN
        UPDATE note_drafts SET status = 'submitted', submitted_at = now(), version = version + 1,
               last_station_id = p_station, last_mutation_id = p_id, updated_at = now()
         WHERE branch_id = b AND id = v_draft RETURNING * INTO d;
        r := jsonb_build_object('status', 'applied');
      ELSE
        r := jsonb_build_object('status', 'rejected', 'reason', 'unknown_kind');
      END IF;
      IF d.id IS NOT NULL AND d.author_user_id = p_user THEN
        -- The station has its own text; the server's is sent back only when they disagree.
        r := r || jsonb_build_object('draft', jsonb_build_object('id', d.id, 'patientId', d.patient_id,
               'version', d.version, 'status', d.status, 'conflictTexts', d.conflict_texts)
               || CASE WHEN d.status = 'conflict' THEN jsonb_build_object('text', d.text) ELSE '{}' END);
      END IF;
      INSERT INTO sync_mutations (branch_id, id, station_id, user_id, kind, result) VALUES (b, p_id, p_station, p_user, p_kind, r);
      RETURN r;
    END $$`.execute(db);
  /*
   * A batch in order. First saves of drafts the server has not seen (each draft once in the
   * batch, id not applied before, patient known) are applied as one set: they cannot interact
   * with anything else in the batch. Everything else goes through sync_apply one by one.
   */
  await sql`
    CREATE FUNCTION sync_push(p_station uuid, p_user int, p_batch jsonb) RETURNS jsonb
    LANGUAGE plpgsql AS $$
    DECLARE
      b int := NULLIF(current_setting('app.current_branch', true), '')::int;
      it record;
      fast jsonb;
      res jsonb[] := '{}';
    BEGIN
      -- The branch's feed lock (taken by the feed trigger anyway): pushes of a branch apply one
      -- after the other, so a mutation id is looked up after any concurrent push of it committed.
      PERFORM pg_advisory_xact_lock(7301, b);
      WITH batch AS (
        SELECT e.i, (e.v->>'id')::uuid AS id, e.v->>'kind' AS kind, e.v->'payload'->>'text' AS text,
               (e.v->'payload'->>'draftId')::uuid AS draft, (e.v->'payload'->>'patientId')::uuid AS patient,
               count(*) OVER (PARTITION BY e.v->'payload'->>'draftId') AS uses
          FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e(v, i)
      ), fresh AS (
        -- Plain uuid equalities (leakproof): under RLS they stay index lookups.
        SELECT m.* FROM batch m
          JOIN patients pt ON pt.branch_id = b AND pt.id = m.patient
          LEFT JOIN sync_mutations s ON s.branch_id = b AND s.id = m.id
          LEFT JOIN note_drafts d ON d.branch_id = b AND d.id = m.draft
         WHERE m.kind = 'draft.save' AND m.uses = 1 AND s.id IS NULL AND d.id IS NULL
      ), ins AS (
        INSERT INTO note_drafts (branch_id, id, patient_id, author_user_id, text, last_station_id, last_mutation_id)
        SELECT b, draft, patient, p_user, text, p_station, id FROM fresh ORDER BY i
        RETURNING id, patient_id, version, status, last_mutation_id
      ), rec AS (
        INSERT INTO sync_mutations (branch_id, id, station_id, user_id, kind, result)
        SELECT b, last_mutation_id, p_station, p_user, 'draft.save',
               jsonb_build_object('status', 'applied', 'draft', jsonb_build_object('id', id, 'patientId', patient_id,
                 'version', version, 'status', status, 'conflictTexts', NULL))
          FROM ins
        RETURNING id, result
      )
      SELECT coalesce(jsonb_object_agg(id::text, result), '{}') INTO fast FROM rec;
      -- An array variable grows in place (a jsonb one would be copied at every step).
      FOR it IN SELECT e.v FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e(v, i) ORDER BY e.i LOOP
        IF fast ? (it.v->>'id') THEN
          res := array_append(res, fast->(it.v->>'id'));
        ELSE
          res := array_append(res, sync_apply((it.v->>'id')::uuid, p_station, p_user, it.v->>'kind', it.v->'payload'));
        END IF;
      END LOOP;
      RETURN to_jsonb(res);
    END $$`.execute(db);

  for (const t of ['note_drafts', 'sync_mutations', 'change_feed']) await enableBranchIsolation(db, t);
  await grantToApp(db, 'SELECT, INSERT, UPDATE', ['note_drafts', 'sync_mutations']);
  await grantToApp(db, 'SELECT, INSERT', ['change_feed']);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
