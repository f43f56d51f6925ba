import { sql } from 'kysely';
import type { SystemDb } from '../db/system-db';

/**
 * A station was heard from (any sync request): its last contact and the version it runs. Written
 * at most every few seconds per station (a ward's stations pull every 30 s; the live channel's
 * rounds can come much faster), and at once when the version changes.
 */
export async function recordContact(q: SystemDb, stationId: string, version: string | null): Promise<void> {
  await q
    .updateTable('stations')
    .set({ last_seen_at: sql<Date>`now()`, ...(version ? { app_version: version } : {}) })
    .where('id', '=', stationId)
    .where((eb) =>
      eb.or([
        eb('last_seen_at', 'is', null),
        eb('last_seen_at', '<', sql<Date>`now() - interval '5 seconds'`),
        ...(version ? [eb('app_version', 'is distinct from', version)] : []),
      ]),
    )
    .execute();
}
