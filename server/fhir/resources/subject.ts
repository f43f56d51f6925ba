import { isUuid, referencedId } from '../../../contract/fhir/reference';
import type { Reference, Resource } from '../../../contract/fhir/types';
import { mrnSystem } from '../config';
import { unprocessable } from '../errors';
import type { StoreContext } from './store';

/*
 * Subjects: every clinical resource must belong to a patient of the caller's branch (the clinical
 * rule behind every 422 here). A patient is named by a reference (Patient/<id>), by a conditional
 * reference (Patient?identifier=system|value), or by an identifier; all are resolved under RLS,
 * so another branch's patient is as unknown as a missing one.
 */

/** Ids of the branch's patients carrying this identifier (the MRN and national id columns, else any stored identifier). */
export async function patientsWithIdentifier(c: StoreContext, system: string | undefined, value: string): Promise<string[]> {
  if (value.length > 512) return [];
  if (system === mrnSystem(c.config, c.branchCode)) {
    return (await c.trx.selectFrom('patients').select('id').where('mrn', '=', value).execute()).map((r) => r.id);
  }
  if (system === c.config.nationalIdSystem) {
    return (await c.trx.selectFrom('patients').select('id').where('national_id', '=', value).limit(2).execute()).map((r) => r.id);
  }
  let q = c.trx.selectFrom('fhir_tokens').select('resource_id').where('resource_type', '=', 'Patient').where('param', '=', 'identifier').where('value', '=', value);
  if (system !== undefined) q = q.where('system', '=', system);
  return (await q.limit(2).execute()).map((r) => r.resource_id);
}

function conditionalIdentifier(reference: string): { system: string | undefined; value: string } | null {
  const m = /^Patient\?(.*)$/.exec(reference);
  if (!m) return null;
  const params = new URLSearchParams(m[1]);
  const token = params.get('identifier');
  if (token === null || [...params.keys()].length !== 1) return null;
  const bar = token.indexOf('|');
  return bar < 0 ? { system: undefined, value: token } : { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

export type SubjectResolution = { patientId: string } | { deferredMrn: string };

/**
 * The branch's patient a reference names. With `allowDeferredMrn`, an identifier in the branch's
 * MRN system that matches nobody yet is accepted as a result waiting for its patient.
 */
export async function resolvePatient(c: StoreContext, ref: Reference | undefined, path: string, allowDeferredMrn = false): Promise<SubjectResolution> {
  if (!ref) throw unprocessable('a patient of this branch is required', path);
  if (ref.reference !== undefined) {
    const cond = conditionalIdentifier(ref.reference);
    if (cond) return { patientId: await onePatient(c, cond.system, cond.value, `${path}.reference`) };
    const id = referencedId(ref.reference, 'Patient');
    const found = id && isUuid(id) ? await c.trx.selectFrom('patients').select('id').where('id', '=', id.toLowerCase()).executeTakeFirst() : undefined;
    if (!found) throw unprocessable('unknown patient: the reference must name a patient of this branch', `${path}.reference`);
    return { patientId: found.id };
  }
  const ident = ref.identifier;
  if (ident?.value) {
    const ids = await patientsWithIdentifier(c, ident.system, ident.value);
    if (ids.length === 1) return { patientId: ids[0]! };
    if (ids.length > 1) throw unprocessable('the identifier matches more than one patient', `${path}.identifier`);
    if (allowDeferredMrn && ident.system === mrnSystem(c.config, c.branchCode) && ident.value.length <= 64) return { deferredMrn: ident.value };
    throw unprocessable('unknown patient: no patient of this branch has this identifier', `${path}.identifier`);
  }
  throw unprocessable('a reference to a patient of this branch, or one of its identifiers, is required', path);
}

async function onePatient(c: StoreContext, system: string | undefined, value: string, path: string): Promise<string> {
  const ids = await patientsWithIdentifier(c, system, value);
  if (ids.length === 1) return ids[0]!;
  throw unprocessable(ids.length > 1 ? 'the conditional reference matches more than one patient' : 'the conditional reference matches no patient of this branch', path);
}

/** The id of the branch's patient a reference names (no deferred results). */
export async function requirePatient(c: StoreContext, ref: Reference | undefined, path: string): Promise<string> {
  const r = await resolvePatient(c, ref, path);
  return 'patientId' in r ? r.patientId : '';
}

export function subjectPatientIds(res: Resource): string[] {
  const ref = ((res.subject ?? res.patient) as Reference | undefined)?.reference;
  const id = ref ? referencedId(ref, 'Patient') : null;
  return id ? [id] : [];
}

/**
 * A subject named by identifier or conditional reference that resolved to a patient gets the
 * literal reference too (FHIR's rule for conditional references); what was sent stays.
 */
export function linkSubject(res: Resource, patientId: string | null, element = 'subject'): Resource {
  const ref = res[element] as { reference?: string } | undefined;
  if (!patientId || !ref || (ref.reference !== undefined && !ref.reference.startsWith('Patient?'))) return res;
  return { ...res, [element]: { ...ref, reference: `Patient/${patientId}` } };
}
