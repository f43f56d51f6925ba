-- The per-branch change feed that stations pull (DESIGN §4, §8). Installed by the server
-- migrations with CREATE OR REPLACE from this file; server/sync/rules.int.test.ts checks that a
-- migrated database runs exactly this text. Change it only together with a new migration that
-- installs it again (migrations/server/sync-rules.ts).
--
-- A feed number is (the writer's transaction id << 24) + the change's position in its
-- transaction. Writers draw it without any lock, so a branch's writers commit in parallel. A
-- number can still commit after a larger one; pullers therefore read only numbers below the
-- horizon: the oldest transaction still running, shifted the same way. Every
-- transaction below it has ended, so nothing can appear there later: a puller that passed n never
-- meets a committed m < n. Numbers grow with every transaction of the cluster, not densely per branch.
--
-- Only this database's transactions can write its feed, so a transaction that belongs to another
-- database of the same cluster (another service, a bulk load, a test suite) must not hold the
-- horizon back and stall every station. The horizon is still taken from the query's own snapshot
-- (its running transactions, and xmax for those not yet started), so the puller's read and the
-- horizon agree; only ids positively seen running in another database are left out. An id whose
-- backend cannot be seen any more is kept: that only delays, never misses.

CREATE OR REPLACE FUNCTION change_feed_horizon() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $$
DECLARE
  s pg_snapshot := pg_current_snapshot();
  oldest bigint;
BEGIN
  -- Read the backends afresh, not the statistics snapshot cached earlier in this transaction.
  PERFORM pg_stat_clear_snapshot();
  SELECT min(x::text::bigint) INTO oldest
    FROM pg_snapshot_xip(s) AS x
   WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                      WHERE a.datname <> current_database() AND a.backend_xid IS NOT NULL
                        -- backend_xid is the low 32 bits of the 64-bit id
                        AND a.backend_xid::text::bigint = (x::text::bigint & 4294967295));
  RETURN coalesce(oldest, pg_snapshot_xmax(s)::text::bigint) << 24;
END $$;

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
  -- The live channel is told after commit, by change_feed_announce(): a NOTIFY inside this
  -- transaction would take PostgreSQL's notification lock through the commit, and the writers
  -- of the whole cluster would commit one at a time again. A session-level setting survives
  -- the commit (and is undone by a rollback). Under RLS a transaction writes one branch.
  FOR b IN SELECT DISTINCT branch_id FROM changed_rows LOOP
    PERFORM set_config('app.feed_announce', b::text || ':' || (base + n)::text, false);
  END LOOP;
  RETURN NULL;
END $$;

-- Run by withBranch right after COMMIT, in the same message: announces '<branch>:<last number
-- written>' on the wardstation_feed channel if the committed transaction appended to the feed.
-- Its own tiny transaction writes no WAL, so it does not wait for the disk while it holds the
-- notification lock. The number is pullable once the horizon passes it (server/sync/live.ts
-- waits for that). A NOTIFY that fails (queue full) must not fail the caller, whose work has
-- committed: the live hub re-reads heads whenever it reconnects.
CREATE OR REPLACE FUNCTION change_feed_announce() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  a text := nullif(current_setting('app.feed_announce', true), '');
BEGIN
  IF a IS NULL THEN
    RETURN;
  END IF;
  PERFORM set_config('app.feed_announce', '', false);
  BEGIN
    PERFORM pg_notify('wardstation_feed', a);
  EXCEPTION WHEN OTHERS THEN
    NULL;
  END;
END $$;
