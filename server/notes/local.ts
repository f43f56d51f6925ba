import type { GeneratedSoap, SoapSectionName } from '../../contract/soap';
import { SOAP_LIMITS } from '../../contract/soap';
import { scoreStatement } from './classify';
import type { HeadingSection } from './headings';
import { segmentNote, type Segment } from './segment';
import { foldForMatch, ignorableMask } from './text';

/*
 * The built-in local structurer: no network, no model. It splits the note into statements
 * (segment.ts), then decodes the whole note as one sequence (sections mostly run S → O → A → P):
 * a heading governs its block up to the next heading (headings.ts), the wording of each statement
 * scores the sections (classify.ts), and a Viterbi pass picks the likeliest run of sections, so
 * that going back to an earlier section needs a clear reason. It quotes every statement's exact
 * source span: every content character of the note lands in exactly one statement of exactly one
 * section. A clinical label ("Allergies:", "Meds:", "FHx:") stays in the statement's text.
 */

export const LOCAL_MODEL = 'local-structurer-2';

export interface LocalStatement {
  section: SoapSectionName;
  start: number;
  end: number;
  text: string;
  quote: string;
}

// Longest quote we emit; a longer run without a sentence break is cut at whitespace.
const MAX_SPAN = 2000;

const SECTIONS: readonly SoapSectionName[] = ['subjective', 'objective', 'assessment', 'plan'];
const INDEX: Record<HeadingSection, number> = { subjective: 0, objective: 1, assessment: 2, plan: 3, 'assessment-plan': 2 };
const ALL = 0b1111;
const AP = 0b1100;

// Decoding weights (tuned on the tuning part of the corpus and the labelled ward notes).
const STAY_SAME_LINE = 2; // sentences of one hard-wrapped paragraph
const STAY_LIST = 3; // the items of one list
const STAY = 0.3; // a statement without cues keeps the section before it
const BACKWARD = 3; // going back to an earlier section
const WEAK_PRIOR = 3; // a block after a blank line, under a heading further up
const GAP_PRIOR = 0.5; // the same, where a later section has no heading of its own (it must be here)
const IMPOSSIBLE = -1e9;

interface Step {
  allowed: number;
  emission: number[];
  /** The next item of the list the statement before belongs to. */
  list: boolean;
}

/** The label as written, without its colon: "ALLERGIES", "FHx". */
const labelOf = (raw: string, start: number, end: number): string => foldForMatch(raw.slice(start, end)).replace(/\s*[:：]\s*$/u, '').trim();

/** A statement reads as a clinical sentence: no trailing ";" or ",". */
const tidy = (text: string): string => text.replace(/[\s;,؛،]+$/u, '');

export function structureSpans(raw: string): LocalStatement[] {
  const segments = splitLong(raw, segmentNote(raw));
  const nextSection = sectionsAhead(segments);
  const steps: Step[] = [];
  const texts: string[] = [];
  // The block heading in force ("PLAN:", "PHYSICAL EXAMINATION", "HEENT:"), and whether a blank line came since.
  let block: { section: HeadingSection; sectionName: boolean } | null = null;
  let blankSince = false;
  // A line-only label ("Obs: …" in a ward note) governs its own logical line.
  let lineLabel: { section: HeadingSection; line: number } | null = null;
  let carry: string | null = null;
  let prevBullet = false;
  segments.forEach((seg, i) => {
    if (seg.afterBlank) blankSince = true;
    const own = seg.heading ? [{ heading: seg.heading, start: seg.labelStart, end: seg.bodyStart, block: seg.blockHeading }] : [];
    let aboveLabel: string | null = null;
    for (const h of [...seg.above.map((a) => ({ ...a, block: true })), ...own]) {
      const section: HeadingSection = h.heading.section === 'inherit' ? (block?.section ?? 'objective') : h.heading.section;
      if (h.block) {
        block = { section, sectionName: h.heading.sectionName || (h.heading.section === 'inherit' && (block?.sectionName ?? false)) };
        blankSince = false;
        lineLabel = null;
      } else {
        lineLabel = { section, line: seg.line };
      }
      carry = h.heading.clinical && !h.heading.sectionName ? labelOf(raw, h.start, h.end) : null;
      if (h !== own[0] && carry) aboveLabel = carry;
    }
    // The statement's text: its own label kept unless it only names the section; a clinical label above it carried in.
    const keepOwn = seg.heading !== null && !seg.heading.sectionName;
    const body = tidy(foldForMatch(raw.slice(keepOwn ? seg.labelStart : seg.bodyStart, seg.end)));
    const cues = tidy(foldForMatch(raw.slice(seg.bodyStart, seg.end)));
    let text = body.length > 0 ? body : tidy(foldForMatch(raw.slice(seg.start, seg.end)));
    if (text.length === 0) text = foldForMatch(raw.slice(seg.start, seg.end));
    const prefix = aboveLabel ?? (keepOwn ? null : carry);
    if (prefix && body.length > 0 && !text.toLowerCase().startsWith(prefix.toLowerCase())) text = `${prefix}: ${text}`;
    texts.push(text.slice(0, SOAP_LIMITS.statementChars));

    let allowed = ALL;
    const onItsLine = lineLabel !== null && lineLabel.line === seg.line;
    const context: HeadingSection | null = onItsLine ? lineLabel!.section : (block?.section ?? null);
    const governed = context !== null && (onItsLine || !blankSince || block!.sectionName);
    // Under a heading that names one section, the wording cannot change it: skip the (costly) cues.
    const emission = governed && context !== 'assessment-plan' ? [0, 0, 0, 0] : cueScores(cues.length > 0 ? cues : text);
    if (context !== null) {
      const c = INDEX[context];
      if (governed) {
        allowed = context === 'assessment-plan' ? AP : 1 << c;
      } else {
        const n = nextSection[i]!;
        if (n - c > 1) {
          allowed = 0;
          for (let s = c; s < n; s++) allowed |= 1 << s;
          emission[c]! += GAP_PRIOR;
          // Past the history, a sentence that retells it ("a 50-year-old man with …") sums up: the assessment.
          if (c > 0) emission[2]! += emission[0]!;
        } else {
          emission[c]! += WEAK_PRIOR;
        }
      }
    }
    steps.push({ allowed, emission, list: seg.bullet && prevBullet && context !== null });
    prevBullet = seg.bullet;
  });
  const path = decode(steps, segments);
  return segments.map((seg, i) => ({ section: SECTIONS[path[i]!]!, start: seg.start, end: seg.end, text: texts[i]!, quote: raw.slice(seg.start, seg.end) }));
}

function cueScores(text: string): number[] {
  const scores = scoreStatement(text);
  return SECTIONS.map((s) => scores[s]);
}

/** For each segment, the section index of the next heading after it that names one (4: none). */
function sectionsAhead(segments: Segment[]): number[] {
  const out = new Array<number>(segments.length);
  let next = 4;
  for (let i = segments.length - 1; i >= 0; i--) {
    out[i] = next;
    const seg = segments[i]!;
    for (const h of [...seg.above.map((a) => a.heading), ...(seg.heading ? [seg.heading] : [])]) {
      if (h.section !== 'inherit') {
        next = INDEX[h.section];
        break;
      }
    }
  }
  return out;
}

/** Viterbi over the four sections: the best-scoring run, where going back costs and staying on a line pays. */
function decode(steps: Step[], segments: Segment[]): number[] {
  const n = steps.length;
  if (n === 0) return [];
  const back = new Int8Array(n * 4);
  let prev = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const { allowed, emission, list } = steps[i]!;
    const cur = [IMPOSSIBLE, IMPOSSIBLE, IMPOSSIBLE, IMPOSSIBLE];
    const stay = list ? STAY_LIST : i > 0 && segments[i]!.wrapped && segments[i]!.line === segments[i - 1]!.line ? STAY_SAME_LINE : STAY;
    for (let s = 0; s < 4; s++) {
      if (!(allowed & (1 << s))) continue;
      let best = IMPOSSIBLE;
      let arg = 0;
      for (let p = 0; p < 4; p++) {
        const t = i === 0 ? (p === 0 ? 0 : IMPOSSIBLE) : p === s ? stay : s > p ? 0 : -BACKWARD;
        const v = prev[p]! + t;
        if (v > best) {
          best = v;
          arg = p;
        }
      }
      cur[s] = best + emission[s]!;
      back[i * 4 + s] = arg;
    }
    prev = cur;
  }
  let last = 0;
  for (let s = 1; s < 4; s++) if (prev[s]! > prev[last]!) last = s;
  const path = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    path[i] = last;
    last = back[i * 4 + last]!;
  }
  return path;
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
      out.push({ ...seg, start, end, bodyStart: first ? seg.bodyStart : start, labelStart: first ? seg.labelStart : start, heading: first ? seg.heading : null, above: first ? seg.above : [], lineStart: first && seg.lineStart });
      first = false;
      start = cut;
      while (start < seg.end && mask[start]) start++;
    }
    if (start < seg.end) out.push({ ...seg, start, bodyStart: first ? seg.bodyStart : start, labelStart: first ? seg.labelStart : start, heading: first ? seg.heading : null, above: first ? seg.above : [], afterBlank: first && seg.afterBlank, lineStart: first && seg.lineStart });
  }
  return out;
}
