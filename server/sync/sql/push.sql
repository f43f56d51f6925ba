-- Station mutations (DESIGN §4): idempotent push and the conflict rules of note drafts.
-- Installed by the server migrations with CREATE OR REPLACE from this file;
-- server/sync/rules.int.test.ts checks that a migrated database runs exactly this text. Change
-- it only together with a new migration that installs it again (migrations/server/sync-rules.ts).
--
-- Mutations of one draft apply one after the other under a transaction-level advisory lock of
-- that draft (class 7302, key: hash of the draft id), so a mutation id is looked up after any
-- concurrent push of it committed; pushes of different drafts run in parallel. Were the lock
-- missing, the primary key of sync_mutations would still refuse a second application (that
-- transaction fails and its retry answers duplicate).

/*
 * Applies one station mutation, once, and records its answer.
 * A draft edit is a conflict when it was based on an older version written by another
 * station; an older edit of the same station arriving late (its UUID v7 sorts before the
 * last applied one) changes nothing, so duplicates and reordering converge.
 */
CREATE OR REPLACE FUNCTION sync_apply(p_id uuid, p_station uuid, p_user int, p_kind text, p_payload jsonb) RETURNS jsonb
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
  PERFORM pg_advisory_xact_lock(7302, hashtext(v_draft::text));
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
END $$;

/*
 * The batch as one set, one array per field in batch order (this release's servers call it; texts
 * arrive as a binary text[], copied by the database instead of parsed). After the draft locks,
 * first saves of drafts the server has not seen (each draft once in the batch, id not applied
 * before, patient known) are applied by one INSERT ... SELECT and recorded by one more; then the
 * plain re-saves (an autosave of a draft the server has) by one UPDATE and one INSERT; only the
 * rest goes through sync_apply, in batch order. A batch of new or re-saved drafts thus costs two
 * statements (four writes) and no per-mutation call. Answers one jsonb per mutation, in batch order.
 */
CREATE OR REPLACE FUNCTION sync_push_arrays(p_station uuid, p_user int, ids uuid[], kinds text[], drafts uuid[], patients uuid[], texts text[], bases int[]) RETURNS jsonb[]
LANGUAGE plpgsql AS $$
DECLARE
  b int := NULLIF(current_setting('app.current_branch', true), '')::int;
  n int := coalesce(cardinality(ids), 0);
  res jsonb[] := array_fill(NULL::jsonb, ARRAY[coalesce(cardinality(ids), 0)]);
  fast_ids uuid[];
  fast_res jsonb[];
  answer jsonb;
  j int := 0;
  k int := 1;
  saved_at int[];
  saved_res jsonb[];
BEGIN
  IF coalesce(cardinality(kinds), 0) <> n OR coalesce(cardinality(drafts), 0) <> n OR coalesce(cardinality(patients), 0) <> n
     OR coalesce(cardinality(texts), 0) <> n OR coalesce(cardinality(bases), 0) <> n THEN
    RAISE EXCEPTION 'sync_push_arrays: one element per mutation in every array' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(7302, h) FROM (
    SELECT DISTINCT hashtext(d::text) AS h FROM unnest(drafts) AS d WHERE d IS NOT NULL ORDER BY 1) locks;
  WITH batch AS (
    SELECT m.*, count(*) OVER (PARTITION BY m.draft) AS uses
      FROM unnest(ids, kinds, drafts, patients, texts) WITH ORDINALITY AS m(id, kind, draft, patient, text, i)
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
  SELECT array_agg(id), array_agg(result) INTO fast_ids, fast_res FROM rec;
  -- The first saves' answers come back in batch order (inserted ORDER BY i, each insert returning
  -- its rows as it writes them): placed by one walk along the batch. A join of the batch with
  -- rec would be planned from rec's estimate (one row), and PostgreSQL 18 then scans rec once
  -- per mutation (500 x 500 rows); one jsonb object keyed by id cost a sixth of a batch. Were
  -- the order ever different, the walk would run off the batch and refuse it whole (rolled back,
  -- retried by the station), never give an answer to the wrong mutation.
  FOREACH answer IN ARRAY coalesce(fast_res, '{}') LOOP
    j := j + 1;
    WHILE k <= n AND ids[k] IS DISTINCT FROM fast_ids[j] LOOP
      k := k + 1;
    END LOOP;
    IF k > n THEN
      RAISE EXCEPTION 'sync_push_arrays: first saves answered out of batch order' USING ERRCODE = 'internal_error';
    END IF;
    res[k] := answer;
    k := k + 1;
  END LOOP;
  -- Re-saves that sync_apply would simply apply, by its own checks in its order: the author's
  -- draft, the same patient, neither submitted nor in conflict, not an older save of the station
  -- that wrote last, and based on the current version, or from the station that wrote last, or
  -- the same text; each draft once in the batch, the id not applied before. The checks are the
  -- UPDATE's own conditions on the row, so a row a concurrent writer changed is checked again as
  -- it now is (READ COMMITTED's recheck). A save that fails any of them (or where one is NULL)
  -- goes through sync_apply below, as before; the answers are placed at their batch positions.
  IF j < n THEN
    WITH batch AS (
      SELECT m.*, count(*) OVER (PARTITION BY m.draft) AS uses
        FROM unnest(ids, kinds, drafts, patients, texts, bases) WITH ORDINALITY AS m(id, kind, draft, patient, text, base, i)
    ), resave AS (
      SELECT m.* FROM batch m
        LEFT JOIN sync_mutations s ON s.branch_id = b AND s.id = m.id
       WHERE m.kind = 'draft.save' AND m.uses = 1 AND s.id IS NULL AND res[m.i::int] IS NULL
    ), upd AS (
      UPDATE note_drafts d SET text = m.text, version = d.version + 1, last_station_id = p_station, last_mutation_id = m.id, updated_at = now()
        FROM resave m
       WHERE d.branch_id = b AND d.id = m.draft AND d.author_user_id = p_user
         AND (m.patient IS NULL OR d.patient_id = m.patient) AND d.status = 'draft'
         AND NOT (d.last_station_id = p_station AND d.last_mutation_id > m.id)
         AND (d.version = m.base OR d.last_station_id = p_station OR d.text = m.text)
      RETURNING m.i::int AS i, m.id, jsonb_build_object('status', 'applied', 'draft', jsonb_build_object('id', d.id,
        'patientId', d.patient_id, 'version', d.version, 'status', d.status, 'conflictTexts', d.conflict_texts)) AS result
    ), rec AS (
      INSERT INTO sync_mutations (branch_id, id, station_id, user_id, kind, result)
      SELECT b, id, p_station, p_user, 'draft.save', result FROM upd
    )
    SELECT array_agg(i), array_agg(result) INTO saved_at, saved_res FROM upd;
    FOR k IN 1 .. coalesce(cardinality(saved_at), 0) LOOP
      res[saved_at[k]] := saved_res[k];
    END LOOP;
    j := j + coalesce(cardinality(saved_at), 0);
  END IF;
  -- The rest one by one, in batch order (an array element is assigned in place).
  IF j < n THEN
    FOR k IN 1 .. n LOOP
      IF res[k] IS NULL THEN
        res[k] := sync_apply(ids[k], p_station, p_user, kinds[k],
          jsonb_build_object('draftId', drafts[k], 'patientId', patients[k], 'text', texts[k], 'baseVersion', bases[k]));
      END IF;
    END LOOP;
  END IF;
  RETURN res;
END $$;

/*
 * The batch as flat JSON records {i, id, kind, draft, patient, text, base} (i: position from 1),
 * parsed once into sync_push_arrays' arrays and answered by it. The previous release's servers
 * call it, and sync_push reads its batches into it.
 */
CREATE OR REPLACE FUNCTION sync_push_set(p_station uuid, p_user int, p_batch json) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
  kinds text[];
  drafts uuid[];
  patients uuid[];
  texts text[];
  bases int[];
BEGIN
  -- One sort, then the aggregates take the rows in that order.
  SELECT array_agg(x.id), array_agg(x.kind), array_agg(x.draft), array_agg(x.patient), array_agg(x.text), array_agg(x.base)
    INTO ids, kinds, drafts, patients, texts, bases
    FROM (SELECT * FROM json_to_recordset(p_batch) AS r(i int, id uuid, kind text, draft uuid, patient uuid, text text, base int)
           ORDER BY r.i) x;
  RETURN to_jsonb(sync_push_arrays(p_station, p_user, ids, kinds, drafts, patients, texts, bases));
END $$;

/*
 * The previous release's entry point (its servers still call it during a blue-green switch): the
 * batch as the station sent it, [{id, kind, payload: {draftId, patientId, text, baseVersion}}].
 * It is read into sync_push_set's flat records and answered by it, so one copy of the rules
 * remains. An empty batch answers an empty array, as before.
 */
CREATE OR REPLACE FUNCTION sync_push(p_station uuid, p_user int, p_batch jsonb) RETURNS jsonb
LANGUAGE sql AS $$
  SELECT coalesce(sync_push_set(p_station, p_user, (
    SELECT coalesce(json_agg(json_build_object('i', e.i, 'id', e.v->>'id', 'kind', e.v->>'kind',
             'draft', e.v->'payload'->>'draftId', 'patient', e.v->'payload'->>'patientId',
             'text', e.v->'payload'->>'text', 'base', e.v->'payload'->'baseVersion')), '[]')
      FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS e(v, i))), '[]')
$$;
