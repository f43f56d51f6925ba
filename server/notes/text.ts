/*
 * Text normalisation for evidence matching. Physicians' notes arrive pasted from Word, web EHR
 * viewers and terminals: no-break and narrow spaces, zero-width characters, a BOM, CRLF, tabs,
 * stray control characters. A quote matches its source when both agree after this folding,
 * so whitespace and invisible debris never decide whether a statement is supported.
 */

// Unicode whitespace (\s covers NBSP, U+202F, U+2028/9, tabs, CR/LF).
const WHITESPACE = /\s/u;
// Control (Cc) and format (Cf: zero-width space/joiners, BOM, bidi marks) characters.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
// ANSI escape sequences left behind by terminal copy-paste (ESC [ params letter).
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/gu;

/** Folds whitespace runs to one space, removes invisible characters, trims; NFC. */
export function foldForMatch(text: string): string {
  const nfc = text.normalize('NFC').replace(ANSI, ' ');
  let out = '';
  let pendingSpace = false;
  for (const ch of nfc) {
    if (WHITESPACE.test(ch)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (INVISIBLE.test(ch)) continue;
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += ch;
  }
  return out;
}

/** True for characters that carry no content: whitespace, control and format characters. */
export function isIgnorable(ch: string): boolean {
  return WHITESPACE.test(ch) || INVISIBLE.test(ch);
}

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
