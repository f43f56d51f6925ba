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
  ['allergy', /(?<![\p{L}])(?:allerg\p{L}*|alerg\p{L}*|anaphyla\p{L}*|anafila\p{L}*|intoleran\p{L}*|unverträglich\p{L}*|nkda|nkma|hypersensitiv\p{L}*|حساسية)/giu],
  ['dose', /\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|ug|g|kg|ml|l|units?|iu|mmol|meq|mg\/kg|mg\/dl|mmol\/l|mmhg|bpm|%|°\s?[cf]|puffs?|tabs?|tablets?|drops?)(?![\p{L}])/giu],
  ['drug', /\b[\p{L}-]*(?:cillin|mycin|floxacin|cycline|penem|azole|prazole|olol|pril|sartan|statin|parin|xaban|gatran|semide|olone|sone|triptan|setron|dipine|azepam|codone|oxacin|vir|mab|nib|formin|gliptin|glitazone|thiazide)\b|\b(?:paracetamol|acetaminophen|ibuprofen|naproxen|aspirin|clopidogrel|ticagrelor|warfarin|apixaban|insulin|metformin|digoxin|amiodarone|salbutamol|albuterol|morphine|oxycodone|tramadol|codeine|lactulose|senna|furosemide|lasix|prednisone|prednisolone|colchicine|allopurinol|levothyroxine|nitroglycerin|heparin|enoxaparin|vancomycin|ceftriaxone|co-amoxiclav|amoxicillin|penicillin|sulfa|latex|iodine|contrast)\b/giu],
  ['negation', /(?<![\p{L}])(?:no|not|denies|denied|without|negative for|nil|never|absent|ruled out|kein\p{L}*|nicht|ohne|verneint|sin|niega|ningún|ninguna|pas de|sans|aucun\p{L}*|nie|لا|بدون|ينفي)(?![\p{L}])/giu],
  ['diagnosis', /\b[\p{L}]+(?:itis|osis|aemia|emia|pathy|oma|penia|megaly|plegia|infarction|failure|fracture|embolism|thrombosis|sepsis|pneumonia|cancer|carcinoma|diabetes|hypertension|stroke)\b|\b(?:diagnos[a-z]*|likely|consistent with|suspected)\b/giu],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Marks the characters of the raw note that some statement's quote covers: exact occurrences
 * first (the local structurer's quotes, most of a model's), else whitespace-tolerant ones, as the
 * evidence check matches them.
 */
function coverage(raw: string, sections: ReviewSections): Uint8Array {
  const mask = new Uint8Array(raw.length);
  const seen = new Set<string>();
  for (const name of SOAP_SECTIONS) {
    for (const s of sections[name]) {
      for (const q of s.quotes) {
        if (q.length === 0 || seen.has(q)) continue;
        seen.add(q);
        let at = raw.indexOf(q);
        if (at >= 0) {
          for (; at >= 0; at = raw.indexOf(q, at + q.length)) mask.fill(1, at, at + q.length);
          continue;
        }
        const tokens = foldForMatch(q).split(/\s+/u).filter(Boolean);
        if (tokens.length === 0) continue;
        const re = new RegExp(tokens.map(escape).join('[\\s\\p{Cc}\\p{Cf}]+'), 'gu');
        for (const m of raw.matchAll(re)) mask.fill(1, m.index, m.index + m[0].length);
      }
    }
  }
  return mask;
}

const covered = (mask: Uint8Array, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if (!mask[i]) return false;
  return true;
};

export function omissionKey(text: string, start: number): string {
  return createHash('sha256').update(`${start}:${foldForMatch(text)}`).digest('hex').slice(0, 16);
}

/** The raw note's clinical sentences that the draft's evidence leaves out, each with why it matters. */
export function findOmissions(raw: string, sections: ReviewSections, dismissed: ReadonlySet<string> = new Set()): Omission[] {
  // A sentence that is itself a quote is covered (every sentence, for the local structurer): no scan needed.
  const quotes = new Set<string>();
  for (const name of SOAP_SECTIONS) for (const st of sections[name]) for (const q of st.quotes) quotes.add(q);
  let mask: Uint8Array | null = null;
  const out: Omission[] = [];
  for (const seg of segmentNote(raw)) {
    if (quotes.has(raw.slice(seg.start, seg.end))) continue;
    mask ??= coverage(raw, sections);
    // A sentence quoted whole leaves nothing out.
    if (covered(mask, seg.start, seg.end)) continue;
    const text = raw.slice(seg.start, seg.end);
    const reasons: OmissionReason[] = [];
    let missing = false;
    for (const [reason, re] of CUES) {
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) {
        // A heading that is no clinical label ("Diagnosis:", "Plan:") is not content a draft must quote.
        if (seg.heading && !seg.heading.clinical && seg.start + m.index < seg.bodyStart) continue;
        if (!reasons.includes(reason)) reasons.push(reason);
        if (!covered(mask, seg.start + m.index, seg.start + m.index + m[0].length)) missing = true;
      }
    }
    if (!missing || reasons.length === 0) continue;
    const key = omissionKey(text, seg.start);
    out.push({ key, text: foldForMatch(text), start: seg.start, end: seg.end, reasons, dismissed: dismissed.has(key) });
  }
  return out;
}
