import { createHash } from 'node:crypto';
import type { Omission, OmissionReason } from '../../../contract/notes';
import { SOAP_SECTIONS } from '../../../contract/soap';
import type { ReviewSections } from '../../../contract/notes';
import { segmentNote } from '../segment';
import { foldForMatch } from '../text';

/*
 * The omission check: sentences of the raw note that carry clinical content (a number with a
 * unit, a drug, a negation, a diagnosis, an allergy) and whose clinical words no statement's
 * evidence covers. A model summarises and may drop a dose or an allergy; the review lists each
 * such sentence as "Not in the draft", and approval waits until the physician adds it to the
 * draft or marks it as not needed. The local structurer quotes every character, so it omits nothing.
 */

const CUES: readonly (readonly [OmissionReason, RegExp])[] = [
  ['allergy', /\b(?:allerg\w*|anaphyla\w*|intoleran\w*|nkda|nkma|hypersensitiv\w*)/giu],
  ['dose', /\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|ug|g|kg|ml|l|units?|iu|mmol|meq|mg\/kg|mg\/dl|mmol\/l|mmhg|bpm|%|°\s?[cf]|puffs?|tabs?|tablets?|drops?)(?![\p{L}])/giu],
  ['drug', /\b[\p{L}-]*(?:cillin|mycin|floxacin|cycline|penem|azole|prazole|olol|pril|sartan|statin|parin|xaban|gatran|semide|olone|sone|triptan|setron|dipine|azepam|codone|oxacin|vir|mab|nib|formin|gliptin|glitazone|thiazide)\b|\b(?:paracetamol|acetaminophen|ibuprofen|naproxen|aspirin|clopidogrel|ticagrelor|warfarin|apixaban|insulin|metformin|digoxin|amiodarone|salbutamol|albuterol|morphine|oxycodone|tramadol|codeine|lactulose|senna|furosemide|lasix|prednisone|prednisolone|colchicine|allopurinol|levothyroxine|nitroglycerin|heparin|enoxaparin|vancomycin|ceftriaxone|co-amoxiclav|amoxicillin|penicillin|sulfa|latex|iodine|contrast)\b/giu],
  ['negation', /\b(?:no|not|denies|denied|without|negative for|nil|never|absent|ruled out)\b/giu],
  ['diagnosis', /\b[\p{L}]+(?:itis|osis|aemia|emia|pathy|oma|penia|megaly|plegia|infarction|failure|fracture|embolism|thrombosis|sepsis|pneumonia|cancer|carcinoma|diabetes|hypertension|stroke)\b|\b(?:diagnos[a-z]*|likely|consistent with|suspected)\b/giu],
];

interface Range {
  start: number;
  end: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where a statement's quotes occur in the raw note (whitespace-tolerant, as the evidence check). */
function coveredRanges(raw: string, sections: ReviewSections): Range[] {
  const out: Range[] = [];
  const seen = new Set<string>();
  for (const name of SOAP_SECTIONS) {
    for (const s of sections[name]) {
      for (const q of s.quotes) {
        const tokens = foldForMatch(q).split(/\s+/u).filter(Boolean);
        const key = tokens.join(' ');
        if (tokens.length === 0 || seen.has(key)) continue;
        seen.add(key);
        const re = new RegExp(tokens.map(escape).join('[\\s\\p{Cc}\\p{Cf}]+'), 'gu');
        for (const m of raw.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length });
      }
    }
  }
  return out;
}

const covered = (ranges: Range[], start: number, end: number): boolean => ranges.some((r) => r.start <= start && end <= r.end);

export function omissionKey(text: string, start: number): string {
  return createHash('sha256').update(`${start}:${foldForMatch(text)}`).digest('hex').slice(0, 16);
}

/** The raw note's clinical sentences that the draft's evidence leaves out, each with why it matters. */
export function findOmissions(raw: string, sections: ReviewSections, dismissed: ReadonlySet<string> = new Set()): Omission[] {
  const ranges = coveredRanges(raw, sections);
  const out: Omission[] = [];
  for (const seg of segmentNote(raw)) {
    const text = raw.slice(seg.start, seg.end);
    const reasons: OmissionReason[] = [];
    let missing = false;
    for (const [reason, re] of CUES) {
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) {
        // A heading that is no clinical label ("Diagnosis:", "Plan:") is not content a draft must quote.
        if (seg.heading && !seg.heading.clinical && seg.start + m.index < seg.bodyStart) continue;
        if (!reasons.includes(reason)) reasons.push(reason);
        if (!covered(ranges, seg.start + m.index, seg.start + m.index + m[0].length)) missing = true;
      }
    }
    if (!missing || reasons.length === 0) continue;
    const key = omissionKey(text, seg.start);
    out.push({ key, text: foldForMatch(text), start: seg.start, end: seg.end, reasons, dismissed: dismissed.has(key) });
  }
  return out;
}
