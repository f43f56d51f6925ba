import { sql } from 'kysely';
import type { PatientWarning } from '../../../contract/notes';
import { foldForMatch } from '../text';
import type { BranchTransaction } from '../../db/with-branch';

/*
 * The wrong-patient guard: a raw note that names another patient of the branch (their MRN,
 * national identifier or full name), or gives a birth date that is not this patient's, is shown
 * at the top of the review, and approval waits until the physician confirms that the note
 * belongs to the patient on the banner. The warning quotes only what the note itself says.
 */

const ID_TOKEN = /\b[\p{L}\p{N}][\p{L}\p{N}-]{3,}\b/gu;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// "DOB 1950-03-12", "born 12/03/1950", "date of birth: 12 March 1950", "D.O.B. March 12, 1950".
const DOB =
  /\b(?:d\.?\s?o\.?\s?b\.?|date of birth|birth ?date|born(?: on)?|geb(?:oren|\.)?|fecha de nacimiento|né(?:e)? le)\s*[:=]?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}\.?\s+\p{L}{3,}\.?\s+\d{4}|\p{L}{3,}\.?\s+\d{1,2},?\s+\d{4})/giu;

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number): string | null =>
  y > 1850 && m >= 1 && m <= 12 && d >= 1 && d <= 31 ? `${y}-${pad(m)}-${pad(d)}` : null;
const century = (y: number) => (y < 100 ? (y > 30 ? 1900 + y : 2000 + y) : y);
const month = (word: string) => MONTHS.indexOf(word.slice(0, 3).toLowerCase()) + 1;

/** Every calendar date a written birth date may mean (day/month order is ambiguous). */
export function readDates(text: string): string[] {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return [iso(+m[1]!, +m[2]!, +m[3]!)].filter((x): x is string => x !== null);
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})$/.exec(text);
  if (m) {
    const y = century(+m[3]!);
    return [iso(y, +m[2]!, +m[1]!), iso(y, +m[1]!, +m[2]!)].filter((x): x is string => x !== null);
  }
  m = /^(\d{1,2})\.?\s+(\p{L}+)\.?\s+(\d{4})$/u.exec(text);
  if (m) return [iso(+m[3]!, month(m[2]!), +m[1]!)].filter((x): x is string => x !== null);
  m = /^(\p{L}+)\.?\s+(\d{1,2}),?\s+(\d{4})$/u.exec(text);
  if (m) return [iso(+m[3]!, month(m[1]!), +m[2]!)].filter((x): x is string => x !== null);
  return [];
}

// Case and accents do not tell names apart: "Nguyễn" and "NGUYEN" are one name.
const foldName = (s: string) => foldForMatch(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const wordsOf = (s: string) => foldName(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** Whether `name`'s words appear one after the other in the folded words of the note. */
function namesIn(noteWords: string[], name: string[]): boolean {
  if (name.length < 2) return false;
  outer: for (let i = 0; i + name.length <= noteWords.length; i++) {
    for (let k = 0; k < name.length; k++) if (noteWords[i + k] !== name[k]) continue outer;
    return true;
  }
  return false;
}

export async function patientWarnings(trx: BranchTransaction, raw: string, patientId: string): Promise<PatientWarning[]> {
  const self = await trx.selectFrom('patients').select(['id', 'mrn', 'national_id', 'given_names', 'family_name', 'birth_date']).where('id', '=', patientId).executeTakeFirst();
  if (!self) return [];
  const warnings: PatientWarning[] = [];
  const tokens = [...new Set([...raw.matchAll(ID_TOKEN)].map((m) => m[0]).filter((t) => /\d/.test(t)))].slice(0, 500);
  if (tokens.length > 0) {
    const others = await trx
      .selectFrom('patients')
      .select(['mrn', 'national_id'])
      .where('id', '!=', patientId)
      .where((eb) => eb.or([eb('mrn', 'in', tokens), eb('national_id', 'in', tokens)]))
      .limit(5)
      .execute();
    for (const o of others) {
      if (tokens.includes(o.mrn) && o.mrn !== self.mrn) warnings.push({ kind: 'mrn', found: o.mrn, message: `The note names MRN ${o.mrn}, which belongs to another patient of this branch.` });
      if (o.national_id && tokens.includes(o.national_id) && o.national_id !== self.national_id) {
        warnings.push({ kind: 'national_id', found: o.national_id, message: `The note names national identifier ${o.national_id}, which belongs to another patient.` });
      }
    }
  }
  // Full names: candidates whose family name occurs in the note, checked word by word here.
  const noteWords = wordsOf(raw);
  const selfName = wordsOf([...self.given_names, self.family_name].join(' ')).join(' ');
  const candidates = await trx
    .selectFrom('patients')
    .select(['given_names', 'family_name'])
    .where('id', '!=', patientId)
    // Folded as foldName does (decomposed, marks dropped, lower case): "Nguyen" in the note finds "Nguyễn".
    .where(sql<boolean>`strpos(${foldName(raw)}, regexp_replace(normalize(lower(family_name), NFD), '[\u0300-\u036f]', '', 'g')) > 0`)
    .limit(200)
    .execute();
  const named = new Set<string>();
  for (const c of candidates) {
    const full = wordsOf([...c.given_names, c.family_name].join(' '));
    const first = wordsOf([c.given_names[0] ?? '', c.family_name].join(' '));
    const written = [full, first].find((n) => namesIn(noteWords, n));
    // A namesake (the same name as this patient) cannot be told apart by name: the identifiers say it.
    if (!written || full.join(' ') === selfName || named.has(full.join(' '))) continue;
    named.add(full.join(' '));
    const shown = [...c.given_names, c.family_name].join(' ');
    warnings.push({ kind: 'name', found: shown, message: `The note names ${shown}, another patient of this branch.` });
  }
  if (self.birth_date) {
    for (const m of raw.matchAll(DOB)) {
      const dates = readDates(m[1]!.trim());
      if (dates.length > 0 && !dates.includes(self.birth_date)) {
        warnings.push({ kind: 'birth_date', found: m[1]!.trim(), message: `The note gives the birth date ${m[1]!.trim()}; the patient on the banner was born ${self.birth_date}.` });
      }
    }
  }
  return warnings;
}
