import { sql } from 'kysely';
import type { Role } from '../../contract/roles';
import { hashPassword } from '../auth/password';
import { unlockUsername } from '../auth/login';
import { revokeSessionsOf } from '../auth/sessions';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { recordAudit } from '../audit/record';
import type { OwnerDb } from '../db/owner-db';
import { withBranch, type Actor } from '../db/with-branch';
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
    if (u.password.length < MIN_PASSWORD_LENGTH) throw new Error(`the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
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

/** A refusal of an admin command: the console maps it to its HTTP status, the CLI prints it. */
export class AdminError extends Error {
  constructor(
    readonly kind: 'not_found' | 'forbidden' | 'bad_request',
    message: string,
  ) {
    super(message);
  }
}

export const CLI_ACTOR: Actor = { kind: 'admin', id: 'admin-cli' };

/**
 * The branch rule for admin commands: `within` lists the branches where the acting IT
 * administrator holds it_admin (the CLI, run with the owner's rights, passes none: every branch).
 * A command whose target reaches a branch outside them is refused whole.
 */
export function assertWithin(within: readonly number[] | undefined, branchIds: readonly number[], what: string): void {
  if (!within) return;
  if (branchIds.some((b) => !within.includes(b))) throw new AdminError('forbidden', `${what} reaches a branch you do not administer: an IT administrator of every branch it reaches (or the admin CLI) must do this`);
}

async function userByName(db: SystemDb, username: string): Promise<{ id: number; branchIds: number[] }> {
  const user = await db.selectFrom('users').select('id').where(sql<string>`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();
  if (!user) throw new AdminError('not_found', `there is no user ${username}: check the spelling (user names are listed by the IT console)`);
  const branches = await db.selectFrom('user_branch_roles').select('branch_id').distinct().where('user_id', '=', user.id).execute();
  return { id: user.id, branchIds: branches.map((b) => b.branch_id) };
}

/** Audited in every branch where the user holds a role. */
async function auditUser(db: SystemDb, branchIds: number[], actor: Actor, action: string, userId: number, detail: Record<string, number>): Promise<void> {
  for (const b of branchIds) await withBranch(db, b, actor, (trx) => recordAudit(trx, actor, { action, entityType: 'user', entityId: String(userId), detail }));
}

/** Who acts and, for an IT administrator in the console, the branches they administer. */
export interface AdminBy {
  actor?: Actor;
  within?: readonly number[];
}

/** Disables a user: no sign-in, and every session ends (their live streams close within seconds). */
export async function disableUser(owner: OwnerDb | SystemDb, username: string, by: AdminBy = {}): Promise<{ id: number; sessionsEnded: number }> {
  const db = asSystemDb(owner);
  const actor = by.actor ?? CLI_ACTOR;
  const user = await userByName(db, username);
  assertWithin(by.within, user.branchIds, `user ${username}`);
  if (actor.kind === 'user' && actor.id === String(user.id)) throw new AdminError('bad_request', 'you cannot disable your own account');
  await db.updateTable('users').set({ disabled_at: sql<Date>`coalesce(disabled_at, now())` }).where('id', '=', user.id).execute();
  const sessionsEnded = await revokeSessionsOf(db, { userId: user.id });
  await auditUser(db, user.branchIds, actor, 'admin.user_disabled', user.id, { sessionsEnded });
  return { id: user.id, sessionsEnded };
}

/**
 * Gives a disabled user their sign-in back (their old sessions stay ended: they sign in anew),
 * under the same branch rule as disabling them.
 */
export async function enableUser(owner: OwnerDb | SystemDb, username: string, by: AdminBy = {}): Promise<{ id: number; wasDisabled: boolean }> {
  const db = asSystemDb(owner);
  const user = await userByName(db, username);
  assertWithin(by.within, user.branchIds, `user ${username}`);
  const changed = await db.updateTable('users').set({ disabled_at: null }).where('id', '=', user.id).where('disabled_at', 'is not', null).executeTakeFirst();
  const wasDisabled = Number(changed.numUpdatedRows) > 0;
  if (wasDisabled) await auditUser(db, user.branchIds, by.actor ?? CLI_ACTOR, 'admin.user_enabled', user.id, {});
  return { id: user.id, wasDisabled };
}

/** Sets a new password; every session of the user ends, on every station. */
export async function setPassword(owner: OwnerDb | SystemDb, username: string, password: string, by: AdminBy = {}): Promise<{ id: number; sessionsEnded: number }> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AdminError('bad_request', `the password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`);
  const db = asSystemDb(owner);
  const actor = by.actor ?? CLI_ACTOR;
  const user = await userByName(db, username);
  assertWithin(by.within, user.branchIds, `user ${username}`);
  await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', user.id).execute();
  const sessionsEnded = await revokeSessionsOf(db, { userId: user.id });
  await auditUser(db, user.branchIds, actor, 'admin.user_password_changed', user.id, { sessionsEnded });
  return { id: user.id, sessionsEnded };
}

/** Clears a name's sign-in throttling (failures stop counting); audited. */
export async function unlockUser(owner: OwnerDb | SystemDb, username: string, by: AdminBy = {}): Promise<{ id: number }> {
  const db = asSystemDb(owner);
  const user = await userByName(db, username);
  assertWithin(by.within, user.branchIds, `user ${username}`);
  await unlockUsername(db, username);
  await auditUser(db, user.branchIds, by.actor ?? CLI_ACTOR, 'admin.user_unlocked', user.id, {});
  return { id: user.id };
}
