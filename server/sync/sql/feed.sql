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

-- Compaction (server/sync/compact.ts runs it in every server, branch by branch). Every feed row
-- holds its entity's whole row as it was written. Without compaction the feed kept every
-- autosave's copy of a draft and every earlier state of a result, and a new station's bootstrap
-- read all of that history instead of the ward as it is.
-- What may go: for an entity, the feed row that holds the entity exactly as it is now (its
-- table's row, as jsonb) is its keeper; every other row of that entity is an earlier state, and
-- a puller needs none of them: one whose cursor is below the keeper receives the present state
-- from it; one past the keeper already has it. The keeper is found by content, not by the largest
-- feed number: numbers follow transaction ids, and a transaction that took its id early (an
-- earlier write) can write a row after a later-numbered transaction wrote it and committed, so
-- the largest number of an entity can hold an older state, which a station following the feed
-- then applied last: such an entity's present state is appended again with a number of this
-- transaction (and announced after its commit), so those stations receive it once more, and
-- its older rows go. An entity without a keeper (its present state's row is not in this window
-- yet) is left for the window that holds it.
-- Runs for the transaction's branch, one window of at most p_window feed rows below the horizon
-- per call (rows there are final: their transactions ended): each entity seen in the window
-- loses its rows before the window's end other than its keeper, then the window's end is
-- remembered. Each fed table is found from its feed trigger, so a table fed later is compacted
-- too. It runs as its owner, bound by the branch's row security like every writer; the app role
-- may call it, not delete feed rows itself. Answers the rows removed, the window's end and
-- whether more rows waited past it.
CREATE OR REPLACE FUNCTION change_feed_compact(p_window int) RETURNS TABLE (removed bigint, upto bigint, more boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  b int := NULLIF(current_setting('app.current_branch', true), '')::int;
  horizon bigint;
  lo bigint;
  hi bigint;
  seen int;
  total bigint := 0;
  n bigint;
  again bigint;
  last_again bigint;
  ord bigint;
  fed record;
BEGIN
  IF b IS NULL THEN
    RAISE EXCEPTION 'change_feed_compact needs the transaction''s branch (withBranch)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_window IS NULL OR p_window < 1 THEN
    RAISE EXCEPTION 'change_feed_compact: the window is at least one row' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- One compactor per branch at a time, whichever server runs it: another would repeat its work.
  IF NOT pg_try_advisory_xact_lock(7311, b) THEN
    RETURN QUERY SELECT 0::bigint, NULL::bigint, false;
    RETURN;
  END IF;
  horizon := change_feed_horizon();
  SELECT coalesce(max(c.upto), 0) INTO lo FROM change_feed_compaction c WHERE c.branch_id = b;
  SELECT max(w.seq) + 1, count(*) INTO hi, seen FROM (
    SELECT f.seq FROM change_feed f WHERE f.branch_id = b AND f.seq >= lo AND f.seq < horizon ORDER BY f.seq LIMIT p_window) w;
  IF hi IS NULL THEN
    RETURN QUERY SELECT 0::bigint, lo, false;
    RETURN;
  END IF;
  -- The fed tables of the entities this window holds (each statement below reads the window).
  FOR fed IN
    SELECT DISTINCT m.entity, m.tbl FROM (
      SELECT convert_from(substring(t.tgargs FROM 1 FOR position('\x00'::bytea IN t.tgargs) - 1), 'UTF8') AS entity, t.tgrelid::regclass AS tbl
        FROM pg_trigger t WHERE t.tgfoid = 'change_feed_append'::regproc AND t.tgnargs = 1) m
     WHERE m.entity IN (SELECT DISTINCT f.entity FROM change_feed f WHERE f.branch_id = b AND f.seq >= lo AND f.seq < hi)
  LOOP
    -- This transaction's next feed numbers, drawn as change_feed_append draws them.
    ord := coalesce(nullif(current_setting('app.feed_ord', true), '')::bigint, 0);
    EXECUTE format($q$
      WITH seen AS (
        SELECT DISTINCT f.entity_id FROM change_feed f
         WHERE f.branch_id = $1 AND f.seq >= $2 AND f.seq < $3 AND f.entity = $4
      ), keeper AS (
        SELECT s.entity_id, max(k.seq) AS seq FROM seen s
          JOIN %s cur ON cur.branch_id = $1 AND cur.id = s.entity_id
          JOIN change_feed k ON k.branch_id = $1 AND k.entity_id = s.entity_id AND k.entity = $4 AND k.seq < $3 AND k.data = to_jsonb(cur)
         GROUP BY s.entity_id
      ), behind AS (
        -- A keeper with an older state numbered after it: a station that follows the feed applied
        -- that older state last. The present state is appended again, with a number of this
        -- transaction, so that such a station receives it once more.
        SELECT p.entity_id, p.seq FROM keeper p
         WHERE EXISTS (SELECT 1 FROM change_feed r WHERE r.branch_id = $1 AND r.entity_id = p.entity_id AND r.entity = $4 AND r.seq > p.seq AND r.seq < $3)
      ), again AS (
        INSERT INTO change_feed (branch_id, seq, entity, entity_id, data)
        SELECT $1, ((pg_current_xact_id()::text::bigint) << 24) + $5 + row_number() OVER (ORDER BY p.entity_id), $4, p.entity_id, k.data
          FROM behind p JOIN change_feed k ON k.branch_id = $1 AND k.seq = p.seq
        RETURNING seq
      ), gone AS (
        DELETE FROM change_feed f USING keeper p
         WHERE f.branch_id = $1 AND f.entity_id = p.entity_id AND f.entity = $4 AND f.seq < $3
           AND (f.seq <> p.seq OR EXISTS (SELECT 1 FROM behind x WHERE x.entity_id = p.entity_id))
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM again), (SELECT max(seq) FROM again)$q$, fed.tbl)
      INTO n, again, last_again USING b, lo, hi, fed.entity, ord;
    total := total + n;
    IF again > 0 THEN
      IF ord + again >= 16777216 THEN
        RAISE EXCEPTION 'one transaction may append at most 16777215 feed changes: compact in smaller windows'
          USING ERRCODE = 'program_limit_exceeded';
      END IF;
      PERFORM set_config('app.feed_ord', (ord + again)::text, true);
      -- Stations that listen hear of it after the commit (change_feed_announce, as for any write).
      PERFORM set_config('app.feed_announce', b::text || ':' || last_again::text, false);
    END IF;
  END LOOP;
  INSERT INTO change_feed_compaction AS c (branch_id, upto) VALUES (b, hi)
    ON CONFLICT (branch_id) DO UPDATE SET upto = excluded.upto;
  RETURN QUERY SELECT total, hi, seen = p_window;
END $$;
