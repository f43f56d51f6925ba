import { z } from 'zod';
import { ContentHash, NoteProviderName, ReviewedStatement, SoapSectionName } from './soap';

/*
 * Review and approval of SOAP drafts (server routes /api/notes/... and the station API): the
 * draft beside its raw note, statement edits, approval with the content hash, addenda, audit.
 */

export const ReviewSections = z.object({
  subjective: z.array(ReviewedStatement),
  objective: z.array(ReviewedStatement),
  assessment: z.array(ReviewedStatement),
  plan: z.array(ReviewedStatement),
});
export type ReviewSections = z.infer<typeof ReviewSections>;

/** Where the AI draft of a submitted note stands; the station shows "waiting for the AI draft" until 'ready'. */
export const SummaryState = z.enum(['not_submitted', 'waiting', 'failed', 'ready', 'approved']);
export type SummaryState = z.infer<typeof SummaryState>;

/**
 * What was changed in clinical text a person typed to store it (contract/text.ts
 * cleanClinicalText: NULs and half characters replaced, text-direction controls removed), for the
 * screen to say so. Absent when nothing changed.
 */
export const TextCleaned = z.object({ replaced: z.number().int().nonnegative(), bidiRemoved: z.number().int().nonnegative() });
export type TextCleaned = z.infer<typeof TextCleaned>;

export const SoapDraftView = z.object({
  id: z.string().uuid(),
  noteVersion: z.number().int(),
  sections: ReviewSections,
  provider: NoteProviderName,
  model: z.string(),
  promptVersion: z.string(),
  contentHash: ContentHash,
  /** Unsupported statements neither edited, accepted nor removed: approval is refused while > 0. */
  blockingCount: z.number().int().nonnegative(),
  status: z.enum(['ready', 'approved']),
  approvedBy: z.number().int().nullable(),
  /** The approver's display name (servers before it was added send none). */
  approvedByName: z.string().nullable().optional(),
  /** The role the note was signed in (a nursing note: nurse; a progress note: physician); servers before it was kept send none. */
  approvedByRole: z.enum(['physician', 'nurse']).nullable().optional(),
  approvedAt: z.string().nullable(),
  approvedHash: ContentHash.nullable(),
  signedText: z.string().nullable(),
  /** On a statement edit: what was changed in the edited text to store it. */
  cleaned: TextCleaned.optional(),
});
export type SoapDraftView = z.infer<typeof SoapDraftView>;

export const Addendum = z.object({
  id: z.string().uuid(),
  text: z.string(),
  authorUserId: z.number().int(),
  /** The author's display name (servers before it was added send none). */
  authorName: z.string().nullable().optional(),
  createdAt: z.string(),
});
export type Addendum = z.infer<typeof Addendum>;

export const NoteReview = z.object({
  noteId: z.string().uuid(),
  patientId: z.string().uuid(),
  rawText: z.string(),
  rawVersion: z.number().int(),
  rawStatus: z.enum(['draft', 'conflict', 'submitted']),
  state: SummaryState,
  /** The last failure of the summarization job, when state is 'failed' (safe text, no note content). */
  failure: z.object({ kind: z.string(), message: z.string() }).nullable(),
  draft: SoapDraftView.nullable(),
  addenda: z.array(Addendum),
  /** A physician's progress note, or a nurse's nursing note that its author signs (servers before it send none). */
  kind: z.enum(['progress', 'nursing']).optional(),
  authorUserId: z.number().int().optional(),
  /** The checks before approval (servers before they were added send none). */
  checks: z.lazy(() => ReviewChecks).nullable().optional(),
});
export type NoteReview = z.infer<typeof NoteReview>;

const Uuid = z.string().uuid();
export const NoteRef = z.object({ noteId: Uuid });
export const StatementRef = z.object({ noteId: Uuid, section: SoapSectionName, index: z.number().int().min(0).max(100_000) });
export const EditStatementInput = StatementRef.extend({ text: z.string().trim().min(1).max(4000) });
export type EditStatementInput = z.infer<typeof EditStatementInput>;
export const StatementAction = z.enum(['accept', 'remove']);
export const ApproveInput = z.object({ noteId: Uuid, contentHash: ContentHash });
export type ApproveInput = z.infer<typeof ApproveInput>;
export const AddendumInput = z.object({ noteId: Uuid, text: z.string().trim().min(1).max(100_000) });
export type AddendumInput = z.infer<typeof AddendumInput>;

export const NoteAuditEvent = z.object({
  seq: z.string(),
  at: z.string(),
  action: z.string(),
  actor: z.string(),
  /** The display name of a user actor, so the trail reads as who did what. */
  actorName: z.string().nullable().optional(),
  detail: z.record(z.string(), z.unknown()),
});
export const NoteAudit = z.object({ events: z.array(NoteAuditEvent) });
export type NoteAudit = z.infer<typeof NoteAudit>;

/** A dictation for a draft: base64 audio (the station's local store keeps it until it is sent). */
export const TranscribeInput = z.object({
  noteId: Uuid,
  mime: z.string().min(1).max(100),
  audioBase64: z.string().min(1).max(36 * 1024 * 1024),
  /** The draft version the station saw; the transcript is appended as the next version. */
  baseVersion: z.number().int().min(0),
});
export type TranscribeInput = z.infer<typeof TranscribeInput>;
export const TranscribeResult = z.object({ noteId: Uuid, version: z.number().int(), status: z.string(), appendedChars: z.number().int() });
export type TranscribeResult = z.infer<typeof TranscribeResult>;

/** Why a sentence of the raw note counts as clinical content for the omission check. */
export const OmissionReason = z.enum(['dose', 'drug', 'negation', 'diagnosis', 'allergy']);
export type OmissionReason = z.infer<typeof OmissionReason>;

/** A sentence of the raw note with clinical content that no statement's evidence covers ("Not in the draft"). */
export const Omission = z.object({
  key: z.string().regex(/^[0-9a-f]{16}$/),
  text: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  reasons: z.array(OmissionReason),
  /** The physician marked it as not needed in the note. */
  dismissed: z.boolean(),
});
export type Omission = z.infer<typeof Omission>;

/** A sign that the raw note is about another patient: what the note says, and why it is suspicious. */
export const PatientWarning = z.object({
  kind: z.enum(['mrn', 'national_id', 'name', 'birth_date']),
  found: z.string(),
  message: z.string(),
});
export type PatientWarning = z.infer<typeof PatientWarning>;

/** The checks before approval; each open item blocks "Approve and sign" (the server enforces it). */
export const ReviewChecks = z.object({
  omissions: z.array(Omission),
  patientWarnings: z.array(PatientWarning),
  /** The physician confirmed that the note belongs to the patient on the banner. */
  patientConfirmed: z.boolean(),
});
export type ReviewChecks = z.infer<typeof ReviewChecks>;

export const OmissionRef = z.object({ noteId: Uuid, key: z.string().regex(/^[0-9a-f]{16}$/) });
export type OmissionRef = z.infer<typeof OmissionRef>;
export const AddOmissionInput = OmissionRef.extend({ section: SoapSectionName });
export type AddOmissionInput = z.infer<typeof AddOmissionInput>;
