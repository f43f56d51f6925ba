import { sql } from 'kysely';
import type { NoteFailure, SoapDraft } from '../../../contract/soap';
import { recordAudit } from '../../audit/record';
import { currentBranchId, type Actor, type BranchTransaction } from '../../db/with-branch';
import type { PreparedDraft } from '../pipeline';
import { reviewHash, toReviewSections } from '../review/sections';

/*
 * The summarization queue (table summarization_jobs, migration 2026-11-25T4000-notes). A job is
 * claimed with a lease that commits at once; the provider runs outside any transaction; the
 * draft is then inserted and the job marked done in one transaction that only the lease holder
 * can complete. The unique keys of soap_drafts (per job, per note version) refuse a second draft
 * even if two workers ever got that far.
 */

export interface ClaimedJob {
  id: string;
  noteDraftId: string;
  noteVersion: number;
  attempts: number;
  maxAttempts: number;
  patientId: string;
  text: string;
}

export const WORKER_ACTOR: Actor = { kind: 'system', id: 'summarizer' };

/** Failures worth another attempt later; the others are final at once. */
const RETRYABLE: ReadonlySet<NoteFailure['kind']> = new Set(['rate_limited', 'timeout', 'provider_error', 'malformed_output']);

/**
 * Claims the branch's next due job (queued and due, or running with an expired lease). A job
 * whose attempts are used up is marked failed instead of run again.
 */
export async function claimJob(trx: BranchTransaction, workerId: string, leaseMs: number): Promise<ClaimedJob | null> {
  const b = currentBranchId();
  for (;;) {
    const claimed = await sql<{ id: string; note_draft_id: string; note_version: number; attempts: number; max_attempts: number }>`
      UPDATE summarization_jobs j
         SET status = 'running', attempts = j.attempts + 1, locked_by = ${workerId},
             locked_until = now() + make_interval(secs => ${leaseMs / 1000})
        FROM (SELECT id FROM summarization_jobs
               WHERE branch_id = ${b} AND status IN ('queued', 'running') AND run_after <= now()
                 AND (status = 'queued' OR locked_until < now())
               ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) due
       WHERE j.branch_id = ${b} AND j.id = due.id
      RETURNING j.id, j.note_draft_id, j.note_version, j.attempts, j.max_attempts`.execute(trx);
    const job = claimed.rows[0];
    if (!job) return null;
    if (job.attempts > job.max_attempts) {
      await markFailed(trx, job.id, { kind: 'provider_error', message: 'the summarizer stopped answering (lease expired too often)', attempts: job.attempts - 1 });
      continue;
    }
    const note = await trx
      .selectFrom('note_drafts')
      .select(['patient_id', 'text'])
      .where('id', '=', job.note_draft_id)
      .executeTakeFirstOrThrow();
    return {
      id: job.id,
      noteDraftId: job.note_draft_id,
      noteVersion: job.note_version,
      attempts: job.attempts,
      maxAttempts: job.max_attempts,
      patientId: note.patient_id,
      text: note.text,
    };
  }
}

/** Holds the lease, or null if another worker took it over (ours expired). */
async function takeLease(trx: BranchTransaction, jobId: string, workerId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('summarization_jobs')
    .select('id')
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Stores the draft and finishes the job, in the caller's transaction. False: the lease was lost, nothing written. */
export async function completeJob(trx: BranchTransaction, job: ClaimedJob, workerId: string, draft: SoapDraft | PreparedDraft): Promise<boolean> {
  if (!(await takeLease(trx, job.id, workerId))) return false;
  // A prepared draft (the server's) arrives serialized from the worker thread; never parsed here.
  const stored = 'review' in draft ? draft.review : storedForm(draft);
  const hash = stored.hash;
  const inserted = await trx
    .insertInto('soap_drafts')
    .values({
      branch_id: currentBranchId(),
      job_id: job.id,
      note_draft_id: job.noteDraftId,
      note_version: job.noteVersion,
      patient_id: job.patientId,
      sections: stored.json,
      provider: draft.provenance.provider,
      model: draft.provenance.model,
      prompt_version: draft.provenance.promptVersion,
      latency_ms: draft.provenance.latencyMs,
      input_tokens: draft.provenance.inputTokens,
      output_tokens: draft.provenance.outputTokens,
      content_hash: hash,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  await trx
    .updateTable('summarization_jobs')
    .set({ status: 'done', locked_until: null, finished_at: sql<Date>`now()`, last_error_kind: null, last_error: null })
    .where('id', '=', job.id)
    .execute();
  if (inserted) {
    await recordAudit(trx, WORKER_ACTOR, {
      action: 'note.ai_draft_generated',
      entityType: 'soap_draft',
      entityId: inserted.id,
      patientId: job.patientId,
      detail: {
        noteDraftId: job.noteDraftId,
        noteVersion: job.noteVersion,
        provider: draft.provenance.provider,
        model: draft.provenance.model,
        promptVersion: draft.provenance.promptVersion,
        unsupported: draft.unsupportedCount,
        contentHash: hash,
      },
    });
  }
  return true;
}

function storedForm(draft: SoapDraft): PreparedDraft['review'] {
  const sections = toReviewSections(draft.sections);
  return { json: JSON.stringify(sections), hash: reviewHash(sections) };
}

async function markFailed(trx: BranchTransaction, jobId: string, failure: NoteFailure): Promise<void> {
  const row = await trx
    .updateTable('summarization_jobs')
    .set({ status: 'failed', locked_until: null, finished_at: sql<Date>`now()`, last_error_kind: failure.kind, last_error: failure.message })
    .where('id', '=', jobId)
    .returning(['note_draft_id'])
    .executeTakeFirstOrThrow();
  await recordAudit(trx, WORKER_ACTOR, {
    action: 'note.ai_draft_failed',
    entityType: 'note_draft',
    entityId: row.note_draft_id,
    detail: { kind: failure.kind, message: failure.message },
  });
}

/**
 * A failed attempt: retried later with exponential backoff (base * 2^(attempt-1), capped) when
 * the failure is transient and attempts remain; otherwise a visible, final failure.
 */
export async function failJob(
  trx: BranchTransaction,
  job: ClaimedJob,
  workerId: string,
  failure: NoteFailure,
  backoff: { baseMs: number; maxMs: number },
): Promise<'retry' | 'failed' | 'lost'> {
  if (!(await takeLease(trx, job.id, workerId))) return 'lost';
  if (RETRYABLE.has(failure.kind) && job.attempts < job.maxAttempts) {
    const delayMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (job.attempts - 1));
    await trx
      .updateTable('summarization_jobs')
      .set({
        status: 'queued',
        locked_until: null,
        locked_by: null,
        run_after: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
        last_error_kind: failure.kind,
        last_error: failure.message,
      })
      .where('id', '=', job.id)
      .execute();
    return 'retry';
  }
  await markFailed(trx, job.id, failure);
  return 'failed';
}

/** Gives a claimed job back at once (a draining worker), without counting the attempt. */
export async function releaseJob(trx: BranchTransaction, job: ClaimedJob, workerId: string): Promise<void> {
  await trx
    .updateTable('summarization_jobs')
    .set({ status: 'queued', locked_until: null, locked_by: null, run_after: sql<Date>`now()`, attempts: job.attempts - 1 })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .execute();
}
