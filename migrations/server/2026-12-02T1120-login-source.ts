import { sql, type Kysely } from 'kysely';

/*
 * Sign-in throttling by username AND source (issue 11): the source is the enrolled station a
 * sign-in came through, else the client's address. Failures from one source slow down only that
 * source's attempts at that name, so nobody can lock a physician out of every station.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE login_attempts ADD COLUMN source text`.execute(db);
  await sql`CREATE INDEX login_attempts_username_source_at ON login_attempts (lower(username), source, at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
