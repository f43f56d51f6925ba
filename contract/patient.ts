import { z } from 'zod';

export const Sex = z.enum(['female', 'male', 'other', 'unknown']);
export type Sex = z.infer<typeof Sex>;

/** A patient as the station and the API show it. Every patient screen shows name, MRN and national id. */
export const Patient = z.object({
  id: z.string().uuid(),
  mrn: z.string(),
  nationalId: z.string().nullable(),
  familyName: z.string(),
  givenNames: z.array(z.string()),
  birthDate: z.string().nullable(),
  sex: Sex,
  ward: z.object({ id: z.number().int(), code: z.string(), name: z.string() }).nullable(),
  bed: z.string().nullable(),
  deceasedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type Patient = z.infer<typeof Patient>;

export const PatientQuery = z.object({
  // PostgreSQL text cannot hold U+0000: refuse it here rather than fail in the database.
  q: z.string().max(200).refine((s) => !s.includes('\u0000'), 'no NUL characters').optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type PatientQuery = z.infer<typeof PatientQuery>;

export const PatientList = z.object({ patients: z.array(Patient) });
export type PatientList = z.infer<typeof PatientList>;
