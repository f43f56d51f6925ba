import { z } from 'zod';

/*
 * The SOAP draft: what the summarization pipeline produces from a raw note, and what the
 * physician later reviews and approves. Three layers, each a strict superset of the one before:
 *
 *   GeneratedSoap   what a model (or the local structurer) may say: statements and their quotes.
 *   SoapDraft       after the server's evidence check: every statement flagged `supported`,
 *                   plus provenance and a content hash. This is the pipeline's output type, and it
 *                   has no approval field at all: nothing a model writes can approve a note.
 *   ReviewedStatement  the review step's per-statement state (edited / accepted), for later.
 */

export const SOAP_SECTIONS = ['subjective', 'objective', 'assessment', 'plan'] as const;
export const SoapSectionName = z.enum(SOAP_SECTIONS);
export type SoapSectionName = z.infer<typeof SoapSectionName>;

/** Bounds that keep a runaway model answer from becoming a runaway draft. */
export const SOAP_LIMITS = { statementChars: 4000, quoteChars: 4000, quotesPerStatement: 12, statementsPerSection: 5000 } as const;

export const GeneratedStatement = z.object({
  text: z.string().trim().min(1).max(SOAP_LIMITS.statementChars),
  /**
   * Verbatim excerpts of the raw note this statement rests on. A statement without any (or with
   * an empty one) is kept, and flagged unsupported by the evidence check.
   */
  quotes: z.array(z.string().max(SOAP_LIMITS.quoteChars)).max(SOAP_LIMITS.quotesPerStatement),
});
export type GeneratedStatement = z.infer<typeof GeneratedStatement>;

const sectionsOf = <T extends z.ZodType>(statement: T) =>
  z.object({
    subjective: z.array(statement).max(SOAP_LIMITS.statementsPerSection),
    objective: z.array(statement).max(SOAP_LIMITS.statementsPerSection),
    assessment: z.array(statement).max(SOAP_LIMITS.statementsPerSection),
    plan: z.array(statement).max(SOAP_LIMITS.statementsPerSection),
  });

/**
 * A model's answer. Unknown keys (an injected "approved": true, a "status") are stripped by
 * parsing, never carried forward.
 */
export const GeneratedSoap = sectionsOf(GeneratedStatement);
export type GeneratedSoap = z.infer<typeof GeneratedSoap>;

export const CheckedStatement = GeneratedStatement.extend({
  /** Every quote was found in the raw note (whitespace-insensitive). Set by the server only. */
  supported: z.boolean(),
});
export type CheckedStatement = z.infer<typeof CheckedStatement>;

export const SoapSections = sectionsOf(CheckedStatement);
export type SoapSections = z.infer<typeof SoapSections>;

export const NOTE_PROVIDERS = ['local', 'openai', 'azure', 'compatible'] as const;
export const NoteProviderName = z.enum(NOTE_PROVIDERS);
export type NoteProviderName = z.infer<typeof NoteProviderName>;

export const DraftProvenance = z.object({
  provider: NoteProviderName,
  model: z.string().min(1),
  promptVersion: z.string().min(1),
  /** Wall time of the provider call(s), retries included. */
  latencyMs: z.number().nonnegative(),
  /** Reported by the provider; null for the local structurer or a server that reports none. */
  inputTokens: z.number().int().nonnegative().nullable(),
  outputTokens: z.number().int().nonnegative().nullable(),
  /** Provider calls made, 1 when the first answer was usable. */
  attempts: z.number().int().positive(),
  /** How the answer was constrained: a JSON schema, plain JSON mode, or the local structurer. */
  responseFormat: z.enum(['json_schema', 'json_object', 'local']),
});
export type DraftProvenance = z.infer<typeof DraftProvenance>;

/**
 * Content hash contract: `sha256:` + hex SHA-256 of the canonical JSON of `sections` (object
 * keys sorted by code unit, no insignificant whitespace, arrays in order, sections as given).
 * Computed on the server (server/notes/hash.ts); approval carries it back, so a draft that
 * changed since the physician saw it is detected.
 */
export const ContentHash = z.string().regex(/^sha256:[0-9a-f]{64}$/);
export type ContentHash = z.infer<typeof ContentHash>;
export type ContentHasher = (sections: SoapSections) => ContentHash;

export const SoapDraft = z.object({
  sections: SoapSections,
  provenance: DraftProvenance,
  contentHash: ContentHash,
  /** Statements whose evidence was not found; they need a physician's edit or acceptance. */
  unsupportedCount: z.number().int().nonnegative(),
});
export type SoapDraft = z.infer<typeof SoapDraft>;

export const NOTE_FAILURE_KINDS = [
  'empty_note', 'not_configured', 'timeout', 'rate_limited', 'malformed_output', 'refused', 'provider_error',
] as const;
export const NoteFailure = z.object({
  kind: z.enum(NOTE_FAILURE_KINDS),
  /** Safe to log and show: never contains the note or the model's text. */
  message: z.string(),
  attempts: z.number().int().nonnegative(),
});
export type NoteFailure = z.infer<typeof NoteFailure>;

/** The pipeline answers a whole draft or a visible failure, never a half draft. */
export const StructureResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), draft: SoapDraft }),
  z.object({ ok: z.literal(false), error: NoteFailure }),
]);
export type StructureResult = z.infer<typeof StructureResult>;

/** Review state of one statement (the approval step, built on top of the draft). */
export const StatementReview = z.object({
  /** The physician's replacement text, or null when unchanged. */
  editedText: z.string().trim().min(1).max(SOAP_LIMITS.statementChars).nullable(),
  /** The physician explicitly accepted an unsupported statement as it stands. */
  accepted: z.boolean(),
  /** The physician removed the statement from the note. */
  removed: z.boolean(),
});
export type StatementReview = z.infer<typeof StatementReview>;

export const ReviewedStatement = CheckedStatement.extend({ review: StatementReview });
export type ReviewedStatement = z.infer<typeof ReviewedStatement>;

/** An unsupported statement blocks approval until it is edited, accepted or removed. */
export const blocksApproval = (s: ReviewedStatement): boolean =>
  !s.supported && s.review.editedText === null && !s.review.accepted && !s.review.removed;
