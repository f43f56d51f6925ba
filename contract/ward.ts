import { z } from 'zod';
import { foldSearch } from './search';

/*
 * What the ward list knows of a station's place and its patients: the enrolled station's branch
 * and ward (so sign-in asks for no branch, and the list opens on the station's own ward), age and
 * sex as a clinician reads them, and the look-alike check that warns of wrong-patient mix-ups.
 */

export const WardInfo = z.object({ id: z.number().int(), code: z.string(), name: z.string() });
export type WardInfo = z.infer<typeof WardInfo>;

/** The enrolled station as its server knows it (GET /api/station/info, station credential). */
export const StationInfo = z.object({
  branch: z.object({ code: z.string(), name: z.string() }),
  ward: WardInfo,
  wards: z.array(WardInfo),
});
export type StationInfo = z.infer<typeof StationInfo>;

/** Whole years between a birth date (YYYY-MM-DD) and `now`; null when unknown. A 29 February birthday falls on 1 March. */
export function ageInYears(birthDate: string | null, now: Date): number | null {
  const m = birthDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getUTCFullYear() - y;
  const month = now.getUTCMonth() + 1;
  if (month < mo || (month === mo && now.getUTCDate() < d)) age--;
  return age < 0 ? null : age;
}

/**
 * "34 F", "0 M", "52 other", "— sex unknown": age in years and the recorded sex (FHIR
 * administrative gender). F and M are the letters every ward reads; "other" and "unknown" are
 * written out, so an unknown sex is never a bare "?".
 */
export function ageSex(p: { birthDate: string | null; sex: string }, now: Date): string {
  const age = ageInYears(p.birthDate, now);
  const sex = p.sex === 'female' ? 'F' : p.sex === 'male' ? 'M' : sexWords(p.sex);
  return `${age ?? '—'} ${sex}`;
}

export const SEX_WORDS: Record<string, string> = { female: 'female', male: 'male', other: 'sex other', unknown: 'sex unknown' };

/** The recorded sex in words; anything not an administrative gender reads as unknown. */
export function sexWords(sex: string): string {
  return SEX_WORDS[sex] ?? 'sex unknown';
}

interface Identifiable {
  id: string;
  familyName: string;
  birthDate: string | null;
  wardId: number | null;
}

/** Edit distance of at most one (a typo, a dropped letter): "Meyer"/"Meier", "Smith"/"Smyth". */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.length === l.length ? s.slice(i + 1) === l.slice(i + 1) : s.slice(i) === l.slice(i + 1);
}

/** Family names a nurse could confuse: equal once folded, or one edit apart when both have at least four letters. */
export function similarFamilyNames(a: string, b: string): boolean {
  const fa = foldSearch(a).replace(/[^\p{L}\p{N}]/gu, '');
  const fb = foldSearch(b).replace(/[^\p{L}\p{N}]/gu, '');
  if (fa === '' || fb === '') return false;
  return fa === fb || (Math.min(fa.length, fb.length) >= 4 && withinOneEdit(fa, fb));
}

export type LookAlikeReason = 'same-name' | 'similar-name' | 'same-birth-date';

/**
 * For each patient, the others on the same ward with the same or a similar family name, or the
 * same birth date. Patients with no ward are compared with nobody (they share no bed board).
 */
export function lookAlikes<T extends Identifiable>(patients: readonly T[]): Map<string, { other: T; reasons: LookAlikeReason[] }[]> {
  const out = new Map<string, { other: T; reasons: LookAlikeReason[] }[]>();
  const byWard = new Map<number, T[]>();
  for (const p of patients) if (p.wardId !== null) byWard.set(p.wardId, [...(byWard.get(p.wardId) ?? []), p]);
  for (const ward of byWard.values()) {
    for (let i = 0; i < ward.length; i++) {
      for (let j = i + 1; j < ward.length; j++) {
        const a = ward[i]!;
        const b = ward[j]!;
        const reasons: LookAlikeReason[] = [];
        if (foldSearch(a.familyName) === foldSearch(b.familyName)) reasons.push('same-name');
        else if (similarFamilyNames(a.familyName, b.familyName)) reasons.push('similar-name');
        if (a.birthDate !== null && a.birthDate === b.birthDate) reasons.push('same-birth-date');
        if (reasons.length === 0) continue;
        out.set(a.id, [...(out.get(a.id) ?? []), { other: b, reasons }]);
        out.set(b.id, [...(out.get(b.id) ?? []), { other: a, reasons }]);
      }
    }
  }
  return out;
}

export const LOOK_ALIKE_WORDS: Record<LookAlikeReason, string> = {
  'same-name': 'same family name',
  'similar-name': 'similar family name',
  'same-birth-date': 'same birth date',
};
