import { isClinical } from '../../contract/roles';
import type { AuthPolicy } from '../auth/policy';
import { findSession } from '../auth/sessions';
import { hashSecret } from '../auth/tokens';
import type { SystemDb } from '../db/system-db';
import type { Actor } from '../db/with-branch';

/**
 * Who calls the FHIR API: a station user's session or an API client (a lab, a referral
 * partner). Either way the branch is fixed by the credential, never by the request.
 */
export interface Caller {
  branchId: number;
  branchCode: string;
  actor: Actor;
  scopes: readonly string[];
  /** Patient identifier systems an API client registered for its branch (none for station users). */
  identifierSystems: readonly string[];
}

export type Access = 'read' | 'write';

export function allows(caller: Caller, access: Access, type: string): boolean {
  return caller.scopes.includes(`${access}:${type}`) || caller.scopes.includes(`${access}:*`);
}

/** The caller behind a bearer token, or null for an unknown, revoked or expired one. */
export async function findCaller(db: SystemDb, policy: AuthPolicy, token: string): Promise<Caller | null> {
  if (token.startsWith('wsc_')) {
    const client = await db
      .selectFrom('api_clients as c')
      .innerJoin('branches as b', 'b.id', 'c.branch_id')
      .select(['c.id', 'c.scopes', 'c.identifier_systems', 'b.id as branch_id', 'b.code as branch_code'])
      .where('c.token_hash', '=', hashSecret(token))
      .where('c.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!client) return null;
    return { branchId: client.branch_id, branchCode: client.branch_code, actor: { kind: 'client', id: String(client.id) }, scopes: client.scopes, identifierSystems: client.identifier_systems };
  }
  const session = await findSession(db, policy, token);
  if (!session) return null;
  // Clinical staff read and write their branch's records; IT administrators read no patient data.
  return {
    branchId: session.branch.id,
    branchCode: session.branch.code,
    actor: { kind: 'user', id: String(session.userId) },
    scopes: isClinical(session.roles) ? ['read:*', 'write:*'] : [],
    identifierSystems: [],
  };
}

/**
 * API-client callers remembered for `ttlMs` (a lab system sends many requests with one token),
 * saving a lookup per request. A revoked client is refused at most `ttlMs` later. Sessions are
 * not cached: their idle timeout is counted per request.
 */
export function cachedCallers(ttlMs: number, max = 10_000): (db: SystemDb, policy: AuthPolicy, token: string) => Promise<Caller | null> {
  const cache = new Map<string, { caller: Caller; until: number }>();
  return async (db, policy, token) => {
    if (ttlMs <= 0 || !token.startsWith('wsc_')) return findCaller(db, policy, token);
    const key = hashSecret(token);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.caller;
    const caller = await findCaller(db, policy, token);
    if (hit) cache.delete(key);
    if (caller) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(key, { caller, until: Date.now() + ttlMs });
    }
    return caller;
  };
}
