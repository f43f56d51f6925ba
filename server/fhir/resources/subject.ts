import { isUuid, referencedId } from '../../../contract/fhir/reference';
import type { Reference, Resource } from '../../../contract/fhir/types';
import { unprocessable } from '../errors';
import type { StoreContext } from './store';

/** The id of the branch's patient a reference names; another branch's patient is as unknown as a missing one (422). */
export async function requirePatient(c: StoreContext, ref: Reference | undefined, what: string): Promise<string> {
  const id = ref?.reference ? referencedId(ref.reference, 'Patient') : null;
  const found = id && isUuid(id) ? await c.trx.selectFrom('patients').select('id').where('id', '=', id).executeTakeFirst() : undefined;
  if (!found) throw unprocessable(`${what}: unknown patient`);
  return found.id;
}

export function subjectPatientIds(res: Resource): string[] {
  const ref = (res.subject as Reference | undefined)?.reference;
  const id = ref ? referencedId(ref, 'Patient') : null;
  return id ? [id] : [];
}

export function codeText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(`${what} is required`);
  if (value.length > max) throw unprocessable(`${what} is too long`);
  return value;
}
