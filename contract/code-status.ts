import { z } from 'zod';

/*
 * Code status: the patient's resuscitation decision as every banner shows it, in colour and in
 * words. Recorded by a physician at a station (offline too); the newest record is the current
 * one. With no record at all the banner says "not recorded": the absence of a decision is never
 * read as "full code".
 */

export const CodeStatusCode = z.enum(['full-code', 'dnacpr', 'limitations']);
export type CodeStatusCode = z.infer<typeof CodeStatusCode>;

/** What a clinician reads on the banner and picks in the form. */
export const CODE_STATUS_WORDS: Record<CodeStatusCode, string> = {
  'full-code': 'Full code (for CPR)',
  dnacpr: 'DNACPR (do not attempt CPR)',
  limitations: 'Limitations of treatment',
};

const Limitations = z.string().trim().min(1).max(500).nullable();
const needsWording = (c: { status: CodeStatusCode; limitations: string | null }) => (c.status === 'limitations') === (c.limitations !== null);
const wordingRule = { message: 'limitations of treatment need their wording (and only they)', path: ['limitations'] };

/** A code status recorded at a station; synced to the server as mutation `code_status.record`. */
export const CodeStatusFields = z.object({
  codeStatusId: z.string().uuid(),
  patientId: z.string().uuid(),
  status: CodeStatusCode,
  /** The limitations in words ("no intubation, no ICU; for ward-based treatment"), only with `limitations`. */
  limitations: Limitations,
  /** When the physician recorded it at the station (the server keeps no later than its own clock). */
  recordedAt: z.string().datetime(),
});
export const CodeStatusEntry = CodeStatusFields.refine(needsWording, wordingRule);
export type CodeStatusEntry = z.infer<typeof CodeStatusEntry>;
/** The station call's input: the station makes the id and the time. */
export const CodeStatusInput = CodeStatusFields.omit({ codeStatusId: true, recordedAt: true }).refine(needsWording, wordingRule);

export const CodeStatusView = z.object({
  id: z.string().uuid(),
  status: CodeStatusCode,
  limitations: z.string().nullable(),
  recordedByName: z.string(),
  recordedByRole: z.string(),
  recordedAt: z.string(),
  /** Waiting in this station's outbox. */
  pending: z.boolean(),
});
export type CodeStatusView = z.infer<typeof CodeStatusView>;
