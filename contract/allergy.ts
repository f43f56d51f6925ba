import { z } from 'zod';

/*
 * An allergy as the station shows it on every banner. "No known allergies" is a statement a
 * clinician records (SNOMED CT 716186003, as FHIR AllergyIntolerance.code), not the absence of
 * records: with no entry at all the banner says "Allergies not recorded".
 */
export const NO_KNOWN_ALLERGY_CODE = '716186003';

export const AllergyView = z.object({
  id: z.string().uuid(),
  substance: z.string(),
  /** True for the "No known allergies" statement. */
  noneKnown: z.boolean(),
  reaction: z.string().nullable(),
  criticality: z.enum(['low', 'high', 'unable-to-assess']).nullable(),
  recordedAt: z.string(),
});
export type AllergyView = z.infer<typeof AllergyView>;

export type AllergyLine = { kind: 'not-recorded' } | { kind: 'none-known' } | { kind: 'list'; items: AllergyView[] };

/** What the banner says: the allergies, "No known allergies", or "Allergies not recorded". */
export function allergyLine(allergies: readonly AllergyView[] | undefined): AllergyLine {
  const real = (allergies ?? []).filter((a) => !a.noneKnown);
  if (real.length > 0) return { kind: 'list', items: real };
  return (allergies ?? []).some((a) => a.noneKnown) ? { kind: 'none-known' } : { kind: 'not-recorded' };
}

/** An allergy recorded at a station (physician or nurse); synced as a FHIR AllergyIntolerance. */
export const AllergyFields = z.object({
  allergyId: z.string().uuid(),
  patientId: z.string().uuid(),
  /** The substance as the clinician names it; ignored (may be empty) for "No known allergies". */
  substance: z.string().trim().max(200),
  noneKnown: z.boolean(),
  reaction: z.string().trim().max(200).nullable(),
  criticality: z.enum(['low', 'high', 'unable-to-assess']).nullable(),
  category: z.enum(['food', 'medication', 'environment', 'biologic']).nullable(),
});
const named = (a: { noneKnown: boolean; substance: string }) => a.noneKnown || a.substance.length > 0;
export const AllergyEntry = AllergyFields.refine(named, { message: 'name the substance', path: ['substance'] });
/** The station call's input: the station makes the id. */
export const AllergyInput = AllergyFields.omit({ allergyId: true }).refine(named, { message: 'name the substance', path: ['substance'] });
export type AllergyEntry = z.infer<typeof AllergyEntry>;
