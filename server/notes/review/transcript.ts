import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Transcript } from '../../../contract/transcription';
import { recordAudit } from '../../audit/record';
import { currentBranchId, type Actor, type BranchTransaction } from '../../db/with-branch';
import { ReviewError } from './review';

/** A UUID v7 (time-ordered), as stations name their mutations: sync_apply compares them. */
function uuid7(): string {
  const b = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface AppendResult {
  status: string;
  version: number;
}

/**
 * Appends a transcript to a raw note as a new version, through the same rules as a station's
 * draft.save (sync_apply): only the author, not after submission, and a base version that
 * another station moved on from becomes a visible conflict.
 */
export async function appendTranscript(
  trx: BranchTransaction,
  actor: Actor,
  station: { id: string },
  userId: number,
  noteId: string,
  baseVersion: number,
  transcript: Transcript,
): Promise<AppendResult> {
  // The feed's lock of this branch, as sync_push takes it: mutations of a branch apply in order.
  await sql`SELECT pg_advisory_xact_lock(7301, ${currentBranchId()})`.execute(trx);
  const note = await trx.selectFrom('note_drafts').select(['text', 'patient_id']).where('id', '=', noteId).executeTakeFirst();
  if (!note) throw new ReviewError('not_found', "this note is not on the server (not synced yet, or removed): reload the patient's notes");
  const text = note.text.length > 0 ? `${note.text}\n${transcript.text}` : transcript.text;
  const payload = JSON.stringify({ draftId: noteId, patientId: note.patient_id, text, baseVersion });
  const r = await sql<{ r: { status: string; reason?: string; draft?: { version: number } } }>`
    SELECT sync_apply(${uuid7()}::uuid, ${station.id}::uuid, ${userId}, 'draft.save', ${payload}::jsonb) AS r`.execute(trx);
  const result = r.rows[0]!.r;
  const version = result.draft?.version ?? baseVersion;
  await recordAudit(trx, actor, {
    action: 'note.transcribed',
    entityType: 'note_draft',
    entityId: noteId,
    patientId: note.patient_id,
    detail: { provider: transcript.provider, model: transcript.model, chars: transcript.text.length, status: result.status, version },
  });
  return { status: result.reason ? `${result.status}:${result.reason}` : result.status, version };
}
