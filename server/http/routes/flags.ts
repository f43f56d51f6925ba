import type { FastifyInstance } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import { z } from 'zod';
import { FeatureFlagKey, SetFeatureFlagInput, type FeatureFlagList } from '../../../contract/flags';
import { withBranch } from '../../db/with-branch';
import { listFlags, setFlag } from '../../flags/flags';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { parseInput } from '../parse';
import { signalAfterCommit } from './release-signals';

const FlagParams = z.object({ key: FeatureFlagKey });

/* Feature flags of the IT administrator's session branch: read and set, each change audited. */
export function registerFlagRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(serverApi.listFlags.path, async (request): Promise<FeatureFlagList> => {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    return { branch: session.branch.code, flags: await withBranch(ctx.db, session.branch.id, actor, (trx) => listFlags(trx)) };
  });

  app.put(serverApi.setFlag.path, async (request) => {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    const { key } = parseInput(FlagParams, request.params);
    const input = parseInput(SetFeatureFlagInput, request.body);
    const actor = { kind: 'user', id: String(session.userId) } as const;
    await withBranch(ctx.db, session.branch.id, actor, (trx) => setFlag(trx, session.branch.id, actor, key, input));
    signalAfterCommit(app, ctx, { channel: 'stable', kind: 'flags', branchId: session.branch.id });
    return { ok: true };
  });
}
