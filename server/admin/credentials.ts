import { hashSecret, newSecret } from '../auth/tokens';
import { recordAudit } from '../audit/record';
import type { OwnerDb } from '../db/owner-db';
import { withBranch } from '../db/with-branch';
import { findBranch, findWard } from './branches';

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
