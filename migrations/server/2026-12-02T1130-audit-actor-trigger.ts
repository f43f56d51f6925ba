import { sql, type Kysely } from 'kysely';

/*
 * Blue-green without a gap in the audit trail. 2026-12-02T1110 revoked the app role's direct
 * INSERT on audit_events so that rows are written through audit_append, which takes the actor
 * and branch from the transaction (app.current_actor, app.current_branch). A server of the
 * previous release still inserts directly, and during a blue-green switch it runs against this
 * schema: its audited requests failed. The same guarantee now holds for every insert, by a
 * trigger: a row inserted by any role other than the table's owner (or a superuser) carries the
 * transaction's actor and branch, whatever the statement named; without them it is refused. So
 * the direct INSERT is granted again, and audit_append stays the way this release writes.
 * The trigger's name sorts before audit_events_chain: the chain hashes the row as corrected.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION audit_events_actor() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
    DECLARE
      who text;
      b int;
      kind text;
    BEGIN
      IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         OR current_user = (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'audit_events') THEN
        RETURN NEW;
      END IF;
      who := NULLIF(current_setting('app.current_actor', true), '');
      b := NULLIF(current_setting('app.current_branch', true), '')::int;
      IF who IS NULL OR b IS NULL THEN
        RAISE EXCEPTION 'an audit row needs the transaction''s branch and actor (withBranch)' USING ERRCODE = 'insufficient_privilege';
      END IF;
      kind := split_part(who, ':', 1);
      NEW.branch_id := b;
      NEW.actor_kind := kind;
      NEW.actor_id := NULLIF(substr(who, length(kind) + 2), '');
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_actor BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_actor()`.execute(db);
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT INSERT ON audit_events TO %I', current_database() || '_app');
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
