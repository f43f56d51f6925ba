import { sql, type Kysely } from 'kysely';
import { installSyncRules } from './sync-rules';

/*
 * Sync push with fewer writes per mutation (issue 18). This release's servers push through
 * sync_push_set (server/sync/sql/push.sql): the batch arrives as flat JSON records and is parsed
 * once; a batch of new drafts costs one INSERT of drafts and one of their
 * records, whatever its size. sync_push stays for the previous release during a blue-green switch.
 *
 * Per-row work that protected nothing:
 * - note_drafts_summarize fired for every inserted or re-statused draft row, to do nothing unless
 *   the row was submitted; the same trigger now fires only for submitted rows (its function still
 *   checks the rest).
 * - note_drafts, sync_mutations and change_feed each checked branch_id against branches row by
 *   row (a key-share lock on the one branches row that every concurrent writer of the branch
 *   shares). Each row's branch is already held: a draft's by its (branch_id, patient_id)
 *   reference to patients (whose branch_id references branches); a mutation record's and a feed
 *   row's by row-level security, which admits only the transaction's branch (set by withBranch
 *   from a signed-in session of that branch; branches are never deleted).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE OR REPLACE TRIGGER note_drafts_summarize AFTER INSERT OR UPDATE OF status ON note_drafts
      FOR EACH ROW WHEN (NEW.status = 'submitted') EXECUTE FUNCTION summarization_enqueue()`.execute(db);
  for (const table of ['note_drafts', 'sync_mutations', 'change_feed']) {
    await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT IF EXISTS ${sql.id(`${table}_branch_id_fkey`)}`.execute(db);
  }
  await installSyncRules(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive only: roll forward');
}
