import type { Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * Sync push kept one copy of its rules (issue 18): sync_push, the previous release's entry during
 * a blue-green switch, had its own copy of the first-save INSERT ... SELECT of sync_push_set; it
 * now flattens its jsonb batch into sync_push_set's records and calls it, so both answer by the
 * same statements. sync_push_set answers an empty batch with [] (as sync_push did), not NULL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
