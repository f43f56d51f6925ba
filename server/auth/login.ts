import { sql, type RawBuilder } from 'kysely';
import type { LoginRequest, LoginResponse } from '../../contract/auth';
import type { Role } from '../../contract/roles';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { withBranch, type Actor } from '../db/with-branch';
import { recordAuditAtCommit } from '../audit/record';
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
 *
 * Two round trips and one durable commit around the password check: one statement reads the
 * throttle's counts, the branch, the user and their roles; one unit of work records the attempt,
 * the session and the audit row together. Sign-in must stay quick while another branch floods
 * the database with writes, and every further commit would queue for the disk behind them.
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
  const name = username.toLowerCase();
  const source = stationId ? `station:${stationId}` : `ip:${remote}`;

  const found = await lookUp(sys, policy, name, source, remote, req.branch);
  const wait = Math.max(
    waitSeconds(policy, policy.maxFailuresPerUsername, found.mineN, found.mineLast),
    waitSeconds(policy, policy.maxFailuresPerUsername * ALL_SOURCES_FACTOR, found.allN, found.allLast),
  );
  if (wait > 0) return { kind: 'rate_limited', retryAfterSeconds: wait };
  if (found.remoteN >= policy.maxAttemptsPerRemotePerMinute) return { kind: 'rate_limited', retryAfterSeconds: 60 };

  const { branch, user, roles } = found;
  const passwordOk = await verifyPassword(req.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  const ok = Boolean(user && branch && roles.length > 0 && passwordOk);
  const attempt = { username: name, remote, success: ok, source };

  if (!ok || !user || !branch) {
    if (!branch) {
      await sys.insertInto('login_attempts').values(attempt).execute();
      return { kind: 'invalid' };
    }
    const actor: Actor = { kind: 'system', id: 'auth' };
    await withBranch(db, branch.id, actor, async (trx) => {
      await asSystemDb(trx).insertInto('login_attempts').values(attempt).execute();
      const who = user ? { entityId: String(user.id) } : {};
      recordAuditAtCommit(trx, actor, { action: 'auth.login_failed', entityType: 'user', ...who, detail: { username: username.slice(0, 128), remote } });
      // This failure is the one that starts the waits: audited once, when it is reached.
      if (found.mineN + 1 === policy.maxFailuresPerUsername) {
        recordAuditAtCommit(trx, actor, { action: 'auth.lockout', entityType: 'user', ...who, detail: { username: username.slice(0, 128), source, throttled: true } });
      }
    });
    return { kind: 'invalid' };
  }

  const actor: Actor = { kind: 'user', id: String(user.id) };
  const { token, expiresAt } = await withBranch(db, branch.id, actor, async (trx) => {
    await asSystemDb(trx).insertInto('login_attempts').values(attempt).execute();
    const session = await createSession(asSystemDb(trx), policy, user.id, branch.id, stationId);
    recordAuditAtCommit(trx, actor, { action: 'auth.login', entityType: 'user', entityId: String(user.id), detail: { remote } });
    return session;
  });
  return {
    kind: 'ok',
    response: {
      token,
      expiresAt: expiresAt.toISOString(),
      user: { id: user.id, username: user.username, displayName: user.displayName, roles },
      branch,
    },
  };
}

interface Found {
  mineN: number;
  mineLast: Date | null;
  allN: number;
  allLast: Date | null;
  remoteN: number;
  branch: { id: number; code: string; name: string } | null;
  user: { id: number; username: string; displayName: string; passwordHash: string } | null;
  roles: Role[];
}

/**
 * Failures at a name (from one source, or from all when `source` is null) since the window's
 * start and the name's last success or unlock: a source's count resets on its own success (or
 * IT's unlock), not when the user signs in elsewhere.
 */
function failuresSince(windowMs: number, name: RawBuilder<string>, source: string | null, column: 'count(*)::int' | 'max(at)') {
  return sql`(SELECT ${sql.raw(column)} FROM login_attempts
     WHERE lower(username) = ${name} AND NOT success
       AND (${source}::text IS NULL OR source = ${source})
       AND at > greatest(now() - make_interval(secs => ${windowMs / 1000}),
                         coalesce((SELECT max(at) FROM login_attempts
                                    WHERE lower(username) = ${name} AND success
                                      AND (${source}::text IS NULL OR source = ${source} OR source = 'admin-unlock')), '-infinity')))`;
}

/** The failed sign-ins at a user name column, from every source, that the throttle counts now (the IT console lists them). */
export function failedSignIns(windowMs: number, username: RawBuilder<string>): RawBuilder<number> {
  return failuresSince(windowMs, sql<string>`lower(${username})`, null, 'count(*)::int') as RawBuilder<number>;
}

/** The throttle's counts, the branch, the enabled user of that name and their roles there: one statement. */
async function lookUp(db: SystemDb, policy: AuthPolicy, name: string, source: string, remote: string, branchCode: string): Promise<Found> {
  const lit = sql<string>`${name}`;
  const r = await sql<{
    mine_n: number;
    mine_last: Date | null;
    all_n: number;
    all_last: Date | null;
    remote_n: number;
    branch_id: number | null;
    branch_code: string | null;
    branch_name: string | null;
    user_id: number | null;
    username: string | null;
    display_name: string | null;
    password_hash: string | null;
    roles: Role[];
  }>`
    SELECT ${failuresSince(policy.failureWindowMs, lit, source, 'count(*)::int')} AS mine_n,
           ${failuresSince(policy.failureWindowMs, lit, source, 'max(at)')} AS mine_last,
           ${failuresSince(policy.failureWindowMs, lit, null, 'count(*)::int')} AS all_n,
           ${failuresSince(policy.failureWindowMs, lit, null, 'max(at)')} AS all_last,
           (SELECT count(*)::int FROM login_attempts WHERE remote = ${remote} AND at > now() - interval '1 minute') AS remote_n,
           b.id AS branch_id, b.code AS branch_code, b.name AS branch_name,
           u.id AS user_id, u.username, u.display_name, u.password_hash,
           coalesce((SELECT json_agg(r.role ORDER BY r.role) FROM user_branch_roles r WHERE r.user_id = u.id AND r.branch_id = b.id), '[]'::json) AS roles
      FROM (SELECT 1) AS one
      LEFT JOIN branches b ON b.code = ${branchCode}
      LEFT JOIN users u ON lower(u.username) = ${name} AND u.disabled_at IS NULL`.execute(db);
  const row = r.rows[0]!;
  return {
    mineN: row.mine_n,
    mineLast: row.mine_last,
    allN: row.all_n,
    allLast: row.all_last,
    remoteN: row.remote_n,
    branch: row.branch_id !== null ? { id: row.branch_id, code: row.branch_code!, name: row.branch_name! } : null,
    user: row.user_id !== null ? { id: row.user_id, username: row.username!, displayName: row.display_name!, passwordHash: row.password_hash! } : null,
    roles: row.roles,
  };
}

/** Seconds still to wait after `n` failures, the last at `last`: 1, 2, 4 … s past the free ones, capped at the window. */
function waitSeconds(policy: AuthPolicy, free: number, n: number, last: Date | null): number {
  if (n < free || !last) return 0;
  const delayMs = Math.min(1000 * 2 ** (n - free), policy.failureWindowMs);
  return Math.max(0, Math.ceil((last.getTime() + delayMs - Date.now()) / 1000));
}

/** How many failures at one name from all sources together before every source slows down. */
const ALL_SOURCES_FACTOR = 10;

/** IT's unlock: the name's failures stop counting (recorded as a success of source admin-unlock). */
export async function unlockUsername(db: SystemDb, username: string): Promise<void> {
  await db.insertInto('login_attempts').values({ username: username.trim().toLowerCase(), remote: 'admin-unlock', success: true, source: 'admin-unlock' }).execute();
}
