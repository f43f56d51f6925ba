import { createHash } from 'node:crypto';
import type { SoapSectionName } from '../contract/soap';

/*
 * Gold labels for a corpus of real transcribed notes, taken from the notes' own ALL-CAPS headings
 * (the corpus README's rules). This labeller is the yardstick, written apart from the structurer
 * (server/notes) and never sharing its vocabulary, so the structurer cannot grade itself.
 *
 * Decisions on the edge cases:
 * - Only ALL-CAPS labels ("PAST MEDICAL HISTORY:", or an ALL-CAPS line alone) are headings; mixed
 *   case labels ("Neck: supple") are content and inherit the section above them.
 * - A section heading (history, examination, assessment, plan …) sets the section. A body-system
 *   heading (HEENT, NECK, LUNGS …) inherits it: under REVIEW OF SYSTEMS it is S, under PHYSICAL
 *   EXAMINATION it is O. An unknown ALL-CAPS heading inherits too.
 * - "Assessment and plan" together: A or P are both right.
 * - Narrative parts (hospital or ED course, procedure descriptions, operative findings) are left
 *   out, as is anything before the first heading (titles, dictation headers).
 * - Units: each list item and each sentence of a heading's block (a stop, then a capital) is one
 *   labelled unit, anchored at its first character; it is judged by the structurer's statement
 *   that covers that character.
 * - The stripped variant removes the headings that name a SOAP section itself (subjective,
 *   objective, assessment, impression, diagnosis, plan, recommendations, with qualifiers such as
 *   "discharge diagnoses" or "assessment and plan"); sub-headings stay, as in a dictation.
 */

export type Gold = SoapSectionName | 'assessment-plan' | 'skip';

export interface GoldUnit {
  anchor: number;
  gold: Gold;
  heading: string;
}

export interface GoldNote {
  text: string;
  units: GoldUnit[];
  headings: string[];
}

const SKIP = /\b(?:COURSE|PROCEDURES?|OPERATIONS?|OPERATIVE|ANESTHESIA|ANAESTHESIA|TECHNIQUE|BLOOD LOSS|SPECIMENS?|COMPLICATIONS|INDICATIONS?|DRAINS|FLUIDS|IMPLANTS?|TOURNIQUET|CONSENT|DESCRIPTION|DETAILS|GROSS|MICROSCOPIC|NARRATIVE|SURGEON|ASSISTANT|ANESTHESIOLOGIST)\b/;
const ASSESSMENT_PLAN = /^(?:ASSESSMENT|IMPRESSION)S?\s*(?:AND|&|\/)\s*(?:PLANS?|RECOMMENDATIONS?)$/;
const ASSESSMENT = /\b(?:ASSESSMENTS?|IMPRESSIONS?|DIAGNOS[EI]S|PROBLEMS?|PROBLEM LIST|SUMMARY|AXIS [IV]+|MEDICAL DECISION MAKING|DISCUSSION|CONCLUSIONS?)\b/;
const PLAN = /\b(?:PLANS?|RECOMMENDATIONS?|DISPOSITION|FOLLOW[- ]?UP|FOLLOWUP|DISCHARGE (?:INSTRUCTIONS|MEDICATIONS|CONDITION|PLAN)|PRESCRIPTIONS?|TREATMENT|ORDERS|INSTRUCTIONS|GOALS?|ACTIVITY|RETURN|CONDITION (?:UPON|ON|AT) (?:DISPOSITION|DISCHARGE)|THERAPY PLAN|EDUCATION|COUNSELING|COUNSELLING)\b/;
const OBJECTIVE = /\b(?:PHYSICAL|EXAM|EXAMINATION|VITALS?|VITAL SIGNS|LAB|LABS|LABORATORY|IMAGING|RADIOLOG\w*|X-?RAYS?|RADIOGRAPHS?|DIAGNOSTIC (?:DATA|STUDIES|TESTS?)|DIAGNOSTICS|TESTS?|TEST RESULTS|STUDIES|DATA|EKG|ECG|OBJECTIVE|MENTAL STATUS|FINDINGS|RESULTS|CT|MRI|ULTRASOUND|ECHOCARDIOGRAM)\b/;
const SUBJECTIVE = /\b(?:CHIEF COMPLAINTS?|COMPLAINTS?|REASONS? FOR|HISTORY|HPI|PMH|PSH|PMHX|MEDICATIONS?|MEDS|ALLERG\w*|SOCIAL|FAMILY|REVIEW OF SYSTEMS|ROS|SUBJECTIVE|HABITS|IMMUNIZATIONS?|RISK FACTORS|PRESENT ILLNESS|INTERVAL)\b/;

/** The gold section a heading sets, or null when it is a sub-heading that inherits. */
export function goldOfHeading(label: string): Gold | null {
  const h = label.replace(/\s+/g, ' ').trim();
  if (SKIP.test(h) && !/DIAGNOS/.test(h)) return 'skip';
  if (ASSESSMENT_PLAN.test(h)) return 'assessment-plan';
  if (/^DISCHARGE MEDICATIONS?$|^MEDICATIONS? (?:ON|AT|UPON) DISCHARGE$/.test(h)) return 'plan';
  if (ASSESSMENT.test(h)) return 'assessment';
  if (PLAN.test(h)) return 'plan';
  if (SUBJECTIVE.test(h)) return 'subjective';
  if (OBJECTIVE.test(h)) return 'objective';
  return null;
}

const STRIPPED = new RegExp(
  '^(?:(?:ADMISSION|ADMITTING|DISCHARGE|FINAL|PRINCIPAL|CLINICAL|WORKING|PROVISIONAL|DIFFERENTIAL|PREOPERATIVE|POSTOPERATIVE|PRE-OPERATIVE|POST-OPERATIVE|SECONDARY)\\s+)?' +
    '(?:SUBJECTIVE|OBJECTIVE|ASSESSMENTS?|IMPRESSIONS?|DIAGNOS[EI]S|PLANS?|RECOMMENDATIONS?)' +
    '(?:\\s*(?:AND|&|/)\\s*(?:PLANS?|RECOMMENDATIONS?))?$',
);
/** Whether a heading names a SOAP section itself (removed in the stripped run). */
export const isSoapHeading = (label: string): boolean => STRIPPED.test(label.replace(/\s+/g, ' ').trim());

// "HISTORY OF PRESENT ILLNESS:" at a line's start (leading spaces and a list number allowed).
const LABEL_LINE = /^[ \t]*(?:\d{1,2}\.\s+)?([A-Z][A-Z0-9 ,/&()'.-]*[A-Z)])[ \t]*:/;
// An ALL-CAPS line alone ("PHYSICAL EXAMINATION"), at most six words.
const BARE_LINE = /^[ \t]*([A-Z][A-Z0-9 ,/&()'-]*[A-Z)])[ \t]*$/;

interface Heading {
  start: number;
  end: number;
  label: string;
}

function findHeadings(text: string): Heading[] {
  const out: Heading[] = [];
  let pos = 0;
  for (const line of text.split('\n')) {
    const m = LABEL_LINE.exec(line) ?? BARE_LINE.exec(line);
    if (m && /[A-Z]{2}/.test(m[1]!) && m[1]!.split(/\s+/).length <= 8) {
      const start = pos + line.indexOf(m[1]!);
      out.push({ start, end: pos + m[0].length, label: m[1]! });
    }
    pos += line.length + 1;
  }
  return out;
}

/** Unit anchors in [from, to): list items and sentences. */
function unitAnchors(text: string, from: number, to: number): number[] {
  const out: number[] = [];
  let i = from;
  while (i < to && /\s/.test(text[i]!)) i++;
  if (i < to) out.push(i);
  const body = text.slice(from, to);
  const re = /(?:\n[ \t]*(?=(?:\d{1,2}[.)]|[-*•])\s)|[.?!]["')\]]?\s+(?=[A-Z(]))/g;
  for (const m of body.matchAll(re)) {
    let a = from + m.index + m[0].length;
    while (a < to && /\s/.test(text[a]!)) a++;
    if (a < to && a > out[out.length - 1]!) out.push(a);
  }
  return out;
}

/** Gold units of a note; with `stripSoap`, the SOAP-level headings are removed from the text first. */
export function labelNote(original: string, stripSoap: boolean): GoldNote {
  const source = original.replace(/\r\n?/g, '\n');
  const headings = findHeadings(source);
  // Build the text (stripped or not) and map each heading's body into it.
  let text = '';
  let copied = 0;
  const blocks: { from: number; to: number; gold: Gold; heading: string }[] = [];
  let current: Gold | null = null;
  headings.forEach((h, k) => {
    const own = goldOfHeading(h.label);
    const gold: Gold | null = own ?? current;
    if (own && own !== 'skip') current = own;
    if (own === 'skip') current = 'skip';
    const bodyEnd = k + 1 < headings.length ? headings[k + 1]!.start : source.length;
    text += source.slice(copied, h.start);
    if (stripSoap && isSoapHeading(h.label)) {
      copied = h.end;
    } else {
      text += source.slice(h.start, h.end);
      copied = h.end;
    }
    const from = text.length;
    text += source.slice(copied, bodyEnd);
    copied = bodyEnd;
    if (gold) blocks.push({ from, to: text.length, gold, heading: h.label });
  });
  text += source.slice(copied);
  const units: GoldUnit[] = [];
  for (const b of blocks) {
    if (b.gold === 'skip') continue;
    for (const anchor of unitAnchors(text, b.from, b.to)) units.push({ anchor, gold: b.gold, heading: b.heading });
  }
  // Normalise line ends back only where the source had CRLF: the structurer sees plain \n either way.
  return { text, units, headings: headings.map((h) => h.label) };
}

/** Deterministic split: about 30 % of the notes, by a hash of the file name, are held back. */
export function isHeldBack(fileName: string): boolean {
  const h = createHash('sha256').update(`notes-accuracy:${fileName}`).digest();
  return h[0]! < 77;
}

export const isRight = (gold: Gold, got: SoapSectionName): boolean =>
  gold === got || (gold === 'assessment-plan' && (got === 'assessment' || got === 'plan'));
