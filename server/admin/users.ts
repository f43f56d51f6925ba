import { sql } from 'kysely';
import type { Role } from '../../contract/roles';
import { hashPassword } from '../auth/password';
import { recordAudit } from '../audit/record';
import type { OwnerDb } from '../db/owner-db';
import { withBranch } from '../db/with-branch';
import { findBranch } from './branches';

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: { branchCode: string; role: Role }[];
}

export const MIN_PASSWORD_LENGTH = 10;

/** Creates a user, or adds roles to an existing one (the password is then left as it is). */
export async function addUser(db: OwnerDb, u: NewUser, by = 'admin-cli'): Promise<{ id: number; created: boolean }> {
  if (!/^[a-z0-9][a-z0-9._-]{1,63}$/i.test(u.username)) throw new Error('username: 2-64 letters, digits, dot, dash or underscore');
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(username)`, '=', u.username.toLowerCase())
    .executeTakeFirst();
  let id: number;
  if (existing) {
    id = existing.id;
  } else {
    if (u.password.length < MIN_PASSWORD_LENGTH) throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
    const row = await db
      .insertInto('users')
      .values({ username: u.username, display_name: u.displayName, password_hash: await hashPassword(u.password) })
      .returning('id')
      .executeTakeFirstOrThrow();
    id = row.id;
  }
  for (const r of u.roles) {
    const branch = await findBranch(db, r.branchCode);
    await db
      .insertInto('user_branch_roles')
      .values({ user_id: id, branch_id: branch.id, role: r.role })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const actor = { kind: 'admin', id: by } as const;
    await withBranch(db, branch.id, actor, (trx) =>
      recordAudit(trx, actor, { action: 'admin.user_role_granted', entityType: 'user', entityId: String(id), detail: { role: r.role } }),
    );
  }
  return { id, created: !existing };
}
