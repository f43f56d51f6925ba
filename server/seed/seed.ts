import { demoCodeStatuses, type DemoCodeStatus } from '../../contract/demo/code-status';
import { generateDemoHospital, REFERENCE_INSTANT, type DemoHospital, type DemoLabResult } from '../../contract/demo/hospital';
import { addBranch, addWard } from '../admin/branches';
import { addUser } from '../admin/users';
import type { OwnerDb } from '../db/owner-db';
import { withBranch } from '../db/with-branch';

/** The demo password of the seeded staff. Demo only: printed by the seed and in the README. */
export const DEMO_PASSWORD = 'ward-demo-2026';

export interface SeedOptions {
  patientsPerBranch?: number;
  labsPerPatient?: number;
  seed?: number;
  onProgress?: (done: number, total: number, stage: string) => void;
  /** Anchor the demo at this instant (the product's seed passes now; tests keep the fixed reference). */
  referenceInstant?: string;
}

export interface SeedReport {
  seeded: boolean;
  branches: number;
  patients: number;
  labResults: number;
  medications: number;
  referrals: number;
}

const CHUNK = 500;

/** Seeds the deterministic demo hospital into an empty database; does nothing if branches exist. */
export async function seedDemo(owner: OwnerDb, options: SeedOptions = {}): Promise<SeedReport> {
  const existing = await owner.selectFrom('branches').select('id').limit(1).execute();
  if (existing.length > 0) return { seeded: false, branches: 0, patients: 0, labResults: 0, medications: 0, referrals: 0 };
  const hospital = generateDemoHospital({
    seed: options.seed,
    patientsPerBranch: options.patientsPerBranch,
    labsPerPatient: options.labsPerPatient,
    referenceInstant: options.referenceInstant,
  });
  const labs = latestLabVersions(hospital.labResults);
  const total = hospital.patients.length + labs.length + hospital.medications.length + hospital.referrals.length;
  let done = 0;
  const progress = (n: number, stage: string) => {
    done += n;
    options.onProgress?.(done, total, stage);
  };

  const wardIds = new Map<string, number>();
  const branchIds = new Map<string, number>();
  for (const b of hospital.branches) {
    const created = await addBranch(owner, b.code, b.name);
    branchIds.set(b.code, created.id);
    for (const w of b.wards) wardIds.set(`${b.code}/${w.code}`, (await addWard(owner, b.code, w)).id);
  }
  for (const u of hospital.users) {
    await addUser(owner, { username: u.username, displayName: u.displayName, password: DEMO_PASSWORD, roles: u.roles }, 'seed');
  }
  const codeStatuses = demoCodeStatuses(hospital, options.referenceInstant ?? REFERENCE_INSTANT, options.seed);
  for (const b of hospital.branches) {
    await seedBranch(owner, hospital, b.code, branchIds.get(b.code)!, wardIds, labs, progress);
    await seedCodeStatuses(owner, branchIds.get(b.code)!, codeStatuses.filter((c) => c.branchCode === b.code));
  }
  return {
    seeded: true,
    branches: hospital.branches.length,
    patients: hospital.patients.length,
    labResults: labs.length,
    medications: hospital.medications.length,
    referrals: hospital.referrals.length,
  };
}

/**
 * A correction and a re-delivered duplicate share their result's key; the database holds the
 * latest version of each result, with its version number counting the changes.
 */
function latestLabVersions(results: DemoLabResult[]): (DemoLabResult & { version: number })[] {
  const byKey = new Map<string, DemoLabResult & { version: number }>();
  for (const r of results) {
    const prev = byKey.get(r.key);
    if (!prev) byKey.set(r.key, { ...r, version: 1 });
    else if (r.status !== prev.status || r.value !== prev.value || r.valueString !== prev.valueString) {
      byKey.set(r.key, { ...r, version: prev.version + 1 });
    }
  }
  return [...byKey.values()];
}

/** A generated lab result as the columns of an observations row (everything but keys and subject). */
export function labResultColumns(l: DemoLabResult) {
  return {
    loinc: l.loinc,
    display: l.display,
    value_num: l.value,
    value_text: l.valueString,
    comparator: l.comparator,
    unit: l.unit,
    ref_low: l.referenceLow,
    ref_high: l.referenceHigh,
    interpretation: l.interpretation,
    status: l.status,
    effective_at: l.effectiveAt,
    issued_at: l.issuedAt,
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function seedBranch(
  owner: OwnerDb,
  hospital: DemoHospital,
  code: string,
  branchId: number,
  wardIds: Map<string, number>,
  labs: (DemoLabResult & { version: number })[],
  progress: (n: number, stage: string) => void,
): Promise<void> {
  const actor = { kind: 'admin', id: 'seed' } as const;
  const ward = (w: string | null) => (w === null ? null : (wardIds.get(`${code}/${w}`) ?? null));
  const patients = hospital.patients.filter((p) => p.branchCode === code);
  for (const part of chunks(patients)) {
    await withBranch(owner, branchId, actor, async (trx) => {
      await trx
        .insertInto('patients')
        .values(
          part.map((p) => ({
            branch_id: branchId,
            id: p.key,
            mrn: p.mrn,
            national_id: p.nationalId,
            family_name: p.familyName,
            given_names: p.givenNames,
            birth_date: p.birthDate,
            sex: p.sex,
            ward_id: ward(p.wardCode),
            bed: p.bed,
            admitted_at: p.admittedAt,
            deceased_at: p.deceasedAt,
          })),
        )
        .execute();
      const moves = part.flatMap((p) =>
        p.movements.map((m) => ({ branch_id: branchId, patient_id: p.key, ward_id: ward(m.wardCode)!, bed: m.bed, from_at: m.fromAt, to_at: m.toAt })),
      );
      if (moves.length > 0) await trx.insertInto('patient_movements').values(moves.filter((m) => m.ward_id !== null)).execute();
    });
    progress(part.length, 'patients');
  }
  for (const part of chunks(labs.filter((l) => l.branchCode === code))) {
    await withBranch(owner, branchId, actor, (trx) =>
      trx
        .insertInto('observations')
        .values(
          part.map((l) => ({
            branch_id: branchId,
            id: l.key,
            patient_id: l.patientKey,
            subject_mrn: l.subjectMrn,
            ...labResultColumns(l),
            version: l.version,
          })),
        )
        .execute(),
    );
    progress(part.length, 'lab results');
  }
  for (const part of chunks(hospital.medications.filter((m) => m.branchCode === code))) {
    await withBranch(owner, branchId, actor, (trx) =>
      trx
        .insertInto('medication_requests')
        .values(
          part.map((m) => ({
            branch_id: branchId,
            id: m.key,
            patient_id: m.patientKey,
            rxnorm: m.code,
            display: m.display,
            dosage_text: m.dosageText,
            status: m.status,
            intent: m.intent,
            authored_at: m.authoredAt,
          })),
        )
        .execute(),
    );
    progress(part.length, 'medications');
  }
  for (const part of chunks(hospital.referrals.filter((r) => r.branchCode === code))) {
    await withBranch(owner, branchId, actor, (trx) =>
      trx
        .insertInto('service_requests')
        .values(
          part.map((r) => ({
            branch_id: branchId,
            id: r.key,
            patient_id: r.patientKey,
            snomed: r.code,
            display: r.display,
            category: r.category,
            status: r.status,
            priority: r.priority,
            reason: r.reason,
            authored_at: r.authoredAt,
          })),
        )
        .execute(),
    );
    progress(part.length, 'referrals');
  }
}

/** The demo's code statuses, each with its physician's name and role as they were recorded. */
async function seedCodeStatuses(owner: OwnerDb, branchId: number, statuses: DemoCodeStatus[]): Promise<void> {
  if (statuses.length === 0) return;
  const users = await owner.selectFrom('users').select(['id', 'username', 'display_name']).where('username', 'in', [...new Set(statuses.map((c) => c.recordedByUsername))]).execute();
  const byName = new Map(users.map((u) => [u.username, u]));
  for (const part of chunks(statuses)) {
    await withBranch(owner, branchId, { kind: 'admin', id: 'seed' }, (trx) =>
      trx
        .insertInto('code_statuses')
        .values(
          part.map((c) => ({
            branch_id: branchId,
            id: c.key,
            patient_id: c.patientKey,
            status: c.status,
            limitations: c.limitations,
            recorded_by: byName.get(c.recordedByUsername)!.id,
            recorded_by_name: byName.get(c.recordedByUsername)!.display_name,
            recorded_by_role: 'physician' as const,
            recorded_at: c.recordedAt,
          })),
        )
        .execute(),
    );
  }
}
