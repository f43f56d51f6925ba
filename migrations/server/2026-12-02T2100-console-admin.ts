import { sql, type Kysely } from 'kysely';

/*
 * The IT console's user commands (issue 11): an IT administrator disables a user or sets a new
 * password from the console, as the admin CLI does. The app role may change exactly those two
 * columns of `users` (a column grant): not the username, not roles, not a new user.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$ BEGIN
      EXECUTE format('GRANT UPDATE (password_hash, disabled_at) ON TABLE users TO %I', current_database() || '_app');
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
