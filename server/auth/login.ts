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
 * typed username (known or not) AND source (the station it came through, else the address):
 * past the free failures, each further attempt from that source waits twice as long as the one
 * before (up to the failure window). Another station is not slowed by them; only a flood at
 * one name from many sources slows that name everywhere. A success or `admin user unlock` resets.
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

  const source = stationId ? `station:${stationId}` : `ip:${remote}`;
  const limited = await checkRateLimit(db, policy, username, remote, source);
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

  await sys.insertInto('login_attempts').values({ username: username.toLowerCase(), remote, success: ok, source }).execute();

  if (!ok || !user || !branch) {
    if (branch) {
      const { n: failures } = await recentFailures(db, policy, username, source);
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
            detail: { username: username.slice(0, 128), source, throttled: true },
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

/** Failures at a name (from one source, or from all when null) since the window's start and the name's last success or unlock. */
async function recentFailures(db: SystemDb, policy: AuthPolicy, username: string, source: string | null): Promise<{ n: number; last: Date | null }> {
  const name = username.toLowerCase();
  const r = await sql<{ n: string; last: Date | null }>`
    SELECT count(*)::text AS n, max(at) AS last FROM login_attempts
     WHERE lower(username) = ${name} AND NOT success
       AND (${source}::text IS NULL OR source = ${source})
       AND at > greatest(now() - make_interval(secs => ${policy.failureWindowMs / 1000}),
                         coalesce((SELECT max(at) FROM login_attempts
                                    WHERE lower(username) = ${name} AND success
                                      -- a source's count resets on its own success (or IT's unlock),
                                      -- not when the user signs in elsewhere
                                      AND (${source}::text IS NULL OR source = ${source} OR source = 'admin-unlock')), '-infinity'))`.execute(db);
  return { n: Number(r.rows[0]?.n ?? 0), last: r.rows[0]?.last ?? null };
}

/** Seconds still to wait after `n` failures, the last at `last`: 1, 2, 4 … s past the free ones, capped at the window. */
function waitSeconds(policy: AuthPolicy, free: number, n: number, last: Date | null): number {
  if (n < free || !last) return 0;
  const delayMs = Math.min(1000 * 2 ** (n - free), policy.failureWindowMs);
  return Math.max(0, Math.ceil((last.getTime() + delayMs - Date.now()) / 1000));
}

/** How many failures at one name from all sources together before every source slows down. */
const ALL_SOURCES_FACTOR = 10;

async function checkRateLimit(
  db: SystemDb,
  policy: AuthPolicy,
  username: string,
  remote: string,
  source: string,
): Promise<LoginOutcome | null> {
  const mine = await recentFailures(db, policy, username, source);
  const all = await recentFailures(db, policy, username, null);
  const wait = Math.max(
    waitSeconds(policy, policy.maxFailuresPerUsername, mine.n, mine.last),
    waitSeconds(policy, policy.maxFailuresPerUsername * ALL_SOURCES_FACTOR, all.n, all.last),
  );
  if (wait > 0) return { kind: 'rate_limited', retryAfterSeconds: wait };
  const r = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM login_attempts
     WHERE remote = ${remote} AND at > now() - interval '1 minute'`.execute(db);
  if (Number(r.rows[0]?.n ?? 0) >= policy.maxAttemptsPerRemotePerMinute) {
    return { kind: 'rate_limited', retryAfterSeconds: 60 };
  }
  return null;
}

/** IT's unlock: the name's failures stop counting (recorded as a success of source admin-unlock). */
export async function unlockUsername(db: SystemDb, username: string): Promise<void> {
  await db.insertInto('login_attempts').values({ username: username.trim().toLowerCase(), remote: 'admin-unlock', success: true, source: 'admin-unlock' }).execute();
}
