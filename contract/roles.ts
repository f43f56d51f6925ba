import { z } from 'zod';

/** A user's role within one branch. IT administrators never read patient data. */
export const Role = z.enum(['physician', 'nurse', 'it_admin']);
export type Role = z.infer<typeof Role>;

/** Roles that may read or write patient data of their branch. */
export const CLINICAL_ROLES: readonly Role[] = ['physician', 'nurse'];

export function isClinical(roles: readonly Role[]): boolean {
  return roles.some((r) => CLINICAL_ROLES.includes(r));
}
