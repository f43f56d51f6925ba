/*
 * Text helpers of the notes pipeline. The folding that decides evidence matches is declared in
 * contract/evidence.ts (the station highlights quotes with the same rules); the structurer's
 * mask of content-free characters is built here on the same definitions.
 */

import { ANSI_SEQUENCE as ANSI, foldForMatch, isIgnorable } from '../../contract/evidence';

export { foldForMatch, isIgnorable };

/**
 * Marks every code unit of `text` that carries no content (whitespace, control/format
 * characters, ANSI escape sequences). The local structurer must cover every other unit.
 */
export function ignorableMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Fast path for printable ASCII.
    if (c > 32 && c < 127) continue;
    // A surrogate pair is one (content) code point; a lone surrogate is content too.
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      continue;
    }
    if (isIgnorable(text[i]!)) mask[i] = 1;
  }
  for (const m of text.matchAll(ANSI)) mask.fill(1, m.index, m.index + m[0].length);
  return mask;
}

/** The statement text shown to the physician: the source with its debris folded away. */
export function cleanStatementText(source: string): string {
  return foldForMatch(source);
}
