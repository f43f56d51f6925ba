import { sql, type Kysely } from 'kysely';

/*
 * The app role writes audit rows only through audit_append (issue 11): the actor is the
 * transaction's app.current_actor and the branch its app.current_branch, both set by withBranch,
 * so application code cannot name another actor. The function runs as its owner (SECURITY
 * DEFINER, fixed search_path); the app role's direct INSERT on audit_events is revoked.
 * Blue-green note: a server of the previous release inserts directly and its audit writes fail
 * once this runs; switch traffic to the new release before migrating.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION audit_append(p_action text, p_entity_type text, p_entity_id text, p_patient_id uuid, p_detail jsonb)
    RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      who text := NULLIF(current_setting('app.current_actor', true), '');
      b int := NULLIF(current_setting('app.current_branch', true), '')::int;
      kind text;
    BEGIN
      IF who IS NULL OR b IS NULL THEN
        RAISE EXCEPTION 'an audit row needs the transaction''s branch and actor (withBranch)' USING ERRCODE = 'insufficient_privilege';
      END IF;
      kind := split_part(who, ':', 1);
      INSERT INTO audit_events (branch_id, actor_kind, actor_id, action, entity_type, entity_id, patient_id, detail)
      VALUES (b, kind, NULLIF(substr(who, length(kind) + 2), ''), p_action, p_entity_type, p_entity_id, p_patient_id, coalesce(p_detail, '{}'::jsonb));
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION audit_append(text, text, text, uuid, jsonb) FROM PUBLIC`.execute(db);
  // The summarization trigger (migration 2026-11-25T4000) appends its own audit row directly: it
  // now runs as its owner, so the app role's writes that fire it still record it.
  await sql`ALTER FUNCTION summarization_enqueue() SECURITY DEFINER`.execute(db);
  await sql`ALTER FUNCTION summarization_enqueue() SET search_path = public, pg_temp`.execute(db);
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT EXECUTE ON FUNCTION audit_append(text, text, text, uuid, jsonb) TO %I', current_database() || '_app');
      EXECUTE format('REVOKE INSERT ON audit_events FROM %I', current_database() || '_app');
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
