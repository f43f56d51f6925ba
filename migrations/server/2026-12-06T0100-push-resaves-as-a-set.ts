import type { Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * Re-saves as a set (issue 18, sync push): sync_push_arrays (server/sync/sql/push.sql) applies
 * the plain re-saves of a batch (autosaves of drafts the server already has, which sync_apply
 * would simply apply) by one UPDATE and one INSERT, instead of a sync_apply call per mutation
 * with its lookup, row lock, update and insert. Everything else still goes through sync_apply;
 * the rules and the answers are unchanged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
