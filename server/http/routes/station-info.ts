import type { FastifyInstance } from 'fastify';
import { STATION_CREDENTIAL_HEADER } from '../../../contract/sync';
import type { StationInfo } from '../../../contract/ward';
import { asSystemDb } from '../../db/system-db';
import { stationInfo } from '../../stations/repository';
import { findStation } from '../../sync/stations';
import type { AppContext } from '../context';
import { HttpError } from '../errors';

/**
 * GET /api/station/info: the enrolled station's branch and ward, asked with its credential
 * alone (no user yet), so that sign-in asks for no branch and the ward list opens on its ward.
 * Holds no patient data.
 */
export function registerStationInfoRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/station/info', async (request): Promise<StationInfo> => {
    const credential = request.headers[STATION_CREDENTIAL_HEADER];
    const station = typeof credential === 'string' ? await findStation(asSystemDb(ctx.db), credential) : null;
    if (!station) throw new HttpError(401, 'unauthorized', 'station credential required');
    const info = await stationInfo(asSystemDb(ctx.db), station);
    if (!info) throw new HttpError(404, 'not_found', 'the station has no ward');
    return info;
  });
}
