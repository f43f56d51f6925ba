import { Migrator, sql, type Kysely, type MigrationProvider, type MigrationResult } from 'kysely';
import { serverMigrations } from '../../migrations/server/index';
import { createKysely, createPool } from './pool';

const provider: MigrationProvider = { getMigrations: async () => serverMigrations };

export interface MigrateReport {
  applied: string[];
  appRole: string | null;
}

/**
 * Runs the migrations as the owner, then makes sure the run-time login role of `appUrl` exists
 * (with that URL's password), is least-privileged, and is a member of the database's app group.
 */
export async function migrateToLatest(ownerUrl: string, appUrl: string | null): Promise<MigrateReport> {
  const pool = createPool({ connectionString: ownerUrl, max: 1, applicationName: 'wardstation-migrate', statementTimeoutMs: 0 });
  const db = createKysely<any>(pool);
  try {
    const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    const appRole = appUrl ? await ensureAppLoginRole(db, appUrl) : null;
    return { applied, appRole };
  } finally {
    await db.destroy();
  }
}

async function ensureAppLoginRole(db: Kysely<any>, appUrl: string): Promise<string> {
  const url = new URL(appUrl);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (!user) throw new Error('DATABASE_URL names no user');
  const names = await sql<{ u: string; g: string }>`SELECT current_user AS u, current_database() || '_app' AS g`.execute(db);
  if (names.rows[0]?.u === user) throw new Error('the app role must not be the owner role');
  if (names.rows[0]?.g === user) throw new Error(`the app login role must not be named ${user}: that is the database's grant group`);

  const existing = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
    SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ${user}`.execute(db);
  const row = existing.rows[0];
  if (!row) {
    try {
      await sql`CREATE ROLE ${sql.id(user)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
                PASSWORD ${password ? sql.lit(password) : sql`NULL`}`.execute(db);
    } catch (e) {
      if ((e as { code?: string }).code !== '42710') throw e; // created concurrently
    }
  } else if (row.rolsuper || row.rolbypassrls) {
    throw new Error(`the app role ${user} is a superuser or bypasses RLS: refusing to use it`);
  }
  await sql`GRANT ${sql.id(names.rows[0]!.g)} TO ${sql.id(user)}`.execute(db);
  return user;
}
