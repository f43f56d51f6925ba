import { sql, type Kysely } from 'kysely';

/**
 * Refuses to serve as a role that could see past row-level security: a superuser, a role with
 * BYPASSRLS, or one that owns tables (an owner could disable RLS on them).
 */
export async function assertLeastPrivilege(db: Kysely<any>): Promise<void> {
  const r = await sql<{ rolsuper: boolean; rolbypassrls: boolean; owned: string }>`
    SELECT r.rolsuper, r.rolbypassrls,
           (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p'))::text AS owned
      FROM pg_roles r WHERE r.rolname = current_user`.execute(db);
  const row = r.rows[0];
  if (!row) throw new Error('cannot inspect the current database role');
  if (row.rolsuper || row.rolbypassrls || row.owned !== '0') {
    throw new Error('the server must connect as the least-privileged app role (not a superuser, no BYPASSRLS, owning no tables)');
  }
}
