import type { FastifyRequest } from 'fastify';
import type { StationIdentity } from '../../releases/rings';
import { stationByCredential } from '../../releases/stations';
import { bearerToken } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';

/** Stations authenticate with their enrolment credential: `Authorization: Bearer wsk_…` or `X-Station-Credential`. */
export async function requireStation(ctx: AppContext, request: FastifyRequest): Promise<StationIdentity> {
  const header = request.headers['x-station-credential'];
  const credential = (typeof header === 'string' ? header : null) ?? bearerToken(request);
  const station = credential ? await stationByCredential(ctx.db, credential) : null;
  if (!station) throw new HttpError(401, 'unauthorized', 'station credential required', { 'www-authenticate': 'Bearer' });
  return station;
}
