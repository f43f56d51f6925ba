import type { Kysely } from 'kysely';
import type { Database } from './database';

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
 * The pool seen without a branch: its type has no patient tables, so code that forgets
 * withBranch does not compile (and RLS would return zero rows if it did).
 */
export type SystemDb = Kysely<SystemTables>;

export function asSystemDb(db: Kysely<Database>): SystemDb {
  return db as unknown as SystemDb;
}
