import { sql } from 'kysely';
import { z } from 'zod';
import { ReviewSections, type NoteAudit, type NoteReview, type ReviewChecks, type SoapDraftView, type SummaryState } from '../../../contract/notes';
import type { ContentHash, NoteProviderName, SoapSectionName } from '../../../contract/soap';
import { recordAudit } from '../../audit/record';
import { currentBranchId, type Actor, type BranchTransaction } from '../../db/with-branch';
import { findOmissions } from './omissions';
import { blockingCount, reviewHash, signedText } from './sections';
import { noteAuthor } from './signer';
import { patientWarnings } from './wrong-patient';

/*
 * Review and approval of SOAP drafts. Plain functions on the caller's branch transaction; the
 * HTTP layer checks roles, these functions check the state. Each change is audited last in the
 * same transaction. The only writer of status 'approved' is approveNote, and it needs the
 * physician's user id and the hash the physician saw.
 */

export class ReviewError extends Error {
  constructor(
    readonly kind: 'not_found' | 'no_draft' | 'immutable' | 'blocked' | 'stale_hash' | 'no_statement' | 'not_signed',
    message: string,
  ) {
    super(message);
  }
}

interface DraftRow {
  id: string;
  note_version: number;
  patient_id: string;
  sections: unknown;
  provider: string;
  model: string;
  prompt_version: string;
  content_hash: string;
  status: 'ready' | 'approved';
  approved_by: number | null;
  approved_by_name: string | null;
  approved_by_role: 'physician' | 'nurse' | null;
  approved_at: Date | null;
  approved_hash: string | null;
  approved_text: string | null;
  review_checks: unknown;
}

/** The physician's stored answers to the checks before approval. */
const StoredChecks = z.object({ dismissed: z.array(z.string()).default([]), patientConfirmed: z.boolean().default(false) });
type StoredChecks = z.infer<typeof StoredChecks>;
const storedChecks = (row: DraftRow): StoredChecks => StoredChecks.parse(row.review_checks ?? {});

/** The checks of a draft against its raw note: what it leaves out, and signs of another patient. */
async function reviewChecks(trx: BranchTransaction, row: DraftRow, raw: string): Promise<ReviewChecks> {
  const stored = storedChecks(row);
  return {
    omissions: findOmissions(raw, ReviewSections.parse(row.sections), new Set(stored.dismissed)),
    patientWarnings: await patientWarnings(trx, raw, row.patient_id),
    patientConfirmed: stored.patientConfirmed,
  };
}

/** Why the checks still hold approval back, or null. */
function checksBlock(checks: ReviewChecks): string | null {
  const open = checks.omissions.filter((o) => !o.dismissed).length;
  if (open > 0) return `${open} sentence(s) of the note are not in the draft: add each, or mark it as not needed`;
  if (checks.patientWarnings.length > 0 && !checks.patientConfirmed) return 'the note may be about another patient: confirm that it belongs to this patient first';
  return null;
}

function toView(row: DraftRow): SoapDraftView {
  const sections = ReviewSections.parse(row.sections);
  return {
    id: row.id,
    noteVersion: row.note_version,
    sections,
    provider: row.provider as NoteProviderName,
    model: row.model,
    promptVersion: row.prompt_version,
    contentHash: row.content_hash as ContentHash,
    blockingCount: blockingCount(sections),
    status: row.status,
    approvedBy: row.approved_by,
    approvedByName: row.approved_by_name,
    approvedByRole: row.approved_by_role,
    approvedAt: row.approved_at?.toISOString() ?? null,
    approvedHash: (row.approved_hash as ContentHash | null) ?? null,
    signedText: row.approved_text,
  };
}

/** The latest SOAP draft of a note, locked for update when asked. */
async function latestDraft(trx: BranchTransaction, noteId: string, lock = false): Promise<DraftRow | undefined> {
  let q = trx
    .selectFrom('soap_drafts')
    .select(['id', 'note_version', 'patient_id', 'sections', 'provider', 'model', 'prompt_version', 'content_hash', 'status', 'approved_by', 'approved_at', 'approved_hash', 'approved_text', 'review_checks', 'approved_by_role'])
    // The name as signed; for notes signed before it was kept, the user's current name.
    .select((eb) => eb.fn.coalesce('soap_drafts.approved_by_name', eb.selectFrom('users').select('display_name').whereRef('users.id', '=', 'soap_drafts.approved_by')).as('approved_by_name'))
    .where('note_draft_id', '=', noteId)
    .orderBy('note_version', 'desc')
    .limit(1);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

async function displayNames(trx: BranchTransaction, ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await trx.selectFrom('users').select(['id', 'display_name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

/**
 * Who reads a note (a clinician of the branch: the routes check the role). A note is private to
 * its author until submitted; then the branch's clinicians read it (physicians review it).
 * Decided in the query, so a note another user may not see reads as not found.
 */
export interface NoteReader {
  userId: number;
}

function visibleNote(trx: BranchTransaction, noteId: string, reader: NoteReader) {
  return trx
    .selectFrom('note_drafts')
    .where('id', '=', noteId)
    .where((eb) =>
      eb.or([eb('author_user_id', '=', reader.userId), eb('status', '=', 'submitted')]),
    );
}

export async function getNoteReview(trx: BranchTransaction, noteId: string, reader: NoteReader): Promise<NoteReview | null> {
  const note = await visibleNote(trx, noteId, reader).select(['id', 'patient_id', 'text', 'version', 'status']).executeTakeFirst();
  if (!note) return null;
  const draft = await latestDraft(trx, noteId);
  const job = await trx
    .selectFrom('summarization_jobs')
    .select(['status', 'last_error_kind', 'last_error'])
    .where('note_draft_id', '=', noteId)
    .orderBy('note_version', 'desc')
    .limit(1)
    .executeTakeFirst();
  let state: SummaryState;
  if (draft) state = draft.status === 'approved' ? 'approved' : 'ready';
  else if (job?.status === 'failed') state = 'failed';
  else if (job) state = 'waiting';
  else state = note.status === 'submitted' ? 'waiting' : 'not_submitted';
  const addenda = draft
    ? await trx.selectFrom('note_addenda').select(['id', 'text', 'author_user_id', 'created_at']).where('soap_draft_id', '=', draft.id).orderBy('created_at').execute()
    : [];
  const names = await displayNames(trx, addenda.map((a) => a.author_user_id));
  const author = await noteAuthor(trx, noteId);
  return {
    ...(author ? { kind: author.kind, authorUserId: author.authorUserId } : {}),
    noteId: note.id,
    patientId: note.patient_id,
    rawText: note.text,
    rawVersion: note.version,
    rawStatus: note.status,
    state,
    failure: state === 'failed' ? { kind: job?.last_error_kind ?? 'provider_error', message: job?.last_error ?? 'summarization failed' } : null,
    draft: draft ? toView(draft) : null,
    checks: draft && draft.status === 'ready' ? await reviewChecks(trx, draft, note.text) : null,
    addenda: addenda.map((a) => ({ id: a.id, text: a.text, authorUserId: a.author_user_id, authorName: names.get(a.author_user_id) ?? null, createdAt: a.created_at.toISOString() })),
  };
}

async function draftForChange(trx: BranchTransaction, noteId: string): Promise<DraftRow> {
  const exists = await trx.selectFrom('note_drafts').select('id').where('id', '=', noteId).executeTakeFirst();
  if (!exists) throw new ReviewError('not_found', "this note is not on the server (not synced yet, or removed): reload the patient's notes");
  const draft = await latestDraft(trx, noteId, true);
  if (!draft) throw new ReviewError('no_draft', 'the draft is not ready yet: wait for it (the review shows it when it arrives)');
  if (draft.status === 'approved') throw new ReviewError('immutable', 'an approved note cannot change: add an addendum');
  return draft;
}

export type StatementChange = { action: 'edit'; text: string } | { action: 'accept' } | { action: 'remove' };

/** Edits, accepts or removes one statement; records it and recomputes the content hash. */
export async function changeStatement(
  trx: BranchTransaction,
  actor: Actor,
  userId: number,
  ref: { noteId: string; section: SoapSectionName; index: number },
  change: StatementChange,
): Promise<SoapDraftView> {
  const draft = await draftForChange(trx, ref.noteId);
  const sections = ReviewSections.parse(draft.sections);
  const statement = sections[ref.section][ref.index];
  if (!statement) throw new ReviewError('no_statement', 'this statement is no longer in the draft: the draft changed; review it again');
  const before = statement.review.editedText ?? statement.text;
  if (change.action === 'edit') statement.review = { ...statement.review, editedText: change.text, removed: false };
  else if (change.action === 'accept') statement.review = { ...statement.review, accepted: true };
  else statement.review = { ...statement.review, removed: true };
  const hash = reviewHash(sections);
  await trx
    .updateTable('soap_drafts')
    .set({ sections: JSON.stringify(sections), content_hash: hash, updated_at: sql<Date>`now()` })
    .where('id', '=', draft.id)
    .execute();
  await trx
    .insertInto('soap_statement_edits')
    .values({
      branch_id: currentBranchId(),
      soap_draft_id: draft.id,
      section: ref.section,
      statement_index: ref.index,
      action: change.action,
      before_text: before,
      after_text: change.action === 'edit' ? change.text : null,
      user_id: userId,
    })
    .execute();
  await recordAudit(trx, actor, {
    action: `note.statement_${change.action}`,
    entityType: 'note_draft',
    entityId: ref.noteId,
    patientId: draft.patient_id,
    detail: { soapDraftId: draft.id, section: ref.section, index: ref.index, contentHash: hash },
  });
  return toView({ ...draft, sections, content_hash: hash });
}

/** The one path to a signed note: a physician's call carrying the hash of what they reviewed. */
export async function approveNote(trx: BranchTransaction, actor: Actor, userId: number, noteId: string, hash: ContentHash): Promise<SoapDraftView> {
  const draft = await draftForChange(trx, noteId);
  const sections = ReviewSections.parse(draft.sections);
  // Recomputed, not trusted from the row: the hash approved is the hash of what is stored.
  const current = reviewHash(sections);
  if (hash !== current || hash !== draft.content_hash) throw new ReviewError('stale_hash', 'the draft changed since it was shown: review it again');
  const blocking = blockingCount(sections);
  if (blocking > 0) throw new ReviewError('blocked', `${blocking} unsupported statement(s) must be edited, accepted or removed first`);
  const raw = await rawText(trx, noteId);
  const open = checksBlock(await reviewChecks(trx, draft, raw));
  if (open) throw new ReviewError('blocked', open);
  const text = signedText(sections);
  // The signer travels with the signed note (and the feed): their name as now, and the role they
  // signed in: a nursing note's nurse, a progress note's physician (signer.ts decides who may).
  const role = (await noteAuthor(trx, noteId))?.kind === 'nursing' ? 'nurse' : 'physician';
  const approvedByName = (await displayNames(trx, [userId])).get(userId) ?? null;
  const row = await trx
    .updateTable('soap_drafts')
    .set({
      status: 'approved',
      approved_by: userId,
      approved_by_name: approvedByName,
      approved_by_role: role,
      approved_at: sql<Date>`now()`,
      approved_hash: current,
      approved_text: text,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', draft.id)
    .where('status', '=', 'ready')
    .returning(['approved_at'])
    .executeTakeFirstOrThrow();
  await recordAudit(trx, actor, {
    action: 'note.approved',
    entityType: 'note_draft',
    entityId: noteId,
    patientId: draft.patient_id,
    detail: { soapDraftId: draft.id, contentHash: current, approvedBy: userId, noteVersion: draft.note_version },
  });
  return toView({ ...draft, status: 'approved', approved_by: userId, approved_by_name: approvedByName, approved_by_role: role, approved_at: row.approved_at, approved_hash: current, approved_text: text });
}

async function rawText(trx: BranchTransaction, noteId: string): Promise<string> {
  const note = await trx.selectFrom('note_drafts').select('text').where('id', '=', noteId).executeTakeFirstOrThrow();
  return note.text;
}

export type OmissionAction = { action: 'add'; section: SoapSectionName } | { action: 'dismiss' };

/**
 * Resolves one "Not in the draft" sentence: adds it to a section as a statement quoting it
 * (which changes the content hash), or records that the physician marked it as not needed.
 */
export async function resolveOmission(trx: BranchTransaction, actor: Actor, noteId: string, key: string, change: OmissionAction): Promise<void> {
  const draft = await draftForChange(trx, noteId);
  const raw = await rawText(trx, noteId);
  const sections = ReviewSections.parse(draft.sections);
  const stored = storedChecks(draft);
  const omission = findOmissions(raw, sections, new Set(stored.dismissed)).find((o) => o.key === key);
  if (!omission) throw new ReviewError('no_statement', 'no such sentence left out of the draft');
  if (change.action === 'add') {
    sections[change.section].push({ text: omission.text, quotes: [raw.slice(omission.start, omission.end)], supported: true, review: { editedText: null, accepted: false, removed: false } });
    const hash = reviewHash(sections);
    await trx.updateTable('soap_drafts').set({ sections: JSON.stringify(sections), content_hash: hash, updated_at: sql<Date>`now()` }).where('id', '=', draft.id).execute();
  } else {
    const next: StoredChecks = { ...stored, dismissed: [...new Set([...stored.dismissed, key])] };
    await trx.updateTable('soap_drafts').set({ review_checks: JSON.stringify(next), updated_at: sql<Date>`now()` }).where('id', '=', draft.id).execute();
  }
  await recordAudit(trx, actor, {
    action: change.action === 'add' ? 'note.omission_added' : 'note.omission_not_needed',
    entityType: 'note_draft',
    entityId: noteId,
    patientId: draft.patient_id,
    detail: { soapDraftId: draft.id, key, ...(change.action === 'add' ? { section: change.section } : {}) },
  });
}

/** The physician confirms that a note which names another patient belongs to the patient on the banner. */
export async function confirmNotePatient(trx: BranchTransaction, actor: Actor, noteId: string): Promise<void> {
  const draft = await draftForChange(trx, noteId);
  const next: StoredChecks = { ...storedChecks(draft), patientConfirmed: true };
  await trx.updateTable('soap_drafts').set({ review_checks: JSON.stringify(next), updated_at: sql<Date>`now()` }).where('id', '=', draft.id).execute();
  await recordAudit(trx, actor, { action: 'note.patient_confirmed', entityType: 'note_draft', entityId: noteId, patientId: draft.patient_id, detail: { soapDraftId: draft.id } });
}

export async function addAddendum(trx: BranchTransaction, actor: Actor, userId: number, noteId: string, text: string): Promise<{ id: string; createdAt: string }> {
  const exists = await trx.selectFrom('note_drafts').select('id').where('id', '=', noteId).executeTakeFirst();
  if (!exists) throw new ReviewError('not_found', "this note is not on the server (not synced yet, or removed): reload the patient's notes");
  const draft = await latestDraft(trx, noteId);
  if (!draft || draft.status !== 'approved') throw new ReviewError('not_signed', 'addenda are for approved notes; edit the draft instead');
  const row = await trx
    .insertInto('note_addenda')
    .values({
      branch_id: currentBranchId(),
      soap_draft_id: draft.id,
      patient_id: draft.patient_id,
      text,
      author_user_id: userId,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  await recordAudit(trx, actor, {
    action: 'note.addendum',
    entityType: 'note_draft',
    entityId: noteId,
    patientId: draft.patient_id,
    detail: { soapDraftId: draft.id, addendumId: row.id },
  });
  return { id: row.id, createdAt: row.created_at.toISOString() };
}

/** The note's audit events in chain order: the raw note, its AI drafts, every review step. */
export async function noteAudit(trx: BranchTransaction, noteId: string, reader: NoteReader): Promise<NoteAudit | null> {
  const exists = await visibleNote(trx, noteId, reader).select('id').executeTakeFirst();
  if (!exists) return null;
  const draftIds = (await trx.selectFrom('soap_drafts').select('id').where('note_draft_id', '=', noteId).execute()).map((d) => d.id);
  const rows = await trx
    .selectFrom('audit_events')
    .select(['seq', 'at', 'action', 'actor_kind', 'actor_id', 'detail'])
    .where((eb) =>
      eb.or([
        eb.and([eb('entity_type', '=', 'note_draft'), eb('entity_id', '=', noteId)]),
        ...(draftIds.length ? [eb.and([eb('entity_type', '=', 'soap_draft'), eb('entity_id', 'in', draftIds)])] : []),
      ]),
    )
    .orderBy('seq')
    .execute();
  const names = await displayNames(
    trx,
    rows.filter((r) => r.actor_kind === 'user' && /^\d+$/.test(r.actor_id ?? '')).map((r) => Number(r.actor_id)),
  );
  return {
    events: rows.map((r) => ({
      seq: String(r.seq),
      at: r.at.toISOString(),
      action: r.action,
      actor: `${r.actor_kind}:${r.actor_id ?? ''}`,
      actorName: r.actor_kind === 'user' ? (names.get(Number(r.actor_id)) ?? null) : null,
      detail: (r.detail ?? {}) as Record<string, unknown>,
    })),
  };
}
