import { ignorableMask } from './text';
import { headingOf, type Heading } from './headings';

/*
 * Splits a raw note into statements. Hard-wrapped prose is unwrapped first (a line that goes on
 * with the sentence of the line before belongs to it), then each logical line is cut into
 * sentences, semicolon clauses and inline enumerations ("1) … 2) …"); a list item stays whole.
 * Each segment is an exact span of the source, so its quote is the source itself. Segments never
 * overlap and, together, cover every content character of the note (see ignorableMask): the
 * structurer restructures and drops nothing.
 */

export interface Segment {
  start: number;
  end: number;
  /** Where the statement's own words begin, after a bullet marker and a heading label. */
  bodyStart: number;
  /** Where the statement's text begins when its label is kept: after a bullet marker only. */
  labelStart: number;
  /** The heading label at the start of this segment, if any. */
  heading: Heading | null;
  /**
   * The heading governs the block below it, not only its own line: it names a SOAP section, is
   * written in capitals, or stands alone. "Obs: afebrile" in a ward note governs its line.
   */
  blockHeading: boolean;
  /** Headings alone on their lines just above ("PLAN:", "PHYSICAL EXAMINATION"), merged into this segment, outermost first. */
  above: { heading: Heading; start: number; end: number }[];
  /** The segment opens a new line that follows a blank line (a new block of the note). */
  afterBlank: boolean;
  /** The segment is a bullet or numbered list item. */
  bullet: boolean;
  /** The segment is the first of its (logical) line. */
  lineStart: boolean;
  /** Segments of one logical line (a wrapped paragraph, a list item) share this number. */
  line: number;
  /** The logical line was hard-wrapped over several lines of the source (a dictated paragraph). */
  wrapped: boolean;
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
const LABEL = /^([^\s:：][^:：\n]{0,60}?)\s*[:：](?=\s|$)/u;
// A heading in capitals alone on its line, without a colon ("PHYSICAL EXAMINATION").
const BARE_CAPS = /^[A-Z][A-Z0-9 ,/&()'-]{1,60}[A-Z)]$/;
// How long a line must be to count as hard-wrapped when it breaks without a stop.
const WRAP_COLUMNS = 55;

const isLineBreak = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029 || c === 0x85;
const isCaps = (label: string): boolean => /\p{Lu}.*\p{Lu}/u.test(label) && !/\p{Ll}/u.test(label);

// A heading in capitals governs its block; a test's initials ("ECG:", "CTPA:") label one result.
const capsHeading = (label: string): boolean => isCaps(label) && label.replace(/[^\p{L}]/gu, '').length >= 4 && !/^(?:CTPA|ECHO|MRCP|ERCP|NIHSS|HBA1C)$/u.test(label);

interface Line {
  start: number;
  end: number;
  blankBefore: boolean;
}

/** The content of each physical line (trimmed), with whether a blank line came before it. */
function physicalLines(raw: string, mask: Uint8Array): Line[] {
  const lines: Line[] = [];
  let from = 0;
  let blank = false;
  for (;;) {
    let i = from;
    while (i < raw.length && !isLineBreak(raw.charCodeAt(i))) i++;
    let s = from;
    while (s < i && mask[s]) s++;
    let e = i;
    while (e > s && mask[e - 1]) e--;
    if (s < e) {
      lines.push({ start: s, end: e, blankBefore: blank && lines.length > 0 });
      blank = false;
    } else {
      blank = true;
    }
    if (i >= raw.length) break;
    from = i + (raw.charCodeAt(i) === 13 && raw.charCodeAt(i + 1) === 10 ? 2 : 1);
  }
  return lines;
}

/** A line that opens a new statement: a list item, a heading label, a heading alone. */
function opensStatement(raw: string, line: Line): boolean {
  const head = raw.slice(line.start, Math.min(line.end, line.start + 70));
  if (BULLET.test(head)) return true;
  const l = LABEL.exec(head);
  if (l && (l[1]!.length <= 30 || isCaps(l[1]!))) return true;
  return isBareHeading(raw.slice(line.start, line.end));
}

function isBareHeading(text: string): boolean {
  if (!BARE_CAPS.test(text) || text.split(/\s+/).length > 6) return false;
  const h = headingOf(text, true);
  return h !== null && (h.section !== 'inherit' || headingOf(text) !== null);
}

/** Whether `line` goes on with the sentence of `prev` (a hard wrap), rather than starting a new statement. */
function continues(raw: string, prev: Line, line: Line): boolean {
  if (line.blankBefore || opensStatement(raw, line)) return false;
  const prevText = raw.slice(prev.start, prev.end);
  if (isBareHeading(prevText) || /[:：]$/.test(prevText)) return false;
  // A line that ends with a stop ended its sentence, unless the next one goes on in lower case ("p.r.n." / "nitroglycerin").
  if (/[.!?]["')\]]?$/.test(prevText)) return LOWER_LATIN.test(raw[line.start]!) && prev.end - prev.start >= WRAP_COLUMNS;
  if (prev.end - prev.start >= WRAP_COLUMNS) return true;
  if (/[,(&/-]$|\b(?:and|or|of|with|to|the|a|in|on|for|at|by|from)$/i.test(prevText)) return true;
  return LOWER_LATIN.test(raw[line.start]!);
}

export function segmentNote(raw: string): Segment[] {
  const mask = ignorableMask(raw);
  const lines = physicalLines(raw, mask);
  const segments: Segment[] = [];
  let n = 0;
  for (let k = 0; k < lines.length; ) {
    const first = lines[k]!;
    let end = first.end;
    let j = k + 1;
    while (j < lines.length && continues(raw, lines[j - 1]!, lines[j]!)) end = lines[j++]!.end;
    const from = segments.length;
    segmentLine(raw, mask, first.start, end, n++, segments);
    if (j > k + 1) for (let m = from; m < segments.length; m++) segments[m]!.wrapped = true;
    if (first.blankBefore) segments[from]!.afterBlank = true;
    k = j;
  }
  return mergeBareHeadings(segments);
}

/** Appends the segments of one logical line (which may span several physical lines). */
function segmentLine(raw: string, mask: Uint8Array, s: number, e: number, line: number, out: Segment[]): void {
  const starts = [s];
  // A list item stays whole: its sentences belong together.
  const item = BULLET.test(raw.slice(s, Math.min(e, s + 4)));
  for (let i = s; i < e && !item; i++) {
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
    const seg = describe(raw, mask, a, b, line);
    seg.lineStart = n === 0;
    out.push(seg);
  }
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

function describe(raw: string, mask: Uint8Array, start: number, end: number, line: number): Segment {
  let body = start;
  let bullet = false;
  const b = BULLET.exec(raw.slice(start, Math.min(end, start + 6)));
  if (b) {
    bullet = true;
    body += b[0].length;
    while (body < end && mask[body]) body++;
  }
  const labelStart = body;
  let heading: Heading | null = null;
  const l = LABEL.exec(raw.slice(body, Math.min(end, body + 70)));
  let blockHeading = false;
  if (l && (l[1]!.length <= 30 || isCaps(l[1]!))) {
    heading = headingOf(l[1]!, isCaps(l[1]!));
    blockHeading = heading !== null && (heading.sectionName || capsHeading(l[1]!) || body + l[0].length >= end);
    if (heading) {
      body += l[0].length;
      while (body < end && mask[body]) body++;
    }
  } else if (!bullet && isBareHeading(raw.slice(start, end))) {
    heading = headingOf(raw.slice(start, end), true);
    blockHeading = true;
    body = end;
  }
  return { start, end, bodyStart: body, labelStart, heading, blockHeading, above: [], afterBlank: false, bullet, lineStart: false, line, wrapped: false };
}

/** A heading alone ("Plan:") is joined to the statement after it, which it introduces. */
function mergeBareHeadings(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (seg.heading && seg.bodyStart >= seg.end && next) {
      next.above = [...seg.above, { heading: seg.heading, start: seg.labelStart, end: seg.end }];
      next.start = seg.start;
      next.afterBlank = seg.afterBlank;
      continue;
    }
    out.push(seg);
  }
  return out;
}
