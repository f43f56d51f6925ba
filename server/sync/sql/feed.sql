-- The per-branch change feed that stations pull (DESIGN §4, §8). Installed by the server
-- migrations with CREATE OR REPLACE from this file; server/sync/rules.int.test.ts checks that a
-- migrated database runs exactly this text. Change it only together with a new migration that
-- installs it again (migrations/server/sync-rules.ts).
--
-- A feed number is (the writer's transaction id << 24) + the change's position in its
-- transaction. Writers draw it without any lock, so a branch's writers commit in parallel. A
-- number can still commit after a larger one; pullers therefore read only numbers below the
-- horizon: the oldest transaction still running, shifted the same way. Every transaction below
-- it has ended, so nothing can appear there later: a puller that passed n never meets a
-- committed m < n. Numbers grow with every transaction of the cluster, not densely per branch.

CREATE OR REPLACE FUNCTION change_feed_horizon() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint) << 24
$$;

CREATE OR REPLACE FUNCTION change_feed_append() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  -- Changes this transaction already appended (a transaction-local setting: rolled back with it).
  ord bigint := coalesce(nullif(current_setting('app.feed_ord', true), '')::bigint, 0);
  base bigint := ((pg_current_xact_id()::text::bigint) << 24) + ord;
  n bigint;
  b int;
BEGIN
  -- Once per statement, over its transition table: a bulk write appends in one insert.
  INSERT INTO change_feed (branch_id, seq, entity, entity_id, data)
    SELECT r.branch_id, base + row_number() OVER (), TG_ARGV[0], r.id, to_jsonb(r) FROM changed_rows r;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF ord + n >= 16777216 THEN
    RAISE EXCEPTION 'one transaction may append at most 16777215 feed changes: write in smaller transactions'
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  PERFORM set_config('app.feed_ord', (ord + n)::text, true);
  -- One notification per branch and statement: '<branch>:<last number written>'. The number is
  -- pullable once the horizon passes it (server/sync/live.ts waits for that).
  FOR b IN SELECT DISTINCT branch_id FROM changed_rows LOOP
    PERFORM pg_notify('wardstation_feed', b::text || ':' || (base + n)::text);
  END LOOP;
  RETURN NULL;
END $$;
