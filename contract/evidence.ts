/*
 * What "a quote occurs in the raw note" means, declared once: the server's evidence check decides
 * with it whether a statement is supported, and the station's review screen uses the same folding
 * to highlight where the quote sits in the raw note. Physicians' notes arrive pasted from Word,
 * web EHR viewers and terminals: no-break and narrow spaces, zero-width characters, a BOM, CRLF,
 * tabs, stray control characters. A quote matches its source when both agree after folding, so
 * whitespace and invisible debris never decide whether a statement is supported.
 */

// Unicode whitespace (\s covers NBSP, U+202F, U+2028/9, tabs, CR/LF).
const WHITESPACE = /\s/u;
// Control (Cc) and format (Cf: zero-width space/joiners, BOM, bidi marks) characters.
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
// ANSI escape sequences left behind by terminal copy-paste (ESC [ params letter), read as a space.
// eslint-disable-next-line no-control-regex -- matching ESC is the point
export const ANSI_SEQUENCE = /\u001b\[[0-9;?]*[ -/]*[@-~]/gu;
const ANSI_AT = new RegExp(ANSI_SEQUENCE.source, 'uy');

/** True for characters that carry no content: whitespace, control and format characters. */
export function isIgnorable(ch: string): boolean {
  return WHITESPACE.test(ch) || INVISIBLE.test(ch);
}

export interface FoldedText {
  /** Whitespace runs folded to one space, invisible characters removed, trimmed, NFC. */
  text: string;
  /** For each code unit of `text`: where its character starts and ends in the NFC source. */
  start: number[];
  end: number[];
}

/** Folds `source` (after NFC) and keeps, for every folded code unit, its place in the source. */
export function foldWithMap(source: string): FoldedText {
  const nfc = source.normalize('NFC');
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let space: number | null = null;
  let i = 0;
  while (i < nfc.length) {
    ANSI_AT.lastIndex = i;
    const ansi = ANSI_AT.exec(nfc);
    if (ansi) {
      if (text.length > 0) space ??= i;
      i += ansi[0].length;
      continue;
    }
    const ch = String.fromCodePoint(nfc.codePointAt(i)!);
    if (WHITESPACE.test(ch)) {
      if (text.length > 0) space ??= i;
    } else if (!INVISIBLE.test(ch)) {
      if (space !== null) {
        text += ' ';
        start.push(space);
        end.push(i);
        space = null;
      }
      for (let k = 0; k < ch.length; k++) {
        start.push(i);
        end.push(i + ch.length);
      }
      text += ch;
    }
    i += ch.length;
  }
  return { text, start, end };
}

/** Folds whitespace runs to one space, removes invisible characters, trims; NFC. */
export function foldForMatch(text: string): string {
  return foldWithMap(text).text;
}

/**
 * Where each quote occurs in `raw` (first occurrence after folding), as [start, end) ranges of
 * `raw`. A quote that is not found is reported with `null`: the review screen says so.
 * Ranges are exact when `raw` is already NFC (typed text is); otherwise none are claimed.
 */
export function locateQuotes(raw: string, quotes: readonly string[]): ({ start: number; end: number } | null)[] {
  const exact = raw.normalize('NFC') === raw;
  const folded = foldWithMap(raw);
  return quotes.map((quote) => {
    const q = foldForMatch(quote);
    if (!exact || q.length === 0) return null;
    const at = folded.text.indexOf(q);
    if (at < 0) return null;
    return { start: folded.start[at]!, end: folded.end[at + q.length - 1]! };
  });
}

/** Splits `raw` into runs, marking those inside any of `ranges` (overlaps merged). */
export function markRanges(raw: string, ranges: readonly { start: number; end: number }[]): { text: string; marked: boolean }[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const out: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const r of merged) {
    if (r.start > at) out.push({ text: raw.slice(at, r.start), marked: false });
    out.push({ text: raw.slice(r.start, r.end), marked: true });
    at = r.end;
  }
  if (at < raw.length) out.push({ text: raw.slice(at), marked: false });
  return out;
}
