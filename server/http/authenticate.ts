import type { FastifyRequest } from 'fastify';
import type { Role } from '../../contract/roles';
import { STATION_CREDENTIAL_HEADER } from '../../contract/sync';
import { findSession, type Session } from '../auth/sessions';
import type { AppContext } from './context';
import { HttpError } from './errors';

export function bearerToken(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1] ?? null;
}

export async function requireSession(ctx: AppContext, request: FastifyRequest): Promise<Session> {
  const token = bearerToken(request);
  // A station's session travels with the station's credential: without it (or with another
  // station's), the token alone is worth nothing.
  const credential = request.headers[STATION_CREDENTIAL_HEADER];
  const session = token ? await findSession(ctx.db, ctx.policy, token, typeof credential === 'string' ? credential : null) : null;
  if (!session) throw new HttpError(401, 'unauthorized', 'sign-in required: the session has ended or was never opened; sign in again', { 'www-authenticate': 'Bearer' });
  return session;
}

export function requireRole(session: Session, allowed: readonly Role[]): void {
  if (!session.roles.some((r) => allowed.includes(r))) {
    throw new HttpError(403, 'forbidden', 'your role does not allow this: ask a colleague whose role does, or IT support if your role is wrong');
  }
}

/**
 * Authentication that runs in onRequest, before fastify reads the body: a route that takes a
 * large body (audio, a push batch) must not read and parse megabytes for a caller it would refuse.
 * The handler picks the result up with `of(request)`.
 */
export function authenticateBeforeBody<T>(authenticate: (request: FastifyRequest) => Promise<T>) {
  const results = new WeakMap<FastifyRequest, T>();
  return {
    onRequest: async (request: FastifyRequest): Promise<void> => {
      results.set(request, await authenticate(request));
    },
    of(request: FastifyRequest): T {
      const r = results.get(request);
      if (r === undefined) throw new Error('authenticateBeforeBody: the onRequest hook did not run');
      return r;
    },
  };
}
