import type { Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * Push without parsing the drafts' texts as JSON (issue 18, sync push). This release's servers
 * call sync_push_arrays (server/sync/sql/push.sql): one array per field, the texts as a binary
 * text[] that the database copies as they are; parsing a 500-draft batch as JSON records
 * (lexing every character of every text) was about a twentieth of its database CPU.
 * sync_push_set keeps its signature and answers for the previous release's servers: it parses
 * its records into the same arrays and calls sync_push_arrays, so one copy of the rules remains.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
