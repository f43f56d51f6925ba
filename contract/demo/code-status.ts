import type { CodeStatusCode } from '../code-status';
import type { DemoHospital, DemoPatient } from './hospital';
import { DEFAULT_SEED } from './hospital';
import { Rng } from './rng';

/*
 * Code statuses of the demo hospital: most admitted patients have one, recorded by a physician
 * of their branch within the first day of the admission; about one in five has none yet (the
 * banner then says "not recorded"). Older patients more often have DNACPR or limitations. Each
 * patient draws from their own stream (seed and key), so the rest of the hospital is unchanged.
 */

export interface DemoCodeStatus {
  key: string;
  branchCode: string;
  patientKey: string;
  status: CodeStatusCode;
  limitations: string | null;
  recordedByUsername: string;
  recordedAt: string;
}

const LIMITATIONS = [
  'No intubation, no ICU admission; for non-invasive ventilation and ward-based treatment',
  'Not for ICU; for all ward-based treatment including antibiotics and fluids',
  'No renal replacement therapy; otherwise full active treatment',
  'For oxygen and IV antibiotics; not for non-invasive ventilation',
];

const YEAR_MS = 365.25 * 86_400_000;

function weights(age: number): [CodeStatusCode, number][] {
  if (age >= 85) return [['full-code', 0.25], ['dnacpr', 0.5], ['limitations', 0.25]];
  if (age >= 70) return [['full-code', 0.6], ['dnacpr', 0.2], ['limitations', 0.2]];
  return [['full-code', 0.9], ['dnacpr', 0.05], ['limitations', 0.05]];
}

export function demoCodeStatuses(hospital: DemoHospital, referenceInstant: string, seed = DEFAULT_SEED): DemoCodeStatus[] {
  const ceiling = Date.parse(referenceInstant);
  const physicianOf = (branchCode: string) => hospital.users.find((u) => u.roles.some((r) => r.branchCode === branchCode && r.role === 'physician'))?.username;
  const out: DemoCodeStatus[] = [];
  for (const p of hospital.patients as DemoPatient[]) {
    if (p.admittedAt === null || p.deceasedAt !== null || p.wardCode === null) continue;
    const recorder = physicianOf(p.branchCode);
    if (!recorder) continue;
    const rng = new Rng(seed, `code-status/${p.key}`);
    if (rng.chance(0.2)) continue;
    const admitted = Date.parse(p.admittedAt);
    const age = Math.floor((admitted - Date.parse(p.birthDate)) / YEAR_MS);
    let roll = rng.next();
    let status: CodeStatusCode = 'full-code';
    for (const [code, w] of weights(age)) {
      if (roll < w) {
        status = code;
        break;
      }
      roll -= w;
    }
    const at = Math.min(admitted + rng.int(1, 20) * 3_600_000, ceiling - 60_000);
    out.push({
      key: rng.uuid(),
      branchCode: p.branchCode,
      patientKey: p.key,
      status,
      limitations: status === 'limitations' ? rng.pick(LIMITATIONS) : null,
      recordedByUsername: recorder,
      recordedAt: new Date(Math.max(at, admitted)).toISOString(),
    });
  }
  return out;
}
