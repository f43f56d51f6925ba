import type { FastifyInstance } from 'fastify';
import { serverApi } from '../../../contract/server-api';
import type { StationInfo } from '../../../contract/ward';
import { asSystemDb } from '../../db/system-db';
import { stationInfo } from '../../stations/repository';
import type { AppContext } from '../context';
import { HttpError } from '../errors';
import { requireStation } from './station-auth';

/**
 * GET /api/station/info: the enrolled station's branch and ward, asked with its credential
 * alone (no user yet), so that sign-in asks for no branch and the ward list opens on its ward.
 * Holds no patient data.
 */
export function registerStationInfoRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(serverApi.stationInfo.path, async (request): Promise<StationInfo> => {
    const station = await requireStation(ctx, request);
    const info = await stationInfo(asSystemDb(ctx.db), station);
    if (!info) throw new HttpError(404, 'not_found', 'the station has no ward');
    return info;
  });
}
