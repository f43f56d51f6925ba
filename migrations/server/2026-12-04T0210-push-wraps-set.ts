import type { Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * One copy of the first-save rules (issue 18). The previous release's sync_push kept its own
 * INSERT ... SELECT of new drafts beside sync_push_set's; it now reads its batch into
 * sync_push_set's flat records and answers what sync_push_set answers (server/sync/sql/push.sql).
 * Its signature stays: the previous release's servers call it during a blue-green switch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
