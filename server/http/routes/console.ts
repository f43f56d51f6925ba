import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { serverApi } from '../../../contract/server-api';
import { SetPasswordInput, Username, type ApiClientList, type AuditCheckpointList, type StationList, type UserList } from '../../../contract/console';
import { revokeApiClient, revokeStation } from '../../admin/credentials';
import { AdminError, disableUser, enableUser, setPassword, unlockUser } from '../../admin/users';
import { checkpointStatus } from '../../audit/checkpoint';
import { failedSignIns } from '../../auth/login';
import type { Session } from '../../auth/sessions';
import { listStations } from '../../stations/repository';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { parseInput } from '../parse';

/** Admin refusals become JSON errors with their status. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof AdminError) throw new HttpError(e.kind === 'not_found' ? 404 : e.kind === 'forbidden' ? 403 : 400, e.kind, e.message);
    throw e;
  }
}

/**
 * JSON routes of the IT console: fleet state and the admin CLI's user, station and API-client
 * commands, never patient data; IT administrators only, acting only in the branches where they
 * hold it_admin (the branch rule: a target that reaches another branch is refused).
 */
export function registerConsoleRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function itAdmin(request: FastifyRequest): Promise<{ session: Session; by: { actor: { kind: 'user'; id: string }; within: number[] } }> {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    const branches = await ctx.db.selectFrom('user_branch_roles').select('branch_id').where('user_id', '=', session.userId).where('role', '=', 'it_admin').execute();
    return { session, by: { actor: { kind: 'user', id: String(session.userId) }, within: branches.map((b) => b.branch_id) } };
  }

  app.get(serverApi.listStations.path, async (request): Promise<StationList> => {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    return { stations: await listStations(ctx.db, session.branch.id) };
  });

  app.post(serverApi.revokeStation.path, async (request) => {
    const { by } = await itAdmin(request);
    const { id } = parseInput(z.object({ id: z.uuid() }), request.params);
    return mapped(() => revokeStation(ctx.db, id, by));
  });

  // The branch's staff: who holds a role here, where else they hold one, and whether disabled.
  app.get(serverApi.listUsers.path, async (request): Promise<UserList> => {
    const { session } = await itAdmin(request);
    const rows = await ctx.db
      .selectFrom('users as u')
      .innerJoin('user_branch_roles as r', 'r.user_id', 'u.id')
      .innerJoin('branches as b', 'b.id', 'r.branch_id')
      .select(['u.id', 'u.username', 'u.display_name', 'u.disabled_at', 'r.role', 'r.branch_id', 'b.code'])
      .select(failedSignIns(ctx.policy.failureWindowMs, sql.ref<string>('u.username')).as('failed'))
      .where('u.id', 'in', (eb) => eb.selectFrom('user_branch_roles').select('user_id').where('branch_id', '=', session.branch.id))
      .orderBy('u.username')
      .execute();
    const users = new Map<number, UserList['users'][number]>();
    for (const r of rows) {
      const u = users.get(r.id) ?? { username: r.username, displayName: r.display_name, roles: [], branches: [], disabled: r.disabled_at !== null, failedSignIns: r.failed };
      if (r.branch_id === session.branch.id) u.roles.push(r.role);
      if (!u.branches.includes(r.code)) u.branches.push(r.code);
      users.set(r.id, u);
    }
    return { users: [...users.values()] };
  });

  app.post(serverApi.disableUser.path, async (request) => {
    const { by } = await itAdmin(request);
    const { username } = parseInput(z.object({ username: Username }), request.params);
    const r = await mapped(() => disableUser(ctx.db, username, by));
    return { sessionsEnded: r.sessionsEnded };
  });

  app.post(serverApi.enableUser.path, async (request) => {
    const { by } = await itAdmin(request);
    const { username } = parseInput(z.object({ username: Username }), request.params);
    await mapped(() => enableUser(ctx.db, username, by));
    return { ok: true as const };
  });

  app.post(serverApi.unlockUser.path, async (request) => {
    const { by } = await itAdmin(request);
    const { username } = parseInput(z.object({ username: Username }), request.params);
    await mapped(() => unlockUser(ctx.db, username, by));
    return { ok: true as const };
  });

  app.post(serverApi.setUserPassword.path, async (request) => {
    const { by } = await itAdmin(request);
    const { username } = parseInput(z.object({ username: Username }), request.params);
    const { password } = parseInput(SetPasswordInput, request.body);
    const r = await mapped(() => setPassword(ctx.db, username, password, by));
    return { sessionsEnded: r.sessionsEnded };
  });

  app.get(serverApi.listApiClients.path, async (request): Promise<ApiClientList> => {
    const { session } = await itAdmin(request);
    const rows = await ctx.db
      .selectFrom('api_clients')
      .select(['id', 'name', 'scopes', 'created_at', 'revoked_at'])
      .where('branch_id', '=', session.branch.id)
      .orderBy('id')
      .execute();
    return { clients: rows.map((c) => ({ id: c.id, name: c.name, scopes: c.scopes, createdAt: new Date(c.created_at).toISOString(), revoked: c.revoked_at !== null })) };
  });

  app.post(serverApi.revokeApiClient.path, async (request) => {
    const { by } = await itAdmin(request);
    const { id } = parseInput(z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) }), request.params);
    await mapped(() => revokeApiClient(ctx.db, id, by));
    return { ok: true as const };
  });

  // The newest signed checkpoint of each branch the administrator administers, against the chain now.
  app.get(serverApi.auditCheckpoints.path, async (request): Promise<AuditCheckpointList> => {
    const { by } = await itAdmin(request);
    const where = ctx.auditCheckpoint;
    if (!where) return { configured: false, branches: [] };
    const status = await checkpointStatus(ctx.db, where.file, where.keyFile, by.within);
    return {
      configured: true,
      branches: status.map((s) => ({
        branch: s.branchCode,
        head: s.head,
        checkpoint: s.checkpoint ? { seq: s.checkpoint.seq, hash: s.checkpoint.hash, at: s.checkpoint.at } : null,
        matches: s.matches,
        reason: s.reason,
      })),
    };
  });
}
