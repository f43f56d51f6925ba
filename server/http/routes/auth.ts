import type { FastifyInstance } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import { signInThrottledMessage } from '../../../contract/errors';
import { LoginRequest, type MeResponse } from '../../../contract/auth';
import { login } from '../../auth/login';
import { revokeSession } from '../../auth/sessions';
import { recordAudit } from '../../audit/record';
import { findStationByCredential } from '../../stations/credential';
import { STATION_CREDENTIAL_HEADER } from '../../../contract/sync';
import { withBranch } from '../../db/with-branch';
import { requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(serverApi.login.path, async (request) => {
    const body = parseInput(LoginRequest, request.body);
    // A station signs its user in with its credential: the session is bound to that station,
    // and only for the station's own branch.
    const credential = request.headers[STATION_CREDENTIAL_HEADER];
    const station = typeof credential === 'string' ? await findStationByCredential(ctx.db, credential) : null;
    if (credential !== undefined && (!station || station.branchCode !== body.branch)) {
      throw new HttpError(401, 'unauthorized', 'invalid username, password or branch');
    }
    const outcome = await login(ctx.db, ctx.policy, body, request.ip, station?.id ?? null);
    if (outcome.kind === 'rate_limited') {
      throw new HttpError(429, 'rate_limited', signInThrottledMessage(outcome.retryAfterSeconds), {
        'retry-after': String(outcome.retryAfterSeconds),
      });
    }
    if (outcome.kind === 'invalid') throw new HttpError(401, 'unauthorized', 'invalid username, password or branch');
    return outcome.response;
  });

  app.post(serverApi.logout.path, async (request, reply) => {
    const session = await requireSession(ctx, request);
    await revokeSession(ctx.db, session.sessionId);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    await withBranch(ctx.db, session.branch.id, actor, (trx) =>
      recordAudit(trx, actor, { action: 'auth.logout', entityType: 'user', entityId: String(session.userId) }),
    );
    return reply.status(204).send();
  });

  app.get(serverApi.me.path, async (request): Promise<MeResponse> => {
    const s = await requireSession(ctx, request);
    return {
      user: { id: s.userId, username: s.username, displayName: s.displayName, roles: s.roles },
      branch: s.branch,
      expiresAt: s.expiresAt.toISOString(),
    };
  });
}
