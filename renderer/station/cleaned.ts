import type { TextCleaned } from '../../contract/notes';

/**
 * What was changed in typed text to store it (contract/text.ts cleanClinicalText), in words: the
 * same sentence for a draft, a statement edit and an addendum.
 */
export function cleanedNotice(c: TextCleaned): string {
  const parts: string[] = [];
  if (c.bidiRemoved) parts.push(`${c.bidiRemoved} text-direction control character${c.bidiRemoved === 1 ? ' was' : 's were'} removed`);
  if (c.replaced) parts.push(`${c.replaced} broken character${c.replaced === 1 ? ' was' : 's were'} replaced with \uFFFD`);
  return `Saved, with a change: ${parts.join(' and ')}.`;
}
