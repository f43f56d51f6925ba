import type { FastifyRequest } from 'fastify';
import { CLINICAL_ROLES } from '../../../contract/roles';
import { STATION_CREDENTIAL_HEADER } from '../../../contract/sync';
import type { Session } from '../../auth/sessions';
import { findStationByCredential, type EnrolledStation } from '../../stations/credential';
import { bearerToken, requireRole, requireSession } from '../authenticate';
import type { AppContext } from '../context';
import { HttpError } from '../errors';

/** The station credential of a request: `X-Station-Credential`, else (station-only routes) `Authorization: Bearer wsk_…`. */
export function stationCredential(request: FastifyRequest, bearerToo = false): string | null {
  const header = request.headers[STATION_CREDENTIAL_HEADER];
  if (typeof header === 'string') return header;
  if (!bearerToo) return null;
  const bearer = bearerToken(request);
  return bearer?.startsWith('wsk_') ? bearer : null;
}

/** Routes of the station alone (feed, health, flags, release events). */
export async function requireStation(ctx: AppContext, request: FastifyRequest): Promise<EnrolledStation> {
  const credential = stationCredential(request, true);
  const station = credential ? await findStationByCredential(ctx.db, credential) : null;
  if (!station) throw new HttpError(401, 'unauthorized', 'this station is not recognised (no credential, or it was revoked): ask IT support to enrol it again', { 'www-authenticate': 'Bearer' });
  return station;
}

/**
 * A station's signed-in user: the enrolled station's credential and a session of that station
 * (requireSession already refuses a station's session presented without its credential). The
 * branch of every unit of work is the station's, never the request's.
 */
export async function requireStationUser(ctx: AppContext, request: FastifyRequest): Promise<{ station: EnrolledStation; session: Session }> {
  const station = await requireStation(ctx, request);
  const session = await requireSession(ctx, request);
  if (session.branch.id !== station.branchId) throw new HttpError(403, 'forbidden', 'this sign-in belongs to another hospital of the group: sign in again at this station');
  if (session.stationId !== station.id) throw new HttpError(401, 'unauthorized', 'this sign-in was opened at another station: sign in again here');
  requireRole(session, CLINICAL_ROLES);
  return { station, session };
}
