import type { FastifyInstance } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import { sql } from 'kysely';
import { serverMigrations } from '../../../migrations/server/index';
import type { AppContext } from '../context';

export interface HealthState {
  draining: boolean;
}

/** /healthz: the process is alive. /readyz: the database answers, is migrated, and we are not draining. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext, state: HealthState): void {
  app.get(serverApi.healthz.path, async () => ({ status: 'ok' }));

  app.get(serverApi.readyz.path, async (_request, reply) => {
    if (state.draining) return reply.status(503).send({ status: 'draining' });
    try {
      const r = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(ctx.db);
      const applied = new Set(r.rows.map((row) => row.name));
      const missing = Object.keys(serverMigrations).filter((m) => !applied.has(m));
      if (missing.length > 0) return reply.status(503).send({ status: 'not_migrated', missing: missing.length });
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database_unreachable' });
    }
  });
}
