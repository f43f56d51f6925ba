import { sql, type Kysely } from 'kysely';
import { grantToApp } from './app-grants';

/*
 * Releases under the branch rule (issue 11): a rollout belongs to one branch, or to the whole
 * group when a group release manager starts it (scope_branch_id NULL; the rollouts of the
 * earlier schema were all group-wide, so they keep that meaning). One release may then be rolled
 * out once per scope: the old one-rollout-per-release constraint gives way to one per
 * (release, scope). Loosening a uniqueness constraint is additive: the previous release never
 * writes a second rollout of a release, so it keeps working against this schema.
 *
 * group_roles: roles above the branches, held explicitly (no branch role implies one).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE rollouts ADD COLUMN scope_branch_id int REFERENCES branches(id)`.execute(db);
  await sql`ALTER TABLE rollouts DROP CONSTRAINT rollouts_release_id_key`.execute(db);
  await sql`CREATE UNIQUE INDEX rollouts_release_scope ON rollouts (release_id, coalesce(scope_branch_id, 0))`.execute(db);
  await sql`CREATE INDEX rollouts_channel_scope ON rollouts (channel, scope_branch_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE group_roles (
      user_id int NOT NULL REFERENCES users(id),
      role text NOT NULL CHECK (role IN ('release_manager')),
      granted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, role)
    )`.execute(db);
  await grantToApp(db, 'SELECT', ['group_roles']);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
