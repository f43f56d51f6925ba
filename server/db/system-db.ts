import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './database';
import { createKysely } from './pool';

/** Tables that hold no patient data: reachable outside withBranch. */
export type SystemTables = Pick<
  Database,
  | 'branches'
  | 'wards'
  | 'users'
  | 'user_branch_roles'
  | 'stations'
  | 'sessions'
  | 'api_clients'
  | 'login_attempts'
  | 'fhir_settings'
  // Releases hold no patient data (migration 2026-11-25T3000-releases).
  | 'releases'
  | 'release_rings'
  | 'rollouts'
  | 'rollout_events'
  | 'station_health_reports'
  | 'group_roles'
>;

/**
 * The app role's pool as routes and domain modules see it: its type has no patient tables, so
 * code that forgets withBranch does not compile (and RLS would return zero rows if it did).
 * withBranch(db, …) is the unit-of-work runner that reaches them. server/db/typing-fixtures
 * holds the compile-fail proof.
 */
export type SystemDb = Kysely<SystemTables>;

/** Narrows a handle (the pool, or a branch transaction) to the tables without patient data. */
export function asSystemDb(db: Kysely<Database> | SystemDb): SystemDb {
  return db as unknown as SystemDb;
}

/** The app role's pool, typed as the system handle: the full schema type never leaves server/db. */
export function createSystemDb(pool: pg.Pool): SystemDb {
  return asSystemDb(createKysely<Database>(pool));
}
