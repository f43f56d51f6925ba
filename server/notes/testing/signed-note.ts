import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ContentHash } from '../../../contract/soap';
import type { Database } from '../../db/database';
import { withBranch } from '../../db/with-branch';
import { silentLogger } from '../../log';
import { startSummarizationWorker } from '../jobs/worker';
import { structureNote } from '../pipeline';
import { createSummarizer } from '../providers';
import { approveNote } from '../review/review';
import type { SystemDb } from '../../db/system-db';

/**
 * Test data: a raw note written and submitted, summarized by the job with the local structurer,
 * and approved by the given physician through the one approval path. Answers the SOAP draft's id
 * (the DocumentReference id).
 */
export async function signedNote(
  db: { owner: Kysely<Database>; app: SystemDb },
  branchId: number,
  patientId: string,
  physician: string,
  text: string,
): Promise<string> {
  const user = await db.owner.selectFrom('users').select('id').where('username', '=', physician).executeTakeFirstOrThrow();
  const noteId = randomUUID();
  const admin = { kind: 'admin', id: 'fixture' } as const;
  await withBranch(db.owner, branchId, admin, async (trx) => {
    await trx.insertInto('note_drafts').values({ branch_id: branchId, id: noteId, patient_id: patientId, author_user_id: user.id, text }).execute();
    await trx.updateTable('note_drafts').set({ status: 'submitted', version: 2 }).where('id', '=', noteId).execute();
  });
  const local = createSummarizer({ provider: 'local' });
  const worker = startSummarizationWorker({ db: db.app, log: silentLogger, summarize: (raw, signal) => structureNote(raw, local, signal) }, false);
  await worker.runOnce();
  await worker.stop();
  const actor = { kind: 'user', id: String(user.id) } as const;
  return withBranch(db.app, branchId, actor, async (trx) => {
    const d = await trx.selectFrom('soap_drafts').select('content_hash').where('note_draft_id', '=', noteId).executeTakeFirstOrThrow();
    return (await approveNote(trx, actor, user.id, noteId, d.content_hash as ContentHash)).id;
  });
}
