import type { GeneratedSoap, SoapSectionName } from '../../contract/soap';
import { SOAP_LIMITS } from '../../contract/soap';
import { classifyStatement } from './classify';
import type { HeadingSection } from './headings';
import { segmentNote, type Segment } from './segment';
import { foldForMatch, ignorableMask } from './text';

/*
 * The built-in local structurer: no network, no model. It splits the note into statements
 * (segment.ts), sorts each from its headings and wording (headings.ts, classify.ts), and quotes
 * every statement's exact source span. Every content character of the note lands in exactly one
 * statement of exactly one section.
 */

export const LOCAL_MODEL = 'local-structurer-1';

export interface LocalStatement {
  section: SoapSectionName;
  start: number;
  end: number;
  text: string;
  quote: string;
}

// Longest quote we emit; a longer run without a sentence break is cut at whitespace.
const MAX_SPAN = 2000;

export function structureSpans(raw: string): LocalStatement[] {
  const segments = splitLong(raw, segmentNote(raw));
  const out: LocalStatement[] = [];
  // A heading alone on its line governs the block below it (until a blank line or another
  // heading); a label at the start of a line ("Exam: …") governs that line only.
  let block: HeadingSection | null = null;
  let line: HeadingSection | null = null;
  let previous: SoapSectionName | null = null;
  for (const seg of segments) {
    if (seg.lineStart) line = null;
    if (seg.afterBlank && !seg.bullet) block = null;
    if (seg.heading && seg.blockHeading) {
      block = seg.heading;
    } else if (seg.heading) {
      line = seg.heading;
      if (!seg.bullet) block = null;
    }
    const context = line ?? block;
    const body = foldForMatch(raw.slice(seg.bodyStart, seg.end));
    const whole = foldForMatch(raw.slice(seg.start, seg.end));
    const text = (body.length > 0 ? body : whole).slice(0, SOAP_LIMITS.statementChars);
    let section: SoapSectionName;
    if (context === 'assessment-plan') {
      section = classifyStatement(text, ['assessment', 'plan']) ?? (previous === 'plan' ? 'plan' : 'assessment');
    } else if (context) {
      section = context;
    } else {
      section = classifyStatement(text) ?? previous ?? 'subjective';
    }
    previous = section;
    out.push({ section, start: seg.start, end: seg.end, text, quote: raw.slice(seg.start, seg.end) });
  }
  return out;
}

export function structureLocally(raw: string): GeneratedSoap {
  const soap: GeneratedSoap = { subjective: [], objective: [], assessment: [], plan: [] };
  for (const s of structureSpans(raw)) soap[s.section].push({ text: s.text, quotes: [s.quote] });
  return soap;
}

function splitLong(raw: string, segments: Segment[]): Segment[] {
  if (segments.every((s) => s.end - s.start <= MAX_SPAN)) return segments;
  const mask = ignorableMask(raw);
  const out: Segment[] = [];
  for (const seg of segments) {
    let start = seg.start;
    let first = true;
    while (seg.end - start > MAX_SPAN) {
      let cut = start + MAX_SPAN;
      while (cut > start + MAX_SPAN / 2 && !mask[cut]) cut--;
      if (!mask[cut]) cut = start + MAX_SPAN;
      // Never cut a surrogate pair in two.
      const c = raw.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
      let end = cut;
      while (end > start && mask[end - 1]) end--;
      out.push({ ...seg, start, end, bodyStart: first ? seg.bodyStart : start, heading: first ? seg.heading : null, lineStart: first && seg.lineStart });
      first = false;
      start = cut;
      while (start < seg.end && mask[start]) start++;
    }
    if (start < seg.end) out.push({ ...seg, start, bodyStart: first ? seg.bodyStart : start, heading: first ? seg.heading : null, afterBlank: first && seg.afterBlank, lineStart: first && seg.lineStart });
  }
  return out;
}
