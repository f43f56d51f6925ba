import { currentBranchId } from '../../db/with-branch';
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { SYSTEMS, type CodeableConcept, type Reference, type Resource } from '../../../contract/fhir/types';
import type { AllergyIntolerancesTable } from '../../db/database';
import { checkCodings, clip, conceptText, instantOf, primaryCoding } from './project';
import { codeCondition, FALSE, patientTimeCondition } from './sql';
import type { ResourceStore, StoreContext } from './store';
import { saveVersion, tokenCondition, withMeta } from './stored';
import { linkSubject, requirePatient, subjectPatientIds } from './subject';
import { timeOrderedQueries } from './time-ordered';

/*
 * AllergyIntolerance <-> allergy_intolerances (on the change feed as 'allergy_intolerance', so
 * every banner of the ward shows it). Stored whole; the columns project what a banner needs:
 * the substance, clinical and verification status, criticality, categories and reactions.
 */

export const CLINICAL_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
export const VERIFICATION_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

/** One reaction as the `reactions` column holds it. */
export interface AllergyReaction {
  manifestations: string[];
  severity: 'mild' | 'moderate' | 'severe' | null;
  description: string | null;
}

const COLUMNS = [
  'id', 'patient_id', 'code_system', 'code', 'display', 'clinical_status', 'verification_status', 'type', 'categories', 'criticality', 'reactions',
  'onset_at', 'recorded_at', 'note', 'updated_at', 'version',
] as const;
type Selected = Pick<Selectable<AllergyIntolerancesTable>, (typeof COLUMNS)[number]>;

function status(system: string, code: string | null): CodeableConcept | undefined {
  return code ? { coding: [{ system, code }] } : undefined;
}

/** For rows never sent through FHIR (recorded at a station). */
function toFhir(_c: StoreContext, r: Selected): Resource {
  const res: Record<string, unknown> = {
    resourceType: 'AllergyIntolerance',
    id: r.id,
    meta: { versionId: String(r.version), lastUpdated: r.updated_at.toISOString() },
    clinicalStatus: status(CLINICAL_STATUS_SYSTEM, r.clinical_status),
    verificationStatus: status(VERIFICATION_STATUS_SYSTEM, r.verification_status),
    type: r.type ?? undefined,
    category: r.categories.length > 0 ? r.categories : undefined,
    criticality: r.criticality ?? undefined,
    code: r.code ? { coding: [{ ...(r.code_system ? { system: r.code_system } : {}), code: r.code }], text: r.display } : { text: r.display },
    patient: { reference: `Patient/${r.patient_id}` },
    onsetDateTime: r.onset_at?.toISOString(),
    recordedDate: r.recorded_at.toISOString(),
    note: r.note ? [{ text: r.note }] : undefined,
  };
  const reactions = (r.reactions as AllergyReaction[] | null) ?? [];
  if (reactions.length > 0) {
    res.reaction = reactions.map((x) => ({
      manifestation: x.manifestations.map((text) => ({ text })),
      ...(x.severity ? { severity: x.severity } : {}),
      ...(x.description ? { description: x.description } : {}),
    }));
  }
  return JSON.parse(JSON.stringify(res)) as Resource;
}

const condition = patientTimeCondition('recorded_at', (name, v) => {
  switch (name) {
    case 'clinical-status':
      return codeCondition('clinical_status', v, CLINICAL_STATUS_SYSTEM);
    case 'verification-status':
      return codeCondition('verification_status', v, VERIFICATION_STATUS_SYSTEM);
    case 'criticality':
      return codeCondition('criticality', v, 'http://hl7.org/fhir/allergy-intolerance-criticality');
    case 'category':
      return v.system === undefined || v.system === 'http://hl7.org/fhir/allergy-intolerance-category' ? sql<boolean>`${v.code} = ANY (categories)` : FALSE;
    case 'code':
    case 'identifier':
      return tokenCondition('AllergyIntolerance', name, v);
    default:
      return null;
  }
});

function codeOf(cc: unknown): string | null {
  return (cc as CodeableConcept | undefined)?.coding?.find((c) => typeof c.code === 'string')?.code ?? null;
}

/** The columns of an allergy_intolerances row (without keys and patient). */
export function projectAllergy(res: Resource) {
  const code = res.code as CodeableConcept | undefined;
  checkCodings(code, 'AllergyIntolerance.code');
  const primary = primaryCoding(code, SYSTEMS.snomed);
  const reactions = ((res.reaction as { manifestation?: CodeableConcept[]; severity?: string; description?: string; substance?: CodeableConcept }[] | undefined) ?? []).map(
    (x): AllergyReaction => ({
      manifestations: (x.manifestation ?? []).map((m) => clip(conceptText(m) ?? '', 200)!).filter((t) => t !== ''),
      severity: (x.severity as AllergyReaction['severity'] | undefined) ?? null,
      description: clip(x.description ?? null, 500),
    }),
  );
  const notes = ((res.note as { text?: string }[] | undefined) ?? []).map((n) => n.text).filter((t): t is string => typeof t === 'string');
  return {
    code_system: primary ? (primary.system ?? null) : null,
    code: primary?.code ?? null,
    display: clip(conceptText(code) ?? primary?.code ?? 'allergy or intolerance (substance not coded)')!,
    clinical_status: codeOf(res.clinicalStatus) as Selected['clinical_status'],
    verification_status: codeOf(res.verificationStatus) as Selected['verification_status'],
    type: (res.type as Selected['type'] | undefined) ?? null,
    categories: (res.category as string[] | undefined) ?? [],
    criticality: (res.criticality as Selected['criticality'] | undefined) ?? null,
    reactions: JSON.stringify(reactions),
    onset_at: instantOf(res.onsetDateTime, 'AllergyIntolerance.onsetDateTime'),
    recorded_at: instantOf(res.recordedDate, 'AllergyIntolerance.recordedDate') ?? sql<Date>`now()`,
    note: notes.length > 0 ? clip(notes.join('\n'), 2000) : null,
  };
}

/** Creates an AllergyIntolerance from a valid R4 resource: projection row and stored resource, in the caller's transaction. */
export async function createAllergyIntolerance(c: StoreContext, res: Resource): Promise<Resource> {
  const patientId = await requirePatient(c, res.patient as Reference | undefined, 'AllergyIntolerance.patient');
  const id = randomUUID();
  const row = await c.trx
    .insertInto('allergy_intolerances')
    .values({ ...projectAllergy(res), id, patient_id: patientId, branch_id: currentBranchId() })
    .returning(['version', 'updated_at'])
    .executeTakeFirstOrThrow();
  const stored = withMeta(linkSubject(res, patientId, 'patient'), id, row.version, row.updated_at);
  await saveVersion(c, stored);
  return stored;
}

export const allergyIntoleranceStore: ResourceStore = {
  type: 'AllergyIntolerance',
  ...timeOrderedQueries<Selected>({ type: 'AllergyIntolerance', table: 'allergy_intolerances', columns: COLUMNS, timeColumn: 'recorded_at', condition, toFhir }),
  create: createAllergyIntolerance,
  patientIds: subjectPatientIds,
};
