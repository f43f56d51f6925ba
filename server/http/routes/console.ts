import type { FastifyInstance } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import type { StationList } from '../../../contract/console';
import { listStations } from '../../stations/repository';
import { requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';

/** JSON routes of the IT console: fleet state, never patient data; IT administrators only. */
export function registerConsoleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(serverApi.listStations.path, async (request): Promise<StationList> => {
    const session = await requireSession(ctx, request);
    requireRole(session, ['it_admin']);
    return { stations: await listStations(ctx.db, session.branch.id) };
  });
}
