import type { Resource, SupportedType } from '../../contract/fhir/types';
import { badRequest } from './errors';

/*
 * _summary and _elements: subsets of a resource. The summary elements and the mandatory ones
 * (min ≥ 1) are taken from the R4 StructureDefinitions (isSummary, min) of the types we serve;
 * a subset is tagged SUBSETTED, as R4 requires, and keeps the mandatory elements so it stays valid.
 */

const ELEMENTS: Record<SupportedType, { summary: readonly string[]; mandatory: readonly string[] }> = {
  Patient: { summary: ['id', 'meta', 'implicitRules', 'identifier', 'active', 'name', 'telecom', 'gender', 'birthDate', 'deceased[x]', 'address', 'managingOrganization', 'link'], mandatory: [] },
  Observation: {
    summary: ['id', 'meta', 'implicitRules', 'identifier', 'basedOn', 'partOf', 'status', 'code', 'subject', 'focus', 'encounter', 'effective[x]', 'issued', 'performer', 'value[x]', 'hasMember', 'derivedFrom', 'component'],
    mandatory: ['status', 'code'],
  },
  MedicationRequest: {
    summary: ['id', 'meta', 'implicitRules', 'status', 'intent', 'priority', 'doNotPerform', 'reported[x]', 'medication[x]', 'subject', 'authoredOn', 'requester', 'performerType', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'groupIdentifier'],
    mandatory: ['status', 'intent', 'medication[x]', 'subject'],
  },
  ServiceRequest: {
    summary: [
      'id', 'meta', 'implicitRules', 'identifier', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'replaces', 'requisition', 'status', 'intent', 'category', 'priority', 'doNotPerform', 'code',
      'orderDetail', 'quantity[x]', 'subject', 'encounter', 'occurrence[x]', 'asNeeded[x]', 'authoredOn', 'requester', 'performerType', 'performer', 'locationCode', 'locationReference', 'reasonCode',
      'reasonReference', 'specimen', 'bodySite', 'patientInstruction',
    ],
    mandatory: ['status', 'intent', 'subject'],
  },
  AllergyIntolerance: { summary: ['id', 'meta', 'implicitRules', 'identifier', 'clinicalStatus', 'verificationStatus', 'type', 'category', 'criticality', 'code', 'patient', 'asserter'], mandatory: ['patient'] },
  DocumentReference: {
    summary: ['id', 'meta', 'implicitRules', 'masterIdentifier', 'identifier', 'status', 'docStatus', 'type', 'category', 'subject', 'date', 'author', 'relatesTo', 'description', 'securityLabel', 'content', 'context'],
    mandatory: ['status', 'content'],
  },
};

export type Summary = 'true' | 'text' | 'data' | 'count' | 'false';

export interface Subset {
  summary: Summary;
  /** Top-level element names asked for with _elements, or null. */
  elements: readonly string[] | null;
}

export const NO_SUBSET: Subset = { summary: 'false', elements: null };

/** Whether `key` (a JSON property, `_x` for a primitive's extensions) is the element `name` (with [x] for a choice). */
function matches(key: string, name: string): boolean {
  const k = key.startsWith('_') ? key.slice(1) : key;
  if (name.endsWith('[x]')) {
    const prefix = name.slice(0, -3);
    return k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length));
  }
  return k === name;
}

export function parseElements(raw: string): string[] {
  const names = raw.split(',').map((n) => n.trim()).filter(Boolean);
  for (const n of names) if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(n)) throw badRequest('_elements: a list of top-level element names');
  return names;
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** The subset of `r` asked for; the resource itself when no subset is asked. */
export function subset(type: SupportedType, r: Resource, s: Subset): Resource {
  if ((s.summary === 'false' || s.summary === 'count') && s.elements === null) return r;
  const defs = ELEMENTS[type];
  let keep: (key: string) => boolean;
  if (s.summary === 'data') keep = (k) => k !== 'text';
  else if (s.summary === 'text') keep = (k) => k === 'text' || defs.mandatory.some((n) => matches(k, n));
  else if (s.summary === 'true') keep = (k) => defs.summary.some((n) => matches(k, n));
  else keep = (k) => s.elements!.some((n) => matches(k, n)) || defs.mandatory.some((n) => matches(k, n));
  const out: Resource = { resourceType: r.resourceType };
  for (const [k, v] of Object.entries(r)) if (k === 'id' || k === 'meta' || keep(k)) out[k] = v;
  out.meta = { ...(r.meta ?? {}), tag: [...(((r.meta as { tag?: unknown[] } | undefined)?.tag ?? []) as unknown[]), SUBSETTED] };
  return out;
}
