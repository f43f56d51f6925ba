import { sql } from 'kysely';
import type { Role } from '../../contract/roles';
import type { SystemDb } from '../db/system-db';
import { hashSecret, newSecret } from './tokens';
import type { AuthPolicy } from './policy';

/** An authenticated caller of the /api routes. Passed explicitly; there is no request-global. */
export interface Session {
  sessionId: string;
  userId: number;
  username: string;
  displayName: string;
  branch: { id: number; code: string; name: string };
  roles: Role[];
  expiresAt: Date;
  /** The station the session was opened at; it is valid only with that station's credential. */
  stationId: string | null;
}

export async function createSession(
  db: SystemDb,
  policy: AuthPolicy,
  userId: number,
  branchId: number,
  stationId: string | null,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret('wss');
  const expiresAt = new Date(Date.now() + policy.sessionTtlMs);
  await db
    .insertInto('sessions')
    .values({ token_hash: hashSecret(token), user_id: userId, branch_id: branchId, station_id: stationId, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

/**
 * The session behind a bearer token, or null if unknown, expired, idle too long, revoked or
 * disabled. A session opened at a station holds only together with that station's credential
 * (`stationCredential`), and ends when the station is revoked.
 */
export async function findSession(db: SystemDb, policy: AuthPolicy, token: string, stationCredential: string | null = null): Promise<Session | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('branches as b', 'b.id', 's.branch_id')
    .leftJoin('stations as st', 'st.id', 's.station_id')
    .select([
      's.id',
      's.station_id',
      's.user_id',
      's.expires_at',
      's.last_seen_at',
      'u.username',
      'u.display_name',
      'b.id as branch_id',
      'b.code as branch_code',
      'b.name as branch_name',
    ])
    .where('s.token_hash', '=', hashSecret(token))
    .where('s.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${policy.idleTimeoutMs / 1000})`)
    .where((eb) =>
      eb.or([
        eb('s.station_id', 'is', null),
        eb.and([eb('st.revoked_at', 'is', null), eb('st.credential_hash', '=', stationCredential ? hashSecret(stationCredential) : '')]),
      ]),
    )
    .executeTakeFirst();
  if (!row) return null;
  const roles = await db
    .selectFrom('user_branch_roles')
    .select('role')
    .where('user_id', '=', row.user_id)
    .where('branch_id', '=', row.branch_id)
    .orderBy('role')
    .execute();
  // A user stripped of every role in the branch keeps no access through an old session.
  if (roles.length === 0) return null;
  // Touch at most every 30 s: the idle timeout needs no write per request.
  if (Date.now() - row.last_seen_at.getTime() > 30_000) {
    await db.updateTable('sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', row.id).execute();
  }
  return {
    sessionId: row.id,
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    branch: { id: row.branch_id, code: row.branch_code, name: row.branch_name },
    roles: roles.map((r) => r.role),
    expiresAt: row.expires_at,
    stationId: row.station_id,
  };
}

export async function revokeSession(db: SystemDb, sessionId: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: sql<Date>`now()` }).where('id', '=', sessionId).execute();
}

/**
 * Ends sessions: a user's (password change, disable) or a station's (revocation). Their live
 * streams close at the stream guard's next check (server/http/stream-guard.ts).
 */
export async function revokeSessionsOf(db: SystemDb, who: { userId: number } | { stationId: string }): Promise<number> {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('revoked_at', 'is', null)
    .where((eb) => ('userId' in who ? eb('user_id', '=', who.userId) : eb('station_id', '=', who.stationId)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
