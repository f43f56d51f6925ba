import { ignorableMask } from './text';
import { headingSection, type HeadingSection } from './headings';

/*
 * Splits a raw note into statements: lines, bullet items, sentences, semicolon clauses and inline
 * enumerations ("1) … 2) …"). Each segment is an exact span of the source, so its quote is the
 * source itself. Segments never overlap and, together, cover every content character of the note
 * (see ignorableMask): the structurer restructures and drops nothing.
 */

export interface Segment {
  start: number;
  end: number;
  /** Where the statement's own words begin, after a bullet marker or heading label. */
  bodyStart: number;
  /** The section a heading label at the start of this segment names, if any. */
  heading: HeadingSection | null;
  /** The segment opens a new line that follows a blank line (a new block of the note). */
  afterBlank: boolean;
  /** The segment is a bullet or numbered list item. */
  bullet: boolean;
  /** The segment is the first of its line. */
  lineStart: boolean;
  /** The heading stood alone on its line ("Plan:"): it governs the block below, not one line. */
  blockHeading: boolean;
}

// Abbreviations whose full stop does not end a sentence (lower-cased, without the stop).
const ABBREVIATIONS = new Set([
  'dr', 'mr', 'mrs', 'ms', 'prof', 'st', 'vs', 'approx', 'ca', 'cf', 'no', 'nr', 'fig', 'vol', 'ref', 'pt', 'pat',
  'temp', 'obj', 'subj', 'tgl', 'tbl', 'bzw', 'mo', 'sr', 'sra', 'dra', 'etc', 'inc', 'max', 'min', 'resp', 'hr',
  'ggf', 'evtl', 'jr', 'dres', 'mme', 'mlle', 'env', 'méd', 'seg', 'sem', 'vgl', 'wk', 'wks', 'yr', 'yrs', 'mon',
  'bds', 'li', 're', 'rez', 'pr', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);
// Dotted abbreviations: b.i.d., i.v., e.g., z.B., p.o.
const DOTTED = /^(?:\p{L}{1,3}\.)+\p{L}{1,3}$/u;
// An initial ("E. coli"), not a unit ("3 s.", "8 h.").
const SINGLE_LETTER = /^[A-Z]$/;
const LOWER_LATIN = /[a-zà-ÿ]/;
const BULLET = /^(?:[-*•·–▪◦]|\d{1,2}[.)]|[a-z]\))(?=\s)/u;
const LABEL = /^([^\s:：][^:：\n]{0,30}?)\s*[:：](?=\s|$)/u;

const isLineBreak = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029 || c === 0x85;

export function segmentNote(raw: string): Segment[] {
  const mask = ignorableMask(raw);
  const segments: Segment[] = [];
  let lineStart = 0;
  let blank = false;
  let any = false;
  for (;;) {
    let i = lineStart;
    while (i < raw.length && !isLineBreak(raw.charCodeAt(i))) i++;
    const first = segments.length;
    if (segmentLine(raw, mask, lineStart, i, segments)) {
      if (any && blank) segments[first]!.afterBlank = true;
      blank = false;
      any = true;
    } else if (any) {
      blank = true;
    }
    if (i >= raw.length) break;
    lineStart = i + (raw.charCodeAt(i) === 13 && raw.charCodeAt(i + 1) === 10 ? 2 : 1);
  }
  return mergeBareHeadings(segments);
}

/** Appends the segments of one line; returns whether the line had any content. */
function segmentLine(raw: string, mask: Uint8Array, from: number, to: number, out: Segment[]): boolean {
  let s = from;
  while (s < to && mask[s]) s++;
  if (s >= to) return false;
  let e = to;
  while (e > s && mask[e - 1]) e--;
  const starts = [s];
  for (let i = s; i < e; i++) {
    const ch = raw[i]!;
    if (ch === '.' || ch === '!' || ch === '?' || ch === '…' || ch === ';' || ch === '؛' || ch === '。') {
      let j = i + 1;
      // A closing bracket or quote belongs to the sentence it ends.
      while (j < e && /[)\]"'”’»]/.test(raw[j]!)) j++;
      if (j >= e || !mask[j]) continue;
      let k = j;
      while (k < e && mask[k]) k++;
      if (k >= e) continue;
      if (ch !== ';' && ch !== '؛' && !sentenceEnds(raw, s, i, k)) continue;
      starts.push(k);
      i = k - 1;
    } else if (mask[i] && i + 1 < e && !mask[i + 1] && /^\d{1,2}\)\s/.test(raw.slice(i + 1, i + 5))) {
      // Inline enumeration: "P: 1) continue … 2) chase …".
      starts.push(i + 1);
    }
  }
  for (let n = 0; n < starts.length; n++) {
    const a = starts[n]!;
    let b = n + 1 < starts.length ? starts[n + 1]! : e;
    while (b > a && mask[b - 1]) b--;
    const seg = describe(raw, mask, a, b);
    seg.lineStart = n === 0;
    out.push(seg);
  }
  return true;
}

/** Whether the stop at `i` ends a sentence whose next content character is at `next`. */
function sentenceEnds(raw: string, lineStart: number, i: number, next: number): boolean {
  const nextCh = raw[next]!;
  if (LOWER_LATIN.test(nextCh) || /[,;:)]/.test(nextCh)) return false;
  if (raw[i] !== '.') return true;
  let t = i;
  while (t > lineStart && !/[\s(["']/u.test(raw[t - 1]!)) t--;
  const token = raw.slice(t, i);
  if (token.length === 0) return true;
  if (SINGLE_LETTER.test(token)) return false;
  if (DOTTED.test(token)) return false;
  return !ABBREVIATIONS.has(token.toLowerCase());
}

function describe(raw: string, mask: Uint8Array, start: number, end: number): Segment {
  let body = start;
  let bullet = false;
  const text = raw.slice(start, Math.min(end, start + 40));
  const b = BULLET.exec(text);
  if (b) {
    bullet = true;
    body += b[0].length;
    while (body < end && mask[body]) body++;
  }
  let heading: HeadingSection | null = null;
  const l = LABEL.exec(raw.slice(body, Math.min(end, body + 40)));
  if (l) {
    const section = headingSection(l[1]!);
    if (section) {
      heading = section;
      body += l[0].length;
      while (body < end && mask[body]) body++;
    }
  }
  return { start, end, bodyStart: body, heading, afterBlank: false, bullet, lineStart: false, blockHeading: false };
}

/** A heading alone ("Plan:") is joined to the statement after it, which it introduces. */
function mergeBareHeadings(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (seg.heading && seg.bodyStart >= seg.end && next) {
      next.start = seg.start;
      // "Plan:" then "Exam: …": the line's own label wins, and governs that line only.
      next.blockHeading = !next.heading && seg.lineStart && next.lineStart;
      next.heading ??= seg.heading;
      next.afterBlank = seg.afterBlank;
      next.lineStart = seg.lineStart;
      continue;
    }
    out.push(seg);
  }
  return out;
}
