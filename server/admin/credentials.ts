import { sql } from 'kysely';
import { revokeSessionsOf } from '../auth/sessions';
import { hashSecret, newSecret } from '../auth/tokens';
import { asSystemDb, type SystemDb } from '../db/system-db';
import { recordAudit } from '../audit/record';
import type { OwnerDb } from '../db/owner-db';
import { withBranch } from '../db/with-branch';
import { findBranch, findWard } from './branches';
import { AdminError, CLI_ACTOR, type AdminBy } from './users';

/* Stations and API clients get a secret shown once; only its hash is kept. */

export async function enrolStation(
  db: OwnerDb,
  branchCode: string,
  wardCode: string,
  name: string,
  by = 'admin-cli',
): Promise<{ id: string; credential: string }> {
  const branch = await findBranch(db, branchCode);
  const ward = await findWard(db, branch.id, wardCode);
  const credential = newSecret('wsk');
  const row = await db
    .insertInto('stations')
    .values({ branch_id: branch.id, ward_id: ward.id, name, credential_hash: hashSecret(credential) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const actor = { kind: 'admin', id: by } as const;
  await withBranch(db, branch.id, actor, (trx) =>
    recordAudit(trx, actor, { action: 'admin.station_enrolled', entityType: 'station', entityId: row.id, detail: { ward: wardCode } }),
  );
  return { id: row.id, credential };
}

export const CLIENT_SCOPES = /^(read|write):(\*|[A-Z][A-Za-z]+)$/;
/** A Patient identifier system a partner matches its patients on: an absolute URI (FHIR Identifier.system). */
export const IDENTIFIER_SYSTEM = /^(urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:|https?:\/\/)[!-~]{1,240}$/;

export async function addApiClient(
  db: OwnerDb,
  branchCode: string,
  name: string,
  scopes: string[],
  by = 'admin-cli',
  identifierSystems: string[] = [],
): Promise<{ id: number; token: string }> {
  for (const s of scopes) if (!CLIENT_SCOPES.test(s)) throw new Error(`invalid scope ${s} (e.g. read:Patient, write:Observation, read:*)`);
  for (const s of identifierSystems) if (!IDENTIFIER_SYSTEM.test(s)) throw new Error(`invalid identifier system ${s.slice(0, 80)} (an absolute URI such as urn:oid:1.2.3 or https://lab.example/mrn)`);
  const branch = await findBranch(db, branchCode);
  const token = newSecret('wsc');
  const row = await db
    .insertInto('api_clients')
    .values({ branch_id: branch.id, name, token_hash: hashSecret(token), scopes, identifier_systems: identifierSystems })
    .returning('id')
    .executeTakeFirstOrThrow();
  const actor = { kind: 'admin', id: by } as const;
  await withBranch(db, branch.id, actor, (trx) =>
    recordAudit(trx, actor, { action: 'admin.client_added', entityType: 'api_client', entityId: String(row.id), detail: { scopes, identifierSystems } }),
  );
  return { id: row.id, token };
}

/** Revokes a station: its credential stops working, its sessions end and its live streams close. */
export async function revokeStation(owner: OwnerDb | SystemDb, stationId: string, by: AdminBy = {}): Promise<{ sessionsEnded: number }> {
  if (!/^[0-9a-f-]{36}$/i.test(stationId)) throw new AdminError('bad_request', `${stationId} is not a station id (a UUID, as \`station enrol\` printed it)`);
  const db = asSystemDb(owner);
  const station = await db.selectFrom('stations').select(['id', 'branch_id']).where('id', '=', stationId).executeTakeFirst();
  // A station of a branch the administrator does not administer answers as a missing one.
  if (!station || (by.within && !by.within.includes(station.branch_id))) throw new AdminError('not_found', `there is no station ${stationId}: use the id that station enrol printed, or the one the IT console shows`);
  await db.updateTable('stations').set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where('id', '=', station.id).execute();
  const sessionsEnded = await revokeSessionsOf(db, { stationId: station.id });
  const actor = by.actor ?? CLI_ACTOR;
  await withBranch(db, station.branch_id, actor, (trx) =>
    recordAudit(trx, actor, { action: 'admin.station_revoked', entityType: 'station', entityId: station.id, detail: { sessionsEnded } }),
  );
  return { sessionsEnded };
}

/** Revokes an API client: its bearer token is refused once the FHIR token cache lets it go. */
export async function revokeApiClient(owner: OwnerDb | SystemDb, clientId: number, by: AdminBy = {}): Promise<void> {
  if (!Number.isInteger(clientId) || clientId <= 0) throw new AdminError('bad_request', 'give the API client id (a number, as `client add` printed it)');
  const db = asSystemDb(owner);
  const client = await db.selectFrom('api_clients').select(['id', 'branch_id']).where('id', '=', clientId).executeTakeFirst();
  if (!client || (by.within && !by.within.includes(client.branch_id))) throw new AdminError('not_found', `there is no API client ${clientId}: use the id that client add printed`);
  await db.updateTable('api_clients').set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where('id', '=', client.id).execute();
  const actor = by.actor ?? CLI_ACTOR;
  await withBranch(db, client.branch_id, actor, (trx) =>
    recordAudit(trx, actor, { action: 'admin.client_revoked', entityType: 'api_client', entityId: String(client.id) }),
  );
}
