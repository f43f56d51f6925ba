import { sql, type Kysely, type RawBuilder } from 'kysely';

/*
 * The run-time role is a per-database group role named `<database>_app`. Migrations grant to
 * that group (never to a login role), so they stay frozen in time; the migration runner makes
 * the login role of DATABASE_URL a member. Per-database naming keeps the app role of one
 * database from holding grants in another database of the same cluster.
 */

export function appGroupName(): RawBuilder<string> {
  return sql<string>`current_database() || '_app'`;
}

export async function ensureAppGroup(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_database() || '_app') THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', current_database() || '_app');
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by a migration of another database: same outcome
    END $$`.execute(db);
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', current_database() || '_app');
    END $$`.execute(db);
}

/** Grants `privileges` (a fixed SQL list such as 'SELECT, INSERT') on tables to the app group. */
export async function grantToApp(
  db: Kysely<any>,
  privileges: string,
  objects: readonly string[],
  kind: 'TABLE' | 'SEQUENCE' | 'FUNCTION' = 'TABLE',
): Promise<void> {
  if (!/^[A-Z, ]+$/.test(privileges)) throw new Error(`invalid privilege list: ${privileges}`);
  for (const object of objects) {
    await sql`
      DO $$ BEGIN
        EXECUTE format('GRANT ${sql.raw(privileges)} ON ${sql.raw(kind)} %s TO %I', ${sql.lit(kind === 'FUNCTION' ? object : `"${object}"`)}::text, current_database() || '_app');
      END $$`.execute(db);
  }
}

/**
 * DESIGN §3: one policy with USING and WITH CHECK. NULLIF(…, '') because a pooled connection
 * keeps the setting defined as '' after a transaction that set it ends; a bare ::int cast would
 * raise instead of returning zero rows.
 */
export async function enableBranchIsolation(db: Kysely<any>, table: string): Promise<void> {
  const t = sql.table(table);
  await sql`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE POLICY branch_isolation ON ${t}
      USING (branch_id = NULLIF(current_setting('app.current_branch', true), '')::int)
      WITH CHECK (branch_id = NULLIF(current_setting('app.current_branch', true), '')::int)`.execute(db);
}
