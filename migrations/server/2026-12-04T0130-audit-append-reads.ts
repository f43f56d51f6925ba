import { sql, type Kysely } from 'kysely';

/*
 * The read-audit batch (server/db/read-audit.ts) in one statement: rows of several branches and
 * actors, each appended by audit_append under that row's branch and actor, set exactly as
 * withBranch sets them (transaction-local). SECURITY INVOKER: it can do nothing the caller could
 * not do statement by statement (set its transaction's settings, call audit_append); it only
 * spares PostgreSQL two statements to parse and plan per branch and actor of a batch, about a
 * third of a batch's cost when its rows are spread over 20 branches. Rows are appended in the
 * order given; the caller sorts them by branch, so concurrent batches take the chains' branch
 * locks in the same order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION audit_append_reads(p_rows jsonb) RETURNS int
    LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
    DECLARE
      r record;
      n int := 0;
      branch int := NULL;
      who text := NULL;
    BEGIN
      FOR r IN SELECT * FROM jsonb_to_recordset(p_rows) AS x(branch int, actor text, action text, entity_type text, entity_id text, patient_id uuid, detail jsonb) LOOP
        IF r.branch IS NULL OR r.actor IS NULL THEN
          RAISE EXCEPTION 'a read-audit row needs its branch and actor' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF branch IS DISTINCT FROM r.branch THEN
          PERFORM set_config('app.current_branch', r.branch::text, true);
          branch := r.branch;
        END IF;
        IF who IS DISTINCT FROM r.actor THEN
          PERFORM set_config('app.current_actor', r.actor, true);
          who := r.actor;
        END IF;
        PERFORM audit_append(r.action, r.entity_type, r.entity_id, r.patient_id, r.detail);
        n := n + 1;
      END LOOP;
      RETURN n;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION audit_append_reads(jsonb) FROM PUBLIC`.execute(db);
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT EXECUTE ON FUNCTION audit_append_reads(jsonb) TO %I', current_database() || '_app');
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
