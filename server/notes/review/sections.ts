import { createHash } from 'node:crypto';
import type { ReviewSections } from '../../../contract/notes';
import { SOAP_SECTIONS, blocksApproval, type ContentHash, type SoapSections } from '../../../contract/soap';
import { canonicalJson } from '../hash';

/*
 * The sections as stored for review: every checked statement carries its review state. The
 * content hash the physician approves is computed over exactly this (review state included), so
 * any edit, acceptance or removal gives a new hash and an approval of what was seen before fails.
 */

export function toReviewSections(sections: SoapSections): ReviewSections {
  const out = {} as ReviewSections;
  for (const name of SOAP_SECTIONS) {
    out[name] = sections[name].map((s) => ({ ...s, review: { editedText: null, accepted: false, removed: false } }));
  }
  return out;
}

export function reviewHash(sections: ReviewSections): ContentHash {
  return `sha256:${createHash('sha256').update(canonicalJson(sections), 'utf8').digest('hex')}`;
}

export function blockingCount(sections: ReviewSections): number {
  return SOAP_SECTIONS.reduce((n, name) => n + sections[name].filter(blocksApproval).length, 0);
}

const HEADINGS: Record<(typeof SOAP_SECTIONS)[number], string> = {
  subjective: 'Subjective',
  objective: 'Objective',
  assessment: 'Assessment',
  plan: 'Plan',
};

/** The signed text: the physician's wording where edited, removed statements left out. */
export function signedText(sections: ReviewSections): string {
  return SOAP_SECTIONS.map((name) => {
    const lines = sections[name].filter((s) => !s.review.removed).map((s) => `- ${s.review.editedText ?? s.text}`);
    return `${HEADINGS[name]}:\n${lines.length ? lines.join('\n') : '- (none)'}`;
  }).join('\n\n');
}
