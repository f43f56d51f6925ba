import { sql } from 'kysely';
import type { LoginRequest, LoginResponse } from '../../contract/auth';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch } from '../db/with-branch';
import { recordAudit } from '../audit/record';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password';
import type { AuthPolicy } from './policy';
import { createSession } from './sessions';

export type LoginOutcome =
  | { kind: 'ok'; response: LoginResponse }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * Sign-in. A wrong password, an unknown user and a branch the user does not belong to get the
 * same answer and cost the same time, so the answer reveals nothing. Failures are counted per
 * typed username (known or not) and per remote address.
 */
export async function login(
  db: SystemDb,
  policy: AuthPolicy,
  req: LoginRequest,
  remote: string,
  stationId: string | null = null,
): Promise<LoginOutcome> {
  const sys = asSystemDb(db);
  const username = req.username.trim();

  const limited = await checkRateLimit(db, policy, username, remote);
  if (limited) return limited;

  const branch = await sys.selectFrom('branches').select(['id', 'code', 'name']).where('code', '=', req.branch).executeTakeFirst();
  const user = await sys
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'password_hash'])
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  const roles =
    user && branch
      ? (
          await sys
            .selectFrom('user_branch_roles')
            .select('role')
            .where('user_id', '=', user.id)
            .where('branch_id', '=', branch.id)
            .orderBy('role')
            .execute()
        ).map((r) => r.role)
      : [];
  const passwordOk = await verifyPassword(req.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
  const ok = Boolean(user && branch && roles.length > 0 && passwordOk);

  await sys.insertInto('login_attempts').values({ username: username.toLowerCase(), remote, success: ok }).execute();

  if (!ok || !user || !branch) {
    if (branch) {
      const failures = await recentFailures(db, policy, username);
      await withBranch(db, branch.id, { kind: 'system', id: 'auth' }, async (trx) => {
        await recordAudit(trx, { kind: 'system', id: 'auth' }, {
          action: 'auth.login_failed',
          entityType: 'user',
          ...(user ? { entityId: String(user.id) } : {}),
          detail: { username: username.slice(0, 128), remote },
        });
        if (failures === policy.maxFailuresPerUsername) {
          await recordAudit(trx, { kind: 'system', id: 'auth' }, {
            action: 'auth.lockout',
            entityType: 'user',
            ...(user ? { entityId: String(user.id) } : {}),
            detail: { username: username.slice(0, 128), minutes: policy.failureWindowMs / 60000 },
          });
        }
      });
    }
    return { kind: 'invalid' };
  }

  const { token, expiresAt } = await createSession(sys, policy, user.id, branch.id, stationId);
  const actor = { kind: 'user', id: String(user.id) } as const;
  await withBranch(db, branch.id, actor, (trx) =>
    recordAudit(trx, actor, { action: 'auth.login', entityType: 'user', entityId: String(user.id), detail: { remote } }),
  );
  return {
    kind: 'ok',
    response: {
      token,
      expiresAt: expiresAt.toISOString(),
      user: { id: user.id, username: user.username, displayName: user.display_name, roles },
      branch,
    },
  };
}

async function recentFailures(db: SystemDb, policy: AuthPolicy, username: string): Promise<number> {
  // Failures since the later of the window's start and the last success.
  const r = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM login_attempts
     WHERE lower(username) = ${username.toLowerCase()} AND NOT success
       AND at > greatest(now() - make_interval(secs => ${policy.failureWindowMs / 1000}),
                         coalesce((SELECT max(at) FROM login_attempts
                                    WHERE lower(username) = ${username.toLowerCase()} AND success), '-infinity'))`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function checkRateLimit(
  db: SystemDb,
  policy: AuthPolicy,
  username: string,
  remote: string,
): Promise<LoginOutcome | null> {
  if ((await recentFailures(db, policy, username)) >= policy.maxFailuresPerUsername) {
    return { kind: 'rate_limited', retryAfterSeconds: Math.ceil(policy.failureWindowMs / 1000) };
  }
  const r = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM login_attempts
     WHERE remote = ${remote} AND at > now() - interval '1 minute'`.execute(db);
  if (Number(r.rows[0]?.n ?? 0) >= policy.maxAttemptsPerRemotePerMinute) {
    return { kind: 'rate_limited', retryAfterSeconds: 60 };
  }
  return null;
}
