import { SoapSections, SOAP_LIMITS, SOAP_SECTIONS, type ContentHash, type GeneratedSoap, type NoteFailure } from '../../contract/soap';
import { checkEvidence, countUnsupported } from './evidence';
import { contentHash } from './hash';
import { structureLocally } from './local';
import { reviewHash, toReviewSections } from './review/sections';
import { foldForMatch } from './text';

/*
 * Everything a summarization does to a note's text, in one call that the server runs in its
 * worker thread (off-thread.ts): the local structurer (when no model answered), the quote check,
 * the hashes and the stored form. A 1 MB note gives some 20,000 statements: folding the note,
 * copying that many objects between threads, validating, hashing and serializing them each
 * held the event loop for 100–600 ms. The answer is the draft as it will be stored, already
 * serialized (one string crosses the thread boundary as one copy), so the event loop never
 * builds it.
 */

/** The longest note the summarizer takes (a draft's own ceiling, contract/sync.ts). */
export const MAX_SUMMARIZE_CHARS = 1_000_000;

export interface PreparedSections {
  /** The draft's content hash (contract/soap.ts ContentHash) over its checked sections. */
  contentHash: ContentHash;
  unsupportedCount: number;
  /** The sections with their review state, as JSON, exactly as soap_drafts.sections stores them. */
  reviewJson: string;
  /** The hash of the review sections that approval carries back (review/sections.ts reviewHash). */
  reviewHash: ContentHash;
  /** Time the local structurer took (0 when a model's answer was checked). */
  structureMs: number;
}

export type PrepareResult = { ok: true; prepared: PreparedSections } | { ok: false; error: NoteFailure };

const TOO_LONG: NoteFailure = {
  kind: 'refused',
  message: `the note is too long to summarize (over ${MAX_SUMMARIZE_CHARS.toLocaleString('en')} characters): split it into shorter notes`,
  attempts: 0,
};
const EMPTY: NoteFailure = { kind: 'empty_note', message: 'the note has no text to summarize: write or dictate the note first', attempts: 0 };
// Anything but whitespace, control and format characters (contract/evidence.ts isIgnorable).
const CONTENT = /[^\s\p{Cc}\p{Cf}]/u;

/**
 * The refusals before a model is asked, cheap enough for the event loop: one scan, no copy. The
 * thorough emptiness check (after folding, ANSI debris included) is refuseNote's, in the worker.
 */
export function refuseQuickly(raw: string): NoteFailure | null {
  if (raw.length > MAX_SUMMARIZE_CHARS) return TOO_LONG;
  if (!CONTENT.test(raw)) return EMPTY;
  return null;
}

/** The refusals before any work. */
export function refuseNote(raw: string): NoteFailure | null {
  return refuseQuickly(raw) ?? (foldForMatch(raw).length === 0 ? EMPTY : null);
}

/** A draft over the contract's limits, in words a physician can act on. */
export function overLimits(sections: GeneratedSoap): NoteFailure | null {
  for (const name of SOAP_SECTIONS) {
    if (sections[name].length > SOAP_LIMITS.statementsPerSection) {
      return {
        kind: 'refused',
        message: `the note gives more than ${SOAP_LIMITS.statementsPerSection.toLocaleString('en')} statements for one section of the draft: split it into shorter notes`,
        attempts: 1,
      };
    }
  }
  return null;
}

/** `soap`: a model's answer to check; null to run the local structurer here. */
export function prepareSections(raw: string, soap: GeneratedSoap | null): PrepareResult {
  const refused = refuseNote(raw);
  if (refused) return { ok: false, error: refused };
  const t0 = performance.now();
  const generated = soap ?? structureLocally(raw);
  const structureMs = soap ? 0 : performance.now() - t0;
  const tooMany = overLimits(generated);
  if (tooMany) return { ok: false, error: tooMany };
  const checked = checkEvidence(raw, generated);
  // The contract's own parser has the last word: what is stored has exactly the draft's shape.
  const parsed = SoapSections.safeParse(checked);
  if (!parsed.success) return { ok: false, error: { kind: 'provider_error', message: "the draft does not fit the note format (a statement or quote too long): split the note or write it by hand", attempts: 1 } };
  const review = toReviewSections(parsed.data);
  return {
    ok: true,
    prepared: { contentHash: contentHash(parsed.data), unsupportedCount: countUnsupported(parsed.data), reviewJson: JSON.stringify(review), reviewHash: reviewHash(review), structureMs },
  };
}
